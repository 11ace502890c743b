import { onCleanup } from '../../helpers/cleanup';
import { uniqueId } from '../../helpers/ids';
import { startTestIngest, testTopics } from '../../helpers/ingest-app';
import { IngestClient, sampleQuiz } from '../../helpers/ingest-client';
import { processorTestConfig, startTestProcessor } from '../../helpers/processor-app';
import { isSettled, readQuizState, type QuizState } from '../../helpers/processor-checks';
import { eventually } from '../../helpers/processor-topics';
import { stackClients } from '../../helpers/stack';
import { deleteQuizKeys } from '../../helpers/quiz-cleanup';

// The runbook's replay: with a quiz scored and its Redis state gone, processors started in a new
// consumer group read quiz.events from the beginning and leave Redis as it was, without counting
// anything twice in Postgres.

jest.setTimeout(180_000);

const { pg, redis } = stackClients();

const ranking = (s: QuizState) => ({ redis: s.redisOrder, pg: s.pgOrder, answers: s.redisAnswers, scored: [...s.pgAnswers].sort() });

it('a new consumer group replays quiz.events into an emptied Redis and ends where the first one did', async () => {
  const { prefix } = await testTopics();
  const ingest = await startTestIngest();
  const first = await startTestProcessor(processorTestConfig(prefix, uniqueId('replay-first')));

  const client = new IngestClient(ingest.url);
  const quizId = uniqueId('rq');
  onCleanup(() => deleteQuizKeys(redis, quizId));
  expect((await client.createQuiz(sampleQuiz(quizId, { questions: 2 }))).status).toBe(201);
  const choices = ['b', 'a', 'b', 'c'];
  const tokens = await Promise.all(choices.map((_, i) => client.token(`${quizId}-p${i}`, `Player ${i}`)));
  for (const token of tokens) expect((await client.join(quizId, token)).status).toBe(201);
  for (const question of ['q1', 'q2']) {
    expect((await client.open(quizId, question)).status).toBe(200);
    for (const [i, token] of tokens.entries()) {
      expect((await client.answer(quizId, token, { questionId: question, choiceId: choices[(i + (question === 'q2' ? 1 : 0)) % 4] })).status).toBe(202);
    }
    expect((await client.close(quizId, question)).status).toBe(200);
  }
  const scoredAndSettled = async () => {
    const s = await readQuizState(redis, pg, quizId);
    return s.snapshot?.answers === 8 && isSettled(s);
  };
  await eventually('the first group to score all 8 answers and release both questions', scoredAndSettled, 60_000);
  const before = await readQuizState(redis, pg, quizId);
  expect(before.redisOrder.some((r) => r.score > 0)).toBe(true);

  await first.stop();
  await deleteQuizKeys(redis, quizId);
  expect((await readQuizState(redis, pg, quizId)).redisOrder).toEqual([]);

  const replay = await startTestProcessor(processorTestConfig(prefix, uniqueId('replay-second')));
  await eventually('the replay to restore the ranking', scoredAndSettled, 60_000);
  const after = await readQuizState(redis, pg, quizId);
  expect(ranking(after)).toEqual(ranking(before));
  expect(after.snapshot!.entries).toEqual(before.snapshot!.entries);
  // It did replay the topic: every event of the quiz went through the new group.
  const consumed = await replay.metricsRegistry.getSingleMetric('processor_messages_consumed_total')!.get();
  const total = consumed.values.reduce((sum, v) => sum + v.value, 0);
  expect(total).toBeGreaterThanOrEqual(4 + 2 * (1 + 4 + 1));
});
