import type Redis from 'ioredis';
import { snapshotJson } from '../../common/messages/wire';
import { LeaderboardReader } from '../../push/leaderboard-reader';

// The snapshot read shared by the requests that arrive while it is in flight, on a stand-in for
// Redis that answers when the test says (the scripts and the real Redis: read-routes.int.test.ts).

function fakeRedis() {
  const gets: Array<{ key: string; answer: (value: Buffer | null) => void; fail: (err: Error) => void }> = [];
  const redis = {
    defineCommand: () => undefined,
    getBuffer: (key: string) => new Promise<Buffer | null>((answer, fail) => gets.push({ key, answer, fail })),
  };
  return { redis: redis as unknown as Redis, gets };
}

const bytes = (seq: number) => Buffer.from(snapshotJson({ quizId: 'q', seq, players: 1, answers: 0, openQuestions: [], entries: [] }));

test('requests for a quiz while its read is in flight share that read; the next request reads again', async () => {
  const { redis, gets } = fakeRedis();
  const reader = new LeaderboardReader(redis, 10);
  const first = [reader.snapshot('q'), reader.snapshot('q'), reader.snapshot('q')];
  const other = reader.snapshot('other');
  expect(gets.map((g) => g.key)).toEqual(['qs:{q}:snapshot', 'qs:{other}:snapshot']);
  gets[0]!.answer(bytes(1));
  gets[1]!.answer(null);
  const [a, b, c] = await Promise.all(first);
  expect(a!.snapshot.seq).toBe(1);
  expect(b).toBe(a);
  expect(c).toBe(a);
  expect(await other).toBeUndefined();

  const next = reader.snapshot('q');
  expect(gets).toHaveLength(3);
  gets[2]!.answer(bytes(2));
  expect((await next)!.snapshot.seq).toBe(2);
});

test('a failed read fails every request that shared it, as redis_unavailable, and is not kept', async () => {
  const { redis, gets } = fakeRedis();
  const reader = new LeaderboardReader(redis, 10);
  const shared = [reader.snapshot('q'), reader.snapshot('q')];
  gets[0]!.fail(new Error('connection lost'));
  for (const p of shared) await expect(p).rejects.toMatchObject({ code: 'redis_unavailable' });
  const retry = reader.snapshot('q');
  expect(gets).toHaveLength(2);
  gets[1]!.answer(bytes(3));
  expect((await retry)!.snapshot.seq).toBe(3);
});
