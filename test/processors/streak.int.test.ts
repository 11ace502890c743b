import type { AnswerScored, QuestionRevealed } from '../../common/messages/events';
import { createDurableProducer, createKafka } from '../../common/kafka';
import { onCleanup } from '../helpers/cleanup';
import { uniqueId } from '../helpers/ids';
import { processorTestConfig, startTestProcessor } from '../helpers/processor-app';
import { readQuizState, stageWorkloads, waitForIdle, type QuizState } from '../helpers/processor-checks';
import { eventually, processorTestTopics, readTopic } from '../helpers/processor-topics';
import { produceWorkloads, randomWorkload, type Workload } from '../helpers/processor-workload';
import type { RefResult } from '../helpers/reference-ranking';
import { testConfig, testLog, stackClients } from '../helpers/stack';

// The streak bonus is applied exactly once, like the points: a quiz of every question type with
// the streak on (one onClose with partial credit, one live with the flat rule) is scored to the
// reference, then a second processor group replays the whole stream onto the same Redis and
// Postgres. Every answer is then a replay: no total moves, and the results it sends again carry
// the same points and bonus. (crash.int.test.ts kills processors mid-chunk on such quizzes too.)

jest.setTimeout(180_000);

const { pg, redis } = stackClients();

let workloads: Workload[];
let refs: RefResult[];
let first: Map<string, QuizState>;
let topics: Awaited<ReturnType<typeof processorTestTopics>>;
let results: Awaited<ReturnType<typeof readTopic>>;

beforeAll(async () => {
  topics = await processorTestTopics(2);
  const seed = Number(process.env.WORKLOAD_SEED ?? Date.now() % 1_000_000);
  testLog.warn({ seed }, 'workload seed (set WORKLOAD_SEED to replay)');
  workloads = [
    randomWorkload({ quizId: uniqueId('streak-held'), players: 30, questions: 8, seed, startAt: Date.now() + 1_000, game: { types: true, streak: true, partial: true } }),
    randomWorkload({
      quizId: uniqueId('streak-live'),
      players: 30,
      questions: 8,
      seed: seed + 1,
      startAt: Date.now() + 1_000,
      scoreVisibility: 'live',
      game: { types: true, streak: true, scoring: 'flat' },
    }),
  ];
  refs = await stageWorkloads(pg, redis, workloads);
  results = await readTopic(topics.codec, topics.codec.topics.results);
  const producer = createDurableProducer(createKafka(testConfig.kafka, testLog, '-test-producer'));
  await producer.connect();
  onCleanup(() => producer.disconnect());
  await startTestProcessor(processorTestConfig(topics.prefix, uniqueId('proc-streak')));
  await produceWorkloads(topics.codec, producer, workloads, { chunk: 40, pauseMs: 50 });
  first = await waitForIdle(redis, pg, workloads.map((w, i) => ({ quizId: w.quizId, ref: refs[i]! })), 90_000);
});

const scoredOf = (quizId: string) =>
  results.messages.filter((m) => m.key === quizId && m.event.type === 'AnswerScored').map((m) => m.event.payload as AnswerScored);

test('the workloads really earn, cap and lose streaks', () => {
  const bonuses = refs.flatMap((r) => [...r.scored.values()].map((s) => s.bonus));
  expect(bonuses.some((b) => b === 100)).toBe(true);
  expect(bonuses.some((b) => b >= 300)).toBe(true);
  // A correct in-time answer without a bonus after the first question: its player's run was broken.
  expect([...refs[0]!.scored.values()].some((s) => s.correct && !s.late && s.bonus === 0 && s.questionId !== 'q1')).toBe(true);
});

test('totals, per-answer points and results match the reference, bonus included', async () => {
  for (const [i, w] of workloads.entries()) {
    const s = first.get(w.quizId)!;
    const ref = refs[i]!;
    expect(s.redisOrder).toEqual(ref.entries.map((e) => ({ playerId: e.playerId, score: e.score })));
    expect(s.pgOrder).toEqual(ref.entries.map((e) => ({ playerId: e.playerId, score: e.score, reachedAt: e.reachedAt })));
    expect(s.pgAnswers).toEqual(new Map([...ref.scored].map(([id, a]) => [id, a.points])));
    const { rows } = await pg.query<{ answer_id: string; bonus: number }>('SELECT answer_id, bonus FROM scored_answers WHERE quiz_id = $1', [w.quizId]);
    expect(new Map(rows.map((r) => [r.answer_id, r.bonus]))).toEqual(new Map([...ref.scored].map(([id, a]) => [id, a.bonus])));
    await eventually('a result per answer', () => new Set(scoredOf(w.quizId).map((a) => a.answerId)).size >= ref.answers);
    for (const a of scoredOf(w.quizId)) expect({ id: a.answerId, points: a.points, bonus: a.bonus }).toEqual({ id: a.answerId, points: ref.scored.get(a.answerId)!.points, bonus: ref.scored.get(a.answerId)!.bonus });
  }
});

test('the reveal of a text question counts correct and wrong and names the accepted spellings', async () => {
  const w = workloads[0]!;
  const text = w.questions.find((q) => q.type === 'text')!;
  const reveals = () =>
    results.messages.filter((m) => m.key === w.quizId && m.event.type === 'QuestionRevealed').map((m) => m.event.payload as QuestionRevealed).filter((r) => r.questionId === text.id);
  await eventually('the text reveal', () => reveals().length > 0);
  const last = reveals().at(-1)!;
  expect(last.correct).toEqual([]);
  expect(last.accepted).toEqual(['élève', 'pupil']);
  expect(Object.keys(last.counts).sort()).toEqual(['correct', 'wrong']);
  const firsts = [...refs[0]!.scored.values()].filter((s) => s.questionId === text.id);
  expect(last.counts.correct! + last.counts.wrong!).toBeLessThanOrEqual(firsts.length);
  expect(last.counts.correct).toBeGreaterThan(0);
});

test('a second group replaying the whole stream adds no bonus twice and repeats the same results', async () => {
  const before = scoredOf(workloads[0]!.quizId).length + scoredOf(workloads[1]!.quizId).length;
  await startTestProcessor(processorTestConfig(topics.prefix, uniqueId('proc-streak-replay')));
  // The replayed answers re-send their results (all released by now): wait until each came twice.
  await eventually(
    'the replay to re-send every result',
    () => scoredOf(workloads[0]!.quizId).length + scoredOf(workloads[1]!.quizId).length >= before + refs[0]!.answers + refs[1]!.answers,
    90_000,
  );
  for (const [i, w] of workloads.entries()) {
    const ref = refs[i]!;
    const s = await readQuizState(redis, pg, w.quizId);
    expect(s.redisOrder).toEqual(ref.entries.map((e) => ({ playerId: e.playerId, score: e.score })));
    expect(s.pgOrder.map((e) => [e.playerId, e.score])).toEqual(ref.entries.map((e) => [e.playerId, e.score]));
    for (const a of scoredOf(w.quizId)) expect([a.answerId, a.points, a.bonus]).toEqual([a.answerId, ref.scored.get(a.answerId)!.points, ref.scored.get(a.answerId)!.bonus]);
  }
});
