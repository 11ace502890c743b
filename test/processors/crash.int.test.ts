import type { AnswerScored } from '../../common/messages/events';
import { createDurableProducer, createKafka } from '../../common/kafka';
import { onCleanup } from '../helpers/cleanup';
import { uniqueId } from '../helpers/ids';
import { stageWorkloads, waitForIdle } from '../helpers/processor-checks';
import { spawnProcessor, type ChildProcessor } from '../helpers/processor-process';
import { eventually, processorTestTopics, readTopic } from '../helpers/processor-topics';
import { produceWorkloads, randomWorkload } from '../helpers/processor-workload';
import { testConfig, testLog, stackClients } from '../helpers/stack';

// Invariants 2 and 4: a processor killed with SIGKILL several times while the stream is still
// arriving, and restarted each time, ends with exactly the reference ranking in Redis and Postgres
// (one quiz with live scores, two onClose, so kills also land while answers are held and during
// releases; visibility-crash.int.test.ts aims at those two moments on purpose). Two of them play
// every question type with the streak on (flat, and partial credit), so a kill mid-chunk must not
// lose or double a streak bonus either.

jest.setTimeout(300_000);

const { pg, redis } = stackClients(4);

async function scoredCount(quizIds: string[]): Promise<number> {
  const { rows } = await pg.query<{ n: number }>('SELECT count(*)::int AS n FROM scored_answers WHERE quiz_id = ANY($1)', [quizIds]);
  return rows[0]!.n;
}

it('survives repeated SIGKILLs mid-stream without losing or double counting an answer', async () => {
  const { prefix, codec } = await processorTestTopics(3);
  const seed = Number(process.env.WORKLOAD_SEED ?? Date.now() % 1_000_000);
  testLog.warn({ seed }, 'workload seed (set WORKLOAD_SEED to replay)');
  const workloads = [0, 1, 2].map((i) =>
    randomWorkload({
      quizId: uniqueId(`crash${i}`),
      players: 70,
      questions: 8,
      seed: seed + i,
      startAt: Date.now() + 1_000,
      scoreVisibility: i === 0 ? 'live' : 'onClose',
      game: [{ types: true, streak: true, scoring: 'flat' as const }, { types: true, streak: true, partial: true }, undefined][i],
    }),
  );
  const quizIds = workloads.map((w) => w.quizId);
  const refs = await stageWorkloads(pg, redis, workloads);
  const totalAnswers = refs.reduce((n, r) => n + r.answers, 0);

  const results = await readTopic(codec, codec.topics.results);
  const producer = createDurableProducer(createKafka(testConfig.kafka, testLog, '-test-producer'));
  await producer.connect();
  onCleanup(() => producer.disconnect());
  // About 25 s of arrivals, so the kills land while the stream is still coming in.
  const producing = produceWorkloads(codec, producer, workloads, { chunk: 100, pauseMs: 1_000 });

  const env = {
    TOPIC_PREFIX: prefix,
    PROCESSOR_GROUP_ID: uniqueId('proc-crash'),
    PROCESSOR_SESSION_TIMEOUT_MS: '6000',
    BATCH_MAX_MESSAGES: '50',
    SNAPSHOT_THROTTLE_MS: '200',
  };
  let proc: ChildProcessor = spawnProcessor('processor-0', env);
  const killedAt: number[] = [];
  for (let k = 1; k <= 3; k++) {
    const before = await scoredCount(quizIds);
    // Kill once this incarnation has made progress of its own, a random moment after.
    await eventually(`processor-${k - 1} to score something (${proc.tail()})`, async () => (await scoredCount(quizIds)) > before, 60_000);
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 400)));
    await proc.kill('SIGKILL');
    killedAt.push(await scoredCount(quizIds));
    proc = spawnProcessor(`processor-${k}`, env);
  }
  await producing;
  // The kills happened mid-stream: not everything was scored yet at the first ones.
  expect(killedAt[0]!).toBeLessThan(totalAnswers);
  expect(killedAt[1]!).toBeLessThan(totalAnswers);

  const states = await waitForIdle(redis, pg, workloads.map((w, i) => ({ quizId: w.quizId, ref: refs[i]! })), 120_000);
  for (const [i, w] of workloads.entries()) {
    const s = states.get(w.quizId)!;
    const ref = refs[i]!;
    expect(s.redisOrder).toEqual(ref.entries.map((e) => ({ playerId: e.playerId, score: e.score })));
    expect(s.redisAnswers).toBe(ref.answers);
    expect(s.pgOrder).toEqual(ref.entries.map((e) => ({ playerId: e.playerId, score: e.score, reachedAt: e.reachedAt })));
    expect(new Map([...ref.scored].map(([id, a]) => [id, a.points]))).toEqual(s.pgAnswers);
    expect(s.snapshot!.entries.map((e) => [e.playerId, e.score])).toEqual(ref.entries.slice(0, 100).map((e) => [e.playerId, e.score]));
  }
  // At least once on Kafka: every counted answer has a result (a replay may repeat one, with the
  // same points), and no duplicate answer ever got one.
  const answerScored = () => results.messages.filter((m) => m.event.type === 'AnswerScored').map((m) => m.event.payload as AnswerScored);
  await eventually('an AnswerScored for every counted answer', () => new Set(answerScored().map((a) => a.answerId)).size >= totalAnswers);
  const scored = answerScored();
  const expected = new Map(refs.flatMap((r) => [...r.scored].map(([id, a]) => [id, a.points] as const)));
  expect(new Set(scored.map((s) => s.answerId))).toEqual(new Set(expected.keys()));
  for (const s of scored) expect(s.points).toBe(expected.get(s.answerId));
  testLog.warn({ killedAt, totalAnswers, resultsMessages: scored.length }, 'crash drill');
});
