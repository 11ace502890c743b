import Redis from 'ioredis';
import { redisKeys } from '../../common/redis';
import { appliedAnswer, LeaderboardWriter, WriteRound, type AnswerWrite } from '../../processors/leaderboard-writer';
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

test('answers queued one after another in a round go as one call, with the effects and replies of separate calls', async () => {
  const alone = uniqueId('lbs-alone');
  const batched = uniqueId('lbs-batched');
  onCleanup(() => deleteQuizKeys(redis, alone));
  onCleanup(() => deleteQuizKeys(redis, batched));
  const store = new LeaderboardWriter(redis);
  // A score, a replay and a duplicate of it, a held answer, two streak answers, a player joined in
  // the middle (which ends one run of answers and starts another), answers with several counters,
  // a run that goes from one question to another and back.
  type Step = { join: string } | { answer: Omit<AnswerWrite, 'quizId'> };
  const answer = (playerId: string, answerId: string, more: Partial<AnswerWrite> = {}): Step => ({
    answer: { hold: false, questionId: 'q1', playerId, answerId, acceptedAt: 1_000 + answerId.length * 10, tally: ['a'], points: 500, reachedOffsetMs: 1_000, ...more },
  });
  const steps: Step[] = [
    { join: 'p1' },
    { join: 'p2' },
    answer('p1', 'a1'),
    answer('p1', 'a1'),
    answer('p1', 'a1-retry', { acceptedAt: 9_000, points: 100 }),
    answer('p2', 'b1', { tally: ['a', 'c'], points: 0 }),
    { join: 'p3' },
    answer('p3', 'c1', { hold: true, questionId: 'q2' }),
    answer('p1', 'a2', { questionId: 'q2', streak: { earned: true, version: 2, previous: 1 } }),
    answer('p2', 'b2', { questionId: 'q2', streak: { earned: false, version: 2, previous: 1 } }),
    // The same call goes on with other questions: each answer must find its own question's keys
    // (p2 answered q1 above: a duplicate; on q3 p3 is new).
    answer('p3', 'c3', { questionId: 'q3', tally: ['b'] }),
    answer('p2', 'b4', { questionId: 'q1' }),
    answer('p1', 'a3', { questionId: 'q3' }),
  ];
  const separate: unknown[] = [];
  for (const step of steps) {
    separate.push('join' in step ? await store.applyJoin(alone, step.join, step.join, 10) : await store.applyAnswer({ quizId: alone, ...step.answer }));
  }
  const round = store.round();
  // The calls the round's pipeline makes, by script.
  const calls: string[] = [];
  const pipeline = redis.pipeline.bind(redis);
  const spy = jest.spyOn(redis, 'pipeline').mockImplementation((...args) => {
    const p = pipeline(...args) as unknown as Record<string, (...a: string[]) => unknown>;
    for (const name of ['qsApplyAnswer', 'qsApplyAnswers', 'qsApplyJoin']) {
      const send = p[name]!.bind(p);
      p[name] = (...a: string[]) => {
        calls.push(name);
        return send(...a);
      };
    }
    return p as unknown as ReturnType<typeof pipeline>;
  });
  const indexes = steps.map((step) => ('join' in step ? round.applyJoin(batched, step.join, step.join, 10) : round.applyAnswer({ quizId: batched, ...step.answer })));
  const replies = await round.exec();
  spy.mockRestore();
  expect(calls).toEqual(['qsApplyJoin', 'qsApplyJoin', 'qsApplyAnswers', 'qsApplyJoin', 'qsApplyAnswers']);
  const together = indexes.map((i, n) => ('join' in steps[n]! ? replies[i] === 1 : appliedAnswer(replies[i])));
  expect(together).toEqual(separate);
  expect(together.filter((r) => typeof r === 'object').map((r) => (r as { outcome: string }).outcome)).toEqual(['scored', 'replay', 'duplicate', 'scored', 'scored', 'scored', 'scored', 'scored', 'duplicate', 'scored']);
  // Every key of the quiz holds the same after both ways.
  const dump = async (quizId: string) => {
    const keys = (await redis.keys(`*{${quizId}}*`)).sort();
    const values = await Promise.all(keys.map(async (key) => [key.replace(quizId, 'QUIZ'), (await redis.type(key)) === 'zset' ? await redis.zrange(key, 0, -1, 'WITHSCORES') : await redis.hgetall(key).catch(() => redis.smembers(key))]));
    return values;
  };
  expect(await dump(batched)).toEqual(await dump(alone));
});

test('on a Redis Cluster a round goes as one pipeline per quiz, with the effects and replies of one pipeline', async () => {
  const quizzes = { oneA: uniqueId('lbs-one-a'), oneB: uniqueId('lbs-one-b'), perA: uniqueId('lbs-per-a'), perB: uniqueId('lbs-per-b') };
  for (const quizId of Object.values(quizzes)) onCleanup(() => deleteQuizKeys(redis, quizId));
  const store = new LeaderboardWriter(redis);
  // Two quizzes interleaved, as one partition's chunk holds them: joins, answers, a replay, counts.
  const queue = (round: WriteRound, a: string, b: string) => [
    round.applyJoin(a, 'p1', 'p1', 10),
    round.applyJoin(b, 'p1', 'p1', 10),
    round.applyAnswer({ quizId: a, hold: false, questionId: 'q1', playerId: 'p1', answerId: 'x1', acceptedAt: 1_000, tally: ['a'], points: 900, reachedOffsetMs: 1_000 }),
    round.applyJoin(a, 'p2', 'p2', 20),
    round.applyAnswer({ quizId: b, hold: false, questionId: 'q1', playerId: 'p1', answerId: 'y1', acceptedAt: 1_100, tally: ['b'], points: 700, reachedOffsetMs: 1_100 }),
    round.applyAnswer({ quizId: a, hold: false, questionId: 'q1', playerId: 'p2', answerId: 'x2', acceptedAt: 1_200, tally: ['b'], points: 0, reachedOffsetMs: 1_200 }),
    round.applyAnswer({ quizId: a, hold: false, questionId: 'q1', playerId: 'p1', answerId: 'x1', acceptedAt: 1_000, tally: ['a'], points: 900, reachedOffsetMs: 1_000 }),
    round.choiceCounts(b, 'q1'),
    round.choiceCounts(a, 'q1'),
  ];
  const oneRound = store.round(); // a single Redis: one pipeline
  const oneIndexes = queue(oneRound, quizzes.oneA, quizzes.oneB);
  const oneReplies = await oneRound.exec();

  // The same on this (single) Redis as a cluster client would send it, watching each pipeline's keys.
  const pipelineQuizzes: string[][] = [];
  const pipeline = redis.pipeline.bind(redis);
  const spy = jest.spyOn(redis, 'pipeline').mockImplementation((...args) => {
    const seen = new Set<string>();
    pipelineQuizzes.push([]);
    const mine = pipelineQuizzes.at(-1)!;
    const p = pipeline(...args) as unknown as Record<string, (...a: string[]) => unknown>;
    for (const name of ['qsApplyAnswer', 'qsApplyAnswers', 'qsApplyJoin', 'hgetall']) {
      const send = p[name]!.bind(p);
      p[name] = (...a: string[]) => {
        for (const arg of a) {
          for (const [, quizId] of arg.matchAll(/\{([^}]+)\}/g)) {
            if (seen.has(quizId!)) continue;
            seen.add(quizId!);
            mine.push(quizId!);
          }
        }
        return send(...a);
      };
    }
    return p as unknown as ReturnType<typeof pipeline>;
  });
  const perQuiz = new WriteRound(redis as unknown as ConstructorParameters<typeof WriteRound>[0], true);
  const perIndexes = queue(perQuiz, quizzes.perA, quizzes.perB);
  const perReplies = await perQuiz.exec();
  spy.mockRestore();

  expect(pipelineQuizzes.map((q) => q.length)).toEqual([1, 1]);
  expect(pipelineQuizzes.flat().sort()).toEqual([quizzes.perA, quizzes.perB].sort());
  expect(perIndexes).toEqual(oneIndexes);
  expect(perReplies).toEqual(oneReplies);
  const dump = async (quizId: string, as: string) => {
    const keys = (await redis.keys(`*{${quizId}}*`)).sort();
    return Promise.all(keys.map(async (key) => [key.replace(quizId, as), (await redis.type(key)) === 'zset' ? await redis.zrange(key, 0, -1, 'WITHSCORES') : await redis.hgetall(key).catch(() => redis.smembers(key))]));
  };
  expect(await dump(quizzes.perA, 'A')).toEqual(await dump(quizzes.oneA, 'A'));
  expect(await dump(quizzes.perB, 'B')).toEqual(await dump(quizzes.oneB, 'B'));
});
