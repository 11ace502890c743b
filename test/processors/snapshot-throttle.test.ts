import { SnapshotThrottle } from '../../processors/snapshot-throttle';

function fakeClock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('SnapshotThrottle', () => {
  it('lets the first change through at once', () => {
    const clock = fakeClock();
    const t = new SnapshotThrottle(500, clock.now);
    t.changed('q', 5);
    expect(t.due()).toEqual([{ quizId: 'q', seq: 5 }]);
  });

  it('publishes nothing while nothing changed', () => {
    const clock = fakeClock();
    const t = new SnapshotThrottle(500, clock.now);
    expect(t.due()).toEqual([]);
    t.changed('q', 5);
    t.emitted('q', 5);
    clock.advance(10_000);
    expect(t.due()).toEqual([]);
    expect(t.pending()).toBe(false);
  });

  it('folds changes inside a window into one trailing snapshot with the latest seq', () => {
    const clock = fakeClock();
    const t = new SnapshotThrottle(500, clock.now);
    t.changed('q', 1);
    t.emitted('q', 1);
    clock.advance(100);
    t.changed('q', 2);
    t.changed('q', 3);
    expect(t.due()).toEqual([]);
    expect(t.pending()).toBe(true);
    clock.advance(399);
    expect(t.due()).toEqual([]);
    expect(t.hasDue()).toBe(false);
    clock.advance(1);
    expect(t.due()).toEqual([{ quizId: 'q', seq: 3 }]);
    expect(t.hasDue()).toBe(true);
    t.emitted('q', 3);
    expect(t.due()).toEqual([]);
    expect(t.hasDue()).toBe(false);
  });

  it('never emits twice within one window, per quiz', () => {
    const clock = fakeClock();
    const t = new SnapshotThrottle(500, clock.now);
    const emittedAt: number[] = [];
    for (let i = 1; i <= 200; i++) {
      t.changed('q', i);
      for (const d of t.due()) {
        emittedAt.push(clock.now());
        t.emitted(d.quizId, d.seq);
      }
      clock.advance(7);
    }
    for (let i = 1; i < emittedAt.length; i++) expect(emittedAt[i]! - emittedAt[i - 1]!).toBeGreaterThanOrEqual(500);
    expect(emittedAt.length).toBeGreaterThan(1);
  });

  it('throttles quizzes independently', () => {
    const clock = fakeClock();
    const t = new SnapshotThrottle(500, clock.now);
    t.changed('a', 1);
    t.emitted('a', 1);
    t.changed('a', 2);
    t.changed('b', 3);
    expect(t.due()).toEqual([{ quizId: 'b', seq: 3 }]);
  });

  it('keeps a quiz due when its publish failed (emitted not called)', () => {
    const clock = fakeClock();
    const t = new SnapshotThrottle(500, clock.now);
    t.changed('q', 4);
    expect(t.due()).toHaveLength(1);
    clock.advance(100);
    expect(t.due()).toEqual([{ quizId: 'q', seq: 4 }]);
  });

  it('ignores an older seq arriving after a newer one', () => {
    const clock = fakeClock();
    const t = new SnapshotThrottle(500, clock.now);
    t.changed('q', 9);
    t.changed('q', 4);
    expect(t.due()).toEqual([{ quizId: 'q', seq: 9 }]);
  });

  it('prunes settled quizzes after their window so memory stays bounded', () => {
    const clock = fakeClock();
    const t = new SnapshotThrottle(500, clock.now);
    for (let i = 0; i < 100; i++) {
      t.changed(`q${i}`, 1);
      t.emitted(`q${i}`, 1);
    }
    t.changed('busy', 2);
    t.prune();
    expect(t.size).toBe(101);
    clock.advance(500);
    t.prune();
    expect(t.size).toBe(1);
  });

  it('runs the window from when the publish started, not from when it finished', () => {
    const clock = fakeClock();
    const t = new SnapshotThrottle(500, clock.now);
    t.changed('q', 1);
    const startedAt = clock.now();
    clock.advance(40); // the publish's round trips
    t.emitted('q', 1, startedAt);
    t.changed('q', 2);
    expect(t.dueAt('q')).toBe(startedAt + 500);
    clock.advance(459);
    expect(t.due()).toEqual([]);
    clock.advance(1);
    expect(t.due()).toEqual([{ quizId: 'q', seq: 2 }]);
  });

  it('tells when the earliest unpublished change is due, and nothing once all are out', () => {
    const clock = fakeClock();
    const t = new SnapshotThrottle(500, clock.now);
    expect(t.nextDueAt()).toBeUndefined();
    t.changed('a', 1);
    t.emitted('a', 1);
    clock.advance(100);
    t.changed('b', 1);
    t.emitted('b', 1);
    expect(t.nextDueAt()).toBeUndefined();
    t.changed('b', 2);
    expect(t.nextDueAt()).toBe(1_600);
    t.changed('a', 2);
    expect(t.nextDueAt()).toBe(1_500);
    expect(t.dueAt('a')).toBe(1_500);
    expect(t.dueAt('unknown')).toBeUndefined();
  });
});
