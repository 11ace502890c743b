import Redis from 'ioredis';
import { redisKeys } from '../../common/redis';
import { LeaderboardWriter } from '../../processors/leaderboard-writer';
import { onCleanup } from '../helpers/cleanup';
import { uniqueId } from '../helpers/ids';
import { testConfig } from '../helpers/stack';
import { deleteQuizKeys } from '../helpers/quiz-cleanup';

// The answer and release scripts against the real Redis: what counts as a replay and what as a
// duplicate, and held points that reach the leaderboard only at the question's close, once.

const redis = new Redis(testConfig.redis.url);
onCleanup(() => redis.quit());

test('a redelivered answer is a replay, a retry with the same answerId accepted later is a duplicate', async () => {
  const quizId = uniqueId('lbs');
  onCleanup(() => deleteQuizKeys(redis, quizId));
  const store = new LeaderboardWriter(redis);
  const first = { hold: false, quizId, questionId: 'q1', playerId: 'p1', answerId: 'a1', acceptedAt: 1_000, tally: ['b'], points: 900, reachedOffsetMs: 1_000 };

  expect(await store.applyAnswer(first)).toEqual({ outcome: 'scored', total: 900, rank: 1, bonus: 0 });
  expect(await store.applyAnswer(first)).toEqual({ outcome: 'replay', total: 900, rank: 1, bonus: 0 });
  // The client's retry after a 503 whose first write had landed: same id, later acceptance, fewer points.
  const retry = { ...first, acceptedAt: 4_000, points: 600, reachedOffsetMs: 4_000 };
  expect(await store.applyAnswer(retry)).toEqual({ outcome: 'duplicate', total: 900, rank: 1, bonus: 0 });
  expect(await store.applyAnswer({ ...first, answerId: 'a2' })).toMatchObject({ outcome: 'duplicate', total: 900 });
  expect(Number(await redis.hget(redisKeys.totals(quizId), 'p1'))).toBe(900);
});

test('held points stay off the leaderboard until the release, which adds them once and ranks like live scoring', async () => {
  const live = uniqueId('lbs-live');
  const held = uniqueId('lbs-held');
  onCleanup(() => deleteQuizKeys(redis, live));
  onCleanup(() => deleteQuizKeys(redis, held));
  const store = new LeaderboardWriter(redis);
  const answers = [
    { playerId: 'p1', answerId: 'a1', acceptedAt: 2_000, tally: ['a'], points: 950 },
    { playerId: 'p2', answerId: 'a2', acceptedAt: 1_500, tally: ['b'], points: 0 },
    { playerId: 'p3', answerId: 'a3', acceptedAt: 1_800, tally: ['a'], points: 950 },
  ];
  for (const quizId of [live, held]) {
    for (const [i, p] of ['p1', 'p2', 'p3', 'p4'].entries()) await store.applyJoin(quizId, p, `Player ${p}`, 100 + i);
    for (const a of answers) {
      await store.applyAnswer({ hold: quizId === held, quizId, questionId: 'q1', reachedOffsetMs: a.acceptedAt, ...a });
    }
  }
  // While held: counted (answers, markers), but no total and no rank moved.
  expect((await store.ranking(held, 10, ['q1'])).entries.map((e) => [e.playerId, e.score])).toEqual([['p1', 0], ['p2', 0], ['p3', 0], ['p4', 0]]);
  expect(await redis.hgetall(redisKeys.totals(held))).toEqual({ p1: '0', p2: '0', p3: '0', p4: '0' });
  expect((await store.ranking(held, 10, ['q1'])).openQuestions).toEqual([{ questionId: 'q1', answered: 3 }]);
  expect(await store.applyAnswer({ hold: true, quizId: held, questionId: 'q1', reachedOffsetMs: 2_000, ...answers[0]! })).toMatchObject({ outcome: 'replay', total: 0 });

  const standings = await store.release(held, 'q1', ['p1', 'p2', 'p3']);
  expect(Object.fromEntries(standings)).toEqual({ p1: { total: 950, rank: 2 }, p2: { total: 0, rank: 3 }, p3: { total: 950, rank: 1 } });
  // The same composite scores as applying the answers live: same order, same tie-breaks.
  expect(await redis.zrevrange(redisKeys.leaderboard(held), 0, -1, 'WITHSCORES')).toEqual(await redis.zrevrange(redisKeys.leaderboard(live), 0, -1, 'WITHSCORES'));
  // A replayed close adds nothing, and still reports the standings.
  expect(Object.fromEntries(await store.release(held, 'q1', ['p1']))).toEqual({ p1: { total: 950, rank: 2 } });
  expect(Number(await redis.hget(redisKeys.totals(held), 'p1'))).toBe(950);
  expect(await redis.exists(redisKeys.held(held, 'q1'))).toBe(0);
});
