import Redis from 'ioredis';
import type { AnswerScored, QuestionRevealed } from '../../common/messages/events';
import { createDurableProducer, createKafka } from '../../common/kafka';
import { redisKeys } from '../../common/redis';
import { onCleanup } from '../helpers/cleanup';
import { uniqueId } from '../helpers/ids';
import { readQuizState, stageWorkloads, waitForIdle } from '../helpers/processor-checks';
import { spawnProcessor, type ChildProcessor } from '../helpers/processor-process';
import { eventually, processorTestTopics, readTopic } from '../helpers/processor-topics';
import { randomWorkload, type QuizEvent } from '../helpers/processor-workload';
import { testConfig, testLog, stackClients } from '../helpers/stack';

// Exactly once across the two crashes score visibility adds (invariant 4): a processor SIGKILLed
// while a question's answers are held (scored, not yet released), and one SIGKILLed in the middle
// of releasing a close (Redis has added the held points, Postgres and the offset commit have not).
// The restarted processor must count every answer once, and still send every player's result.

jest.setTimeout(300_000);

const { pg, redis } = stackClients(4);

it('a kill between scoring and the close, and kills in the middle of a release, lose and double nothing', async () => {
  const { prefix, codec } = await processorTestTopics(1);
  const seed = Number(process.env.WORKLOAD_SEED ?? Date.now() % 1_000_000);
  testLog.warn({ seed }, 'workload seed (set WORKLOAD_SEED to replay)');
  // Many players, so a release is long enough (thousands of results) to be killed in the middle of.
  const w = randomWorkload({ quizId: uniqueId('viscrash'), players: 1_500, questions: 5, seed, startAt: Date.now() + 1_000, scoreVisibility: 'onClose' });
  const [ref] = await stageWorkloads(pg, redis, [w]);
  const results = await readTopic(codec, codec.topics.results);
  const producer = createDurableProducer(createKafka(testConfig.kafka, testLog, '-test-producer'));
  await producer.connect();
  onCleanup(() => producer.disconnect());
  const produce = async (events: QuizEvent[]) => {
    const messages = await Promise.all(events.map(async (e) => ({ key: w.quizId, value: await codec.encode(codec.topics.quizEvents, e.type, e.payload as never) })));
    for (let i = 0; i < messages.length; i += 500) await producer.send({ topic: codec.topics.quizEvents, acks: -1, messages: messages.slice(i, i + 500) });
  };
  const env = { TOPIC_PREFIX: prefix, PROCESSOR_GROUP_ID: uniqueId('proc-viscrash'), PROCESSOR_SESSION_TIMEOUT_MS: '6000', SNAPSHOT_THROTTLE_MS: '200' };
  let generation = 0;
  const start = () => spawnProcessor(`processor-${generation++}`, env);

  const closes = w.events.flatMap((e, i) => (e.type === 'QuestionClosed' ? [i] : []));
  const firstAnswersBefore = (questionId: string, end: number) =>
    new Set(w.events.slice(0, end).flatMap((e) => (e.type === 'AnswerSubmitted' && e.payload.questionId === questionId ? [e.payload.playerId] : []))).size;
  const held = async (questionId: string) => {
    const { rows } = await pg.query<{ n: number }>('SELECT count(*)::int AS n FROM scored_answers WHERE quiz_id = $1 AND question_id = $2 AND held', [w.quizId, questionId]);
    return rows[0]!.n;
  };
  const released = async (questionId: string) =>
    (await pg.query('SELECT 1 FROM released_questions WHERE quiz_id = $1 AND question_id = $2', [w.quizId, questionId])).rowCount === 1;

  // 1. Killed while q1's answers are held: all scored and flushed, none released, then SIGKILL.
  let proc: ChildProcessor = start();
  await produce(w.events.slice(0, closes[0]));
  let next = closes[0]!;
  const q1 = w.questions[0]!.id;
  await eventually(`q1's answers held in Postgres (${proc.tail()})`, async () => (await held(q1)) === firstAnswersBefore(q1, closes[0]!), 60_000);
  expect(Object.values(await redis.hgetall(redisKeys.totals(w.quizId))).every((t) => t === '0')).toBe(true);
  await proc.kill('SIGKILL');

  // 2. The close arrives while no processor runs; the next one releases it, then holds q2.
  await produce(w.events.slice(next, closes[1]));
  next = closes[1]!;
  proc = start();
  const q2 = w.questions[1]!.id;
  await eventually(`q1 released and q2 held (${proc.tail()})`, async () => (await released(q1)) && (await held(q2)) === firstAnswersBefore(q2, closes[1]!), 60_000);

  // 3. Killed in the middle of a release: the moment Redis has added a question's held points, before
  // Postgres records the release. Tried on the next questions until one kill lands there.
  const midRelease: string[] = [];
  for (let k = 1; k < w.questions.length - 1 && midRelease.length === 0; k++) {
    const question = w.questions[k]!.id;
    // Hundreds of results to release (about 850 when the host closed early, 1,200 otherwise).
    expect(await redis.hlen(redisKeys.held(w.quizId, question))).toBeGreaterThan(500);
    const probe = new Redis(testConfig.redis.url);
    try {
      await produce([w.events[closes[k]!]!]);
      const deadline = Date.now() + 60_000;
      while ((await probe.exists(redisKeys.held(w.quizId, question))) === 1) {
        if (Date.now() > deadline) throw new Error(`the release of ${question} never started (${proc.tail()})`);
      }
      await proc.kill('SIGKILL');
    } finally {
      probe.disconnect();
    }
    if (!(await released(question))) midRelease.push(question);
    testLog.warn({ question, midRelease: midRelease.includes(question) }, 'killed during a release');
    // The rest of the question's stream (late landers), the next question's open and answers.
    await produce(w.events.slice(closes[k]! + 1, closes[k + 1]));
    next = closes[k + 1]!;
    proc = start();
    const following = w.questions[k + 1]!.id;
    await eventually(`${question} released and ${following} held (${proc.tail()})`, async () => (await released(question)) && (await held(following)) === firstAnswersBefore(following, closes[k + 1]!), 60_000);
  }
  expect(midRelease.length).toBe(1);

  await produce(w.events.slice(next));
  await eventually('every question released', async () => {
    for (const q of w.questions) if (!(await released(q.id))) return false;
    return true;
  }, 120_000);
  await waitForIdle(redis, pg, [{ quizId: w.quizId, ref: ref! }], 60_000);
  const top = JSON.stringify(ref!.entries.slice(0, 100).map((e) => [e.playerId, e.score]));
  await eventually('the final snapshot', async () => JSON.stringify((await readQuizState(redis, pg, w.quizId)).snapshot?.entries.map((e) => [e.playerId, e.score])) === top);
  const final = await readQuizState(redis, pg, w.quizId);
  expect(final.redisOrder).toEqual(ref!.entries.map((e) => ({ playerId: e.playerId, score: e.score })));
  expect(final.pgOrder).toEqual(ref!.entries.map((e) => ({ playerId: e.playerId, score: e.score, reachedAt: e.reachedAt })));
  expect(new Map([...ref!.scored].map(([id, a]) => [id, a.points]))).toEqual(final.pgAnswers);
  expect(await redis.hgetall(redisKeys.totals(w.quizId))).toEqual(Object.fromEntries(ref!.entries.map((e) => [e.playerId, String(e.score)])));

  // Every player got their result (a replayed close may send one again, with the same points), and
  // none before their question's reveal.
  const scored = () => results.messages.filter((m) => m.event.type === 'AnswerScored');
  await eventually('an AnswerScored for every counted answer', () => new Set(scored().map((m) => (m.event.payload as AnswerScored).answerId)).size >= ref!.answers);
  for (const m of scored()) expect((m.event.payload as AnswerScored).points).toBe(ref!.scored.get((m.event.payload as AnswerScored).answerId)!.points);
  const firstReveal = new Map<string, number>();
  for (const m of results.messages) {
    if (m.event.type !== 'QuestionRevealed') continue;
    const q = (m.event.payload as QuestionRevealed).questionId;
    firstReveal.set(q, Math.min(firstReveal.get(q) ?? Infinity, Number(m.offset)));
  }
  const early = scored().filter((m) => Number(m.offset) < (firstReveal.get((m.event.payload as AnswerScored).questionId) ?? Infinity));
  expect(early).toEqual([]);
});
