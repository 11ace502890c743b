import Redis from 'ioredis';
import { redisKeys } from '../../common/redis';
import { LeaderboardStore } from '../../processors/leaderboard-store';
import { onCleanup } from '../helpers/cleanup';
import { uniqueId } from '../helpers/ids';
import { testConfig } from '../helpers/stack';
import { deleteQuizKeys } from '../helpers/quiz-cleanup';

// The answer script against the real Redis: what counts as a replay and what as a duplicate.

const redis = new Redis(testConfig.redis.url);
onCleanup(() => redis.quit());

test('a redelivered answer is a replay, a retry with the same answerId accepted later is a duplicate', async () => {
  const quizId = uniqueId('lbs');
  onCleanup(() => deleteQuizKeys(redis, quizId));
  const store = new LeaderboardStore(redis);
  const first = { quizId, questionId: 'q1', playerId: 'p1', answerId: 'a1', acceptedAt: 1_000, choiceId: 'b', points: 900, reachedOffsetMs: 1_000 };

  expect(await store.applyAnswer(first)).toEqual({ outcome: 'scored', total: 900, rank: 1 });
  expect(await store.applyAnswer(first)).toEqual({ outcome: 'replay', total: 900, rank: 1 });
  // The client's retry after a 503 whose first write had landed: same id, later acceptance, fewer points.
  const retry = { ...first, acceptedAt: 4_000, points: 600, reachedOffsetMs: 4_000 };
  expect(await store.applyAnswer(retry)).toEqual({ outcome: 'duplicate', total: 900, rank: 1 });
  expect(await store.applyAnswer({ ...first, answerId: 'a2' })).toMatchObject({ outcome: 'duplicate', total: 900 });
  expect(Number(await redis.hget(redisKeys.totals(quizId), 'p1'))).toBe(900);
});
