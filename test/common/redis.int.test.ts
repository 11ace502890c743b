import '../helpers/cleanup';
import { createRedis, redisKeys } from '../../common/redis';
import { testConfig } from '../helpers/stack';
import { uniqueId } from '../helpers/ids';
import { onCleanup } from '../helpers/cleanup';

describe('Redis', () => {
  test('a sorted-set round trip through the leaderboard key layout', async () => {
    const redis = createRedis(testConfig.redis, 'test');
    onCleanup(() => redis.quit());
    const quizId = uniqueId('quiz');
    const key = redisKeys.leaderboard(quizId);
    onCleanup(() => redis.del(key));
    await redis.zadd(key, 10, 'p1', 30, 'p2', 20, 'p3');
    expect(await redis.zrevrange(key, 0, -1)).toEqual(['p2', 'p3', 'p1']);
    expect(await redis.zrevrank(key, 'p1')).toBe(2);
  });
});
