import '../helpers/cleanup';
import { createRedis, redisKeys } from '../../common/redis';
import { AnswerMarkers } from '../../ingest/answer-markers';
import { onCleanup } from '../helpers/cleanup';
import { uniqueId } from '../helpers/ids';
import { testConfig } from '../helpers/stack';

// Answer markers against a real Redis: the confirms asked for in one turn go out together, one
// script call per quiz, and still only touch the markers their own requests wrote.

jest.setTimeout(30_000);

const redis = createRedis(testConfig.redis, 'markers-test');
onCleanup(() => redis.quit());
const markers = new AnswerMarkers(redis, 10_000, 3_600);

describe('confirm', () => {
  test('the confirms of one turn count each confirmed marker once, per question, and skip a marker taken over', async () => {
    const quizzes = [uniqueId('confirm'), uniqueId('confirm')];
    const claims = [];
    for (const quizId of quizzes) {
      for (const questionId of ['q1', 'q2']) {
        for (const playerId of ['ann', 'bob', 'cy']) {
          const claimed = await markers.claim(quizId, questionId, playerId, `${quizId}-${questionId}-${playerId}`);
          if (claimed.kind !== 'claimed') throw new Error(`expected a claim, got ${claimed.kind}`);
          claims.push(claimed.claim);
        }
      }
    }
    // A newer request took over cy's marker on the first quiz's q1: its confirm must leave it alone.
    const takenOver = claims.find((c) => c.quizId === quizzes[0] && c.questionId === 'q1' && c.playerId === 'cy')!;
    await redis.hset(redisKeys.answered(takenOver.quizId, 'q1'), 'cy', 'p|1|someone-else');
    await Promise.all(claims.map((c) => markers.confirm(c)));
    for (const quizId of quizzes) {
      for (const questionId of ['q1', 'q2']) {
        const hash = await redis.hgetall(redisKeys.answered(quizId, questionId));
        const skipped = quizId === quizzes[0] && questionId === 'q1';
        expect(hash['']).toBe(skipped ? '2' : '3');
        expect(hash.ann).toBe(`a|${quizId}-${questionId}-ann`);
        expect(hash.cy).toBe(skipped ? 'p|1|someone-else' : `a|${quizId}-${questionId}-cy`);
      }
    }
  });
});
