import type { AnswerSubmitted, PlayerJoined, QuestionClosed, QuestionOpened } from '../../common/messages/events';
import { onCleanup } from '../helpers/cleanup';
import { uniqueId } from '../helpers/ids';
import { startTestIngest, testTopics } from '../helpers/ingest-app';
import { IngestClient, sampleQuiz } from '../helpers/ingest-client';
import { forQuiz, readQuizEvents } from '../helpers/ingest-kafka';
import { processorTestConfig, startTestProcessor } from '../helpers/processor-app';
import { waitForIdle } from '../helpers/processor-checks';
import { referenceRanking, type RefQuestion } from '../helpers/reference-ranking';
import { stackClients } from '../helpers/stack';
import { deleteQuizKeys, deleteQuizRows } from '../helpers/quiz-cleanup';

// The real ingest (HTTP, its Postgres rows and Kafka events) feeding a processor: the contract
// between the two tiers. The reference is computed from the events ingest wrote.

jest.setTimeout(120_000);

const { pg, redis } = stackClients();

/** Like a real client: a 503 (Kafka slow to acknowledge) is retried, answers with the same answerId. */
async function retry503<T extends { status: number }>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const r = await call();
    if (r.status !== 503 || attempt === 20) return r;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

it('scores what ingest accepted, exactly as the reference does', async () => {
  const ingest = await startTestIngest();
  const api = new IngestClient(ingest.url);
  const { prefix } = await testTopics();
  const reader = await readQuizEvents(ingest.codec);
  await startTestProcessor(processorTestConfig(prefix, uniqueId('proc-e2e')));

  const quizId = uniqueId('e2e');
  onCleanup(async () => {
    await deleteQuizRows(pg, [quizId]);
    await deleteQuizKeys(redis, quizId);
  });
  expect((await api.createQuiz(sampleQuiz(quizId, { questions: 3, timeLimitMs: 10_000 }))).status).toBe(201);
  const players = await Promise.all(
    Array.from({ length: 12 }, async (_, i) => {
      const playerId = `p${i}`;
      const token = await api.token(playerId, `Player ${i}`);
      expect([200, 201]).toContain((await retry503(() => api.join(quizId, token))).status);
      return { playerId, token };
    }),
  );

  let accepted = 0;
  for (const questionId of ['q1', 'q2', 'q3']) {
    expect((await retry503(() => api.open(quizId, questionId))).status).toBe(200);
    await Promise.all(
      players.map(async ({ token }, i) => {
        if (i % 5 === 4) return; // some never answer
        await new Promise((r) => setTimeout(r, (i * 37) % 400));
        const choiceId = ['a', 'b', 'b', 'c'][i % 4]!;
        const answerId = uniqueId('a');
        const first = await retry503(() => api.answer(quizId, token, { questionId, choiceId, answerId }));
        expect(first.status).toBe(202);
        accepted++;
        if (i % 3 === 0) expect((await retry503(() => api.answer(quizId, token, { questionId, choiceId: 'b' }))).status).toBe(409);
      }),
    );
    expect((await retry503(() => api.close(quizId, questionId))).status).toBe(200);
  }
  expect((await retry503(() => api.closeQuiz(quizId))).status).toBe(200);

  // Every 202 was in Kafka before its reply, so all of them precede QuizClosed.
  await reader.waitFor((e) => forQuiz(quizId)(e) && e.event.type === 'QuizClosed');
  const events = reader.events.filter(forQuiz(quizId));
  const ordered = events.sort((x, y) => Number(x.offset) - Number(y.offset)).map((e) => e.event);
  const opened = ordered.filter((e) => e.type === 'QuestionOpened').map((e) => e.payload as QuestionOpened);
  const closed = ordered.filter((e) => e.type === 'QuestionClosed').map((e) => e.payload as QuestionClosed);
  const questions: RefQuestion[] = opened.map((o) => ({
    id: o.questionId,
    points: o.points,
    timeLimitMs: o.timeLimitMs,
    correct: ['b'],
    openedAt: o.openedAt,
    closesAt: o.closesAt,
    // A close retried after a 503 may be in the stream twice: the later one is the one ingest enforces.
    closedAt: closed.filter((c) => c.questionId === o.questionId).at(-1)?.closedAt,
  }));
  const ref = referenceRanking({
    questions,
    joins: ordered.filter((e) => e.type === 'PlayerJoined').map((e) => e.payload as PlayerJoined),
    answers: ordered.filter((e) => e.type === 'AnswerSubmitted').map((e) => e.payload as AnswerSubmitted),
  });
  expect(ref.answers).toBe(accepted);
  expect(ref.entries[0]!.score).toBeGreaterThan(0);

  const state = (await waitForIdle(redis, pg, [{ quizId, ref }], 60_000)).get(quizId)!;
  expect(state.redisOrder).toEqual(ref.entries.map((e) => ({ playerId: e.playerId, score: e.score })));
  expect(state.pgOrder).toEqual(ref.entries.map((e) => ({ playerId: e.playerId, score: e.score, reachedAt: e.reachedAt })));
  expect(state.snapshot!.entries).toEqual(ref.entries.map(({ rank, playerId, displayName, score }) => ({ rank, playerId, displayName, score })));
});
