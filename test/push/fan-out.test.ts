import { PassThrough } from 'node:stream';
import { LeaderboardFanOut } from '../../push/leaderboard-fan-out';
import { PersonalFanOut } from '../../push/personal-fan-out';
import { ALL_ENTRIES, SnapshotEdition } from '../../push/snapshot-edition';
import { sseFrame } from '../../push/sse-frames';
import { Viewer, type Frame } from '../../push/viewer';

const limits = { skipBytes: 1_000, maxBytes: 10_000, stallMs: 60_000 };

function viewer(lastSeq = -1) {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  const closed: Viewer[] = [];
  const v = new Viewer(sink, limits, { written: () => undefined, skipped: () => undefined, behind: () => undefined, dropped: () => undefined, closed: (x) => closed.push(x) }, lastSeq);
  return { v, sink, chunks, closed };
}

function snap(seq: number, entries = 3): SnapshotEdition {
  return new SnapshotEdition({
    quizId: 'q',
    seq,
    players: entries,
    answers: seq,
    openQuestions: [],
    entries: Array.from({ length: entries }, (_, i) => ({ rank: i + 1, playerId: `p${i + 1}`, displayName: `P${i + 1}`, score: 100 - i })),
  });
}

describe('LeaderboardFanOut', () => {
  test('writes the very same Buffer to every viewer of the quiz, and nothing to other quizzes', async () => {
    const fan = new LeaderboardFanOut();
    const a = viewer();
    const b = viewer();
    const other = viewer();
    fan.add('q1', a.v);
    fan.add('q1', b.v);
    fan.add('q2', other.v);
    const s = snap(7);
    const frame = s.frame(ALL_ENTRIES);
    expect(fan.publish('q1', s)).toEqual({ newer: true, viewers: 2, written: 2, bytesWritten: 2 * frame.bytes.length, deferred: 0 });
    await new Promise((r) => setImmediate(r));
    expect(a.chunks[0]).toBe(frame.bytes);
    expect(b.chunks[0]).toBe(frame.bytes);
    expect(other.chunks).toEqual([]);
    expect(fan.latest('q1')).toBe(s);
  });

  test('a snapshot not newer than the latest (a processor replay) is not published', () => {
    const fan = new LeaderboardFanOut();
    const a = viewer();
    fan.add('q', a.v);
    fan.publish('q', snap(5));
    expect(fan.publish('q', snap(5)).newer).toBe(false);
    expect(fan.publish('q', snap(4)).newer).toBe(false);
    expect(fan.latest('q')?.seq).toBe(5);
  });

  test('each viewer keeps its own floor: one resumed at 10 does not get 8 that a new viewer gets', () => {
    const fan = new LeaderboardFanOut();
    const resumed = viewer(10);
    const fresh = viewer();
    fan.add('q', resumed.v);
    fan.add('q', fresh.v);
    expect(fan.publish('q', snap(8))).toMatchObject({ viewers: 2, written: 1 });
    expect(fan.publish('q', snap(11))).toMatchObject({ viewers: 2, written: 2 });
  });

  test('remember() keeps the newer snapshot; a quiz is forgotten when its last viewer leaves', () => {
    const fan = new LeaderboardFanOut();
    const a = viewer();
    fan.add('q', a.v);
    const s9 = snap(9);
    expect(fan.remember('q', s9)).toBe(s9);
    expect(fan.remember('q', snap(3))).toBe(s9);
    fan.remove('q', a.v);
    expect(fan.has('q')).toBe(false);
    expect(fan.quizCount).toBe(0);
    expect(fan.latest('q')).toBeUndefined();
  });
});

describe('LeaderboardFanOut entry limits', () => {
  const entriesOf = (chunk: Buffer) => (JSON.parse(/^data: (.*)$/m.exec(chunk.toString())![1]!) as { entries: unknown[] }).entries.length;

  test('viewers get the entries they asked for, one serialization per distinct limit however many viewers', async () => {
    const fan = new LeaderboardFanOut();
    const tops = [viewer(), viewer(), viewer()];
    const full = viewer();
    const past = viewer(); // asks for more than there are: the full frame, not a serialization of its own
    for (const t of tops) fan.add('q', t.v, 2);
    fan.add('q', full.v);
    fan.add('q', past.v, 50);
    const s = snap(4, 10);
    expect(fan.publish('q', s)).toMatchObject({ viewers: 5, written: 5 });
    await new Promise((r) => setImmediate(r));
    expect(s.serializations).toBe(2);
    expect(tops.map((t) => entriesOf(t.chunks[0]!))).toEqual([2, 2, 2]);
    expect(tops[1]!.chunks[0]).toBe(tops[0]!.chunks[0]); // the very same Buffer
    expect(entriesOf(full.chunks[0]!)).toBe(10);
    expect(past.chunks[0]).toBe(full.chunks[0]);
  });

  test('a limit nobody watches costs nothing, and leaving frees the group', () => {
    const fan = new LeaderboardFanOut();
    const top = viewer();
    const full = viewer();
    fan.add('q', top.v, 3);
    fan.add('q', full.v);
    fan.remove('q', top.v, 3);
    const s = snap(5, 10);
    expect(fan.publish('q', s)).toMatchObject({ viewers: 1, written: 1 });
    expect(s.serializations).toBe(1);
    fan.remove('q', full.v);
    expect(fan.has('q')).toBe(false);
  });
});

describe('PersonalFanOut', () => {
  const f = (kind: string): Frame => sseFrame(kind, `event: ${kind}\ndata: {}\n\n`);

  test("a player's result reaches that player's viewers only; question events reach the whole quiz", () => {
    const fan = new PersonalFanOut();
    const ann1 = viewer();
    const ann2 = viewer();
    const bob = viewer();
    const elsewhere = viewer();
    fan.add('q', 'ann', ann1.v);
    fan.add('q', 'ann', ann2.v);
    fan.add('q', 'bob', bob.v);
    fan.add('q2', 'ann', elsewhere.v);
    expect(fan.toPlayer('q', 'ann', f('answer-result'))).toBe(2);
    expect(fan.toPlayer('q', 'carl', f('answer-result'))).toBe(0);
    expect(fan.toQuiz('q', f('question-opened'))).toBe(3);
    expect(fan.toQuiz('nope', f('question-opened'))).toBe(0);
  });

  test('removing the last viewer forgets the player and then the quiz', () => {
    const fan = new PersonalFanOut();
    const a = viewer();
    const b = viewer();
    fan.add('q', 'ann', a.v);
    fan.add('q', 'bob', b.v);
    fan.remove('q', 'ann', a.v);
    expect(fan.hasPlayer('q', 'ann')).toBe(false);
    expect(fan.hasQuiz('q')).toBe(true);
    fan.remove('q', 'bob', b.v);
    expect(fan.hasQuiz('q')).toBe(false);
    expect([...fan.viewers()]).toEqual([]);
  });
});
