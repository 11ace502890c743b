import pino from 'pino';
import type { PendingSnapshots } from '../../processors/pending-snapshots';
import type { RedisRebuild } from '../../processors/redis-rebuild';
import { SerialLock } from '../../processors/serial-lock';
import type { SnapshotPublisher } from '../../processors/snapshot-publisher';
import { SnapshotScheduler } from '../../processors/snapshot-scheduler';
import { SnapshotThrottle } from '../../processors/snapshot-throttle';

// The scheduler's timing with its Redis-facing parts faked: the publisher records when it went out
// and tells the throttle, as the real one does.

function schedulerWithFakes() {
  const throttle = new SnapshotThrottle(500, () => Date.now());
  const published: Array<{ quizId: string; seq: number; at: number }> = [];
  const publisher = {
    publishDue: async () => {
      for (const d of throttle.due()) {
        published.push({ ...d, at: Date.now() });
        throttle.emitted(d.quizId, d.seq);
      }
    },
  } as unknown as SnapshotPublisher;
  const pending = { mark: async () => undefined, recover: async () => [] } as unknown as PendingSnapshots;
  const rebuild = { noteChanged: () => undefined, readyToPublish: async () => true, checkProcessMarker: async () => undefined } as unknown as RedisRebuild;
  const scheduler = new SnapshotScheduler(throttle, pending, rebuild, publisher, new SerialLock(), pino({ level: 'silent' }));
  return { scheduler, published };
}

describe('SnapshotScheduler', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('publishes a trailing snapshot when its window ends, with no periodic tick', async () => {
    const { scheduler, published } = schedulerWithFakes();
    await scheduler.changed(0, new Map([['q', 1]]));
    await scheduler.publishDue(); // the leading edge, as after a flush
    expect(published).toEqual([{ quizId: 'q', seq: 1, at: 1_000_000 }]);
    jest.advanceTimersByTime(100);
    await scheduler.changed(0, new Map([['q', 2]]));
    await jest.advanceTimersByTimeAsync(399);
    expect(published).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(published.at(-1)).toEqual({ quizId: 'q', seq: 2, at: 1_000_500 });
    scheduler.stop();
  });

  it('wakes for the earliest of several quizzes, then for the next', async () => {
    const { scheduler, published } = schedulerWithFakes();
    await scheduler.changed(0, new Map([['a', 1]]));
    await scheduler.publishDue();
    jest.advanceTimersByTime(200);
    await scheduler.changed(0, new Map([['b', 1]]));
    await scheduler.publishDue();
    await scheduler.changed(0, new Map([['a', 2], ['b', 2]]));
    await jest.advanceTimersByTimeAsync(300);
    expect(published.at(-1)).toEqual({ quizId: 'a', seq: 2, at: 1_000_500 });
    await jest.advanceTimersByTimeAsync(200);
    expect(published.at(-1)).toEqual({ quizId: 'b', seq: 2, at: 1_000_700 });
    expect(published).toHaveLength(4);
    scheduler.stop();
  });

  it('stop should leave no timer behind', async () => {
    const { scheduler, published } = schedulerWithFakes();
    await scheduler.changed(0, new Map([['q', 1]]));
    await scheduler.publishDue();
    await scheduler.changed(0, new Map([['q', 2]]));
    scheduler.stop();
    scheduler.stop();
    expect(jest.getTimerCount()).toBe(0);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(published).toHaveLength(1);
  });
});
