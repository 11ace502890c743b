import { SnapshotFormatError } from '../../common/errors';
import { snapshotJson, type SnapshotWire } from '../../common/messages/wire';
import { ServedSnapshots, serveStoredSnapshot } from '../../push/served-snapshots';

const snapshot = (quizId: string, seq: number, n = 3): SnapshotWire => ({
  quizId,
  seq,
  players: n + 10,
  answers: seq,
  openQuestions: [{ questionId: 'q2', answered: 4 }],
  entries: Array.from({ length: n }, (_, i) => ({ rank: i + 1, playerId: `p${i + 1}`, displayName: `P ${i + 1}`, score: (n - i) * 100 })),
});

describe('serveStoredSnapshot', () => {
  test('bytes already in wire form are served as they are (the same buffer, not a copy)', () => {
    const raw = Buffer.from(snapshotJson(snapshot('q', 4)));
    const served = serveStoredSnapshot(raw);
    expect(served.body).toBe(raw);
    expect(served.snapshot).toEqual(snapshot('q', 4));
    expect(served.createdAt).toBeUndefined();
  });

  test('bytes in another order or with extra fields are served in wire form, createdAt kept aside', () => {
    const s = snapshot('q', 4);
    const raw = Buffer.from(JSON.stringify({ createdAt: 1_700_000_000_000, entries: s.entries.map((e) => ({ score: e.score, rank: e.rank, displayName: e.displayName, playerId: e.playerId })), seq: 4, quizId: 'q', players: s.players, answers: 4, openQuestions: s.openQuestions }));
    const served = serveStoredSnapshot(raw);
    expect(served.body.toString()).toBe(snapshotJson(s));
    expect(served.createdAt).toBe(1_700_000_000_000);
  });

  test('?limit below the entry count keeps the first N entries and the counts; at or above it, the whole body', () => {
    const served = serveStoredSnapshot(Buffer.from(snapshotJson(snapshot('q', 4, 5))));
    const top2 = served.bodyFor(2);
    expect(JSON.parse(top2.toString())).toEqual({ ...snapshot('q', 4, 5), entries: snapshot('q', 4, 5).entries.slice(0, 2) });
    expect(served.bodyFor(2)).toBe(top2); // serialized once per distinct limit
    expect(served.bodyFor(5)).toBe(served.body);
    expect(served.bodyFor(500)).toBe(served.body);
    expect(served.bodyFor(undefined)).toBe(served.body);
  });

  test('bytes that are not a v1 snapshot are a SnapshotFormatError', () => {
    expect(() => serveStoredSnapshot(Buffer.from('{nope'))).toThrow(SnapshotFormatError);
    expect(() => serveStoredSnapshot(Buffer.from(JSON.stringify({ ...snapshot('q', 1), players: -1 })))).toThrow(/players/);
  });
});

describe('ServedSnapshots', () => {
  test('the same bytes again reuse the checked snapshot; changed bytes are checked again', () => {
    const cache = new ServedSnapshots(10);
    const first = cache.resolve('q', Buffer.from(snapshotJson(snapshot('q', 1))));
    // Equal bytes in another buffer, as each Redis reply is.
    expect(cache.resolve('q', Buffer.from(snapshotJson(snapshot('q', 1))))).toBe(first);
    const next = cache.resolve('q', Buffer.from(snapshotJson(snapshot('q', 2))));
    expect(next).not.toBe(first);
    expect(next.snapshot.seq).toBe(2);
  });

  test('a bad write is refused every time it is read, never cached as good', () => {
    const cache = new ServedSnapshots(10);
    cache.resolve('q', Buffer.from(snapshotJson(snapshot('q', 1))));
    expect(() => cache.resolve('q', Buffer.from('{"quizId":"q"}'))).toThrow(SnapshotFormatError);
    expect(() => cache.resolve('q', Buffer.from('{"quizId":"q"}'))).toThrow(SnapshotFormatError);
  });

  test('keeps at most maxQuizzes, dropping the least recently changed', () => {
    const cache = new ServedSnapshots(2);
    const bytes = (quizId: string, seq: number) => Buffer.from(snapshotJson(snapshot(quizId, seq)));
    cache.resolve('a', bytes('a', 1));
    const b = cache.resolve('b', bytes('b', 1));
    const a = cache.resolve('a', bytes('a', 2)); // a changed: now the most recent
    const c = cache.resolve('c', bytes('c', 1)); // one too many: b goes
    expect(cache.size).toBe(2);
    expect(cache.resolve('a', bytes('a', 2))).toBe(a);
    expect(cache.resolve('c', bytes('c', 1))).toBe(c);
    expect(cache.resolve('b', bytes('b', 1))).not.toBe(b); // checked again
  });
});
