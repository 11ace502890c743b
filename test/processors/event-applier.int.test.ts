import { randomUUID } from 'node:crypto';
import type { AnswerScored, QuestionRevealed } from '../../common/messages/events';
import { createDurableProducer, createKafka } from '../../common/kafka';
import { onCleanup } from '../helpers/cleanup';
import { uniqueId } from '../helpers/ids';
import { processorTestConfig, startTestProcessor } from '../helpers/processor-app';
import { stageWorkloads, waitForIdle } from '../helpers/processor-checks';
import { eventually, processorTestTopics, readTopic, type OutputMessage } from '../helpers/processor-topics';
import { produceWorkloads, type QuizEvent, type Workload } from '../helpers/processor-workload';
import { testConfig, testLog, stackClients } from '../helpers/stack';

// Two ingest instances race at a question's close: one writes the QuestionClosed, the other an
// answer it accepted just before the close, after it. The processor reads the close first. The
// answer is on time: it must be scored with its points, its result must reach its player (in an
// onClose quiz, where results are held until the close), and the reveal must count it: a
// corrected QuestionRevealed follows the answer. An answer accepted after the close changes no reveal.

jest.setTimeout(120_000);

const { pg, redis } = stackClients();

function lateOnTimeWorkload(quizId: string, scoreVisibility: 'onClose' | 'live'): Workload {
  const openedAt = Date.now() + 1_000;
  const q = {
    id: 'q1',
    prompt: 'Which?',
    choices: ['a', 'b', 'c', 'd'].map((id) => ({ id, text: id })),
    points: 1000,
    timeLimitMs: 20_000,
    correct: ['a'],
    openedAt,
    closesAt: openedAt + 20_000,
    closedAt: openedAt + 5_000,
  };
  const joins = ['p1', 'p2', 'p3', 'p4'].map((playerId, i) => ({ playerId, displayName: `Player ${playerId}`, joinedAt: openedAt - 500 + i }));
  const answer = (playerId: string, choiceId: string, acceptedAt: number) => ({ answerId: randomUUID(), questionId: q.id, playerId, choiceId, acceptedAt });
  const before = [answer('p1', 'a', openedAt + 1_000), answer('p2', 'b', openedAt + 2_000)];
  // Accepted 10 ms before the close, written after it.
  const lateOnTime = answer('p3', 'a', q.closedAt - 10);
  // Accepted after the close (a clock-skewed instance): late, 0 points, in no reveal.
  const afterClose = answer('p4', 'a', q.closedAt + 10);
  const events: QuizEvent[] = [
    ...joins.map((j) => ({ type: 'PlayerJoined' as const, payload: { eventId: randomUUID(), quizId, ...j } })),
    { type: 'QuestionOpened', payload: { eventId: randomUUID(), quizId, questionId: q.id, prompt: q.prompt, choices: q.choices, points: q.points, timeLimitMs: q.timeLimitMs, openedAt, closesAt: q.closesAt } },
    ...before.map((a) => ({ type: 'AnswerSubmitted' as const, payload: { quizId, ...a } })),
    { type: 'QuestionClosed', payload: { eventId: randomUUID(), quizId, questionId: q.id, closedAt: q.closedAt } },
    { type: 'AnswerSubmitted', payload: { quizId, ...lateOnTime } },
    { type: 'AnswerSubmitted', payload: { quizId, ...afterClose } },
    { type: 'QuizClosed', payload: { eventId: randomUUID(), quizId, closedAt: q.closesAt } },
  ];
  return { quizId, scoreVisibility, questions: [q], joins, answers: [...before, lateOnTime, afterClose], events };
}

describe.each(['onClose', 'live'] as const)('an on-time answer written after the close (%s)', (visibility) => {
  let results: { messages: OutputMessage[] };
  let w: Workload;

  beforeAll(async () => {
    const topics = await processorTestTopics(1);
    w = lateOnTimeWorkload(uniqueId(`late-${visibility}`), visibility);
    const [ref] = await stageWorkloads(pg, redis, [w]);
    results = await readTopic(topics.codec, topics.codec.topics.results);
    const producer = createDurableProducer(createKafka(testConfig.kafka, testLog, '-test-producer'));
    await producer.connect();
    onCleanup(() => producer.disconnect());
    await startTestProcessor(processorTestConfig(topics.prefix, uniqueId('proc-late')));
    await produceWorkloads(topics.codec, producer, [w]);
    await waitForIdle(redis, pg, [{ quizId: w.quizId, ref: ref! }], 60_000);
  });

  const mine = () => results.messages.filter((m) => m.key === w.quizId).sort((a, b) => Number(a.offset) - Number(b.offset));
  const reveals = () => mine().filter((m) => m.event.type === 'QuestionRevealed');
  const resultOf = (playerId: string) => mine().find((m) => m.event.type === 'AnswerScored' && (m.event.payload as AnswerScored).playerId === playerId);

  it('sends the reveal at the close, then a correction that counts the late on-time answer and nothing accepted after the close', async () => {
    await eventually('a corrected reveal', () => reveals().length >= 2);
    const [atClose, corrected] = reveals().map((m) => m.event.payload as QuestionRevealed);
    expect(atClose!.counts).toEqual({ a: 1, b: 1, c: 0, d: 0 });
    expect(corrected!.counts).toEqual({ a: 2, b: 1, c: 0, d: 0 });
    expect(corrected!.correct).toEqual(['a']);
    expect(corrected!.closedAt).toBe(atClose!.closedAt);
    // p4's answer came after the close: the last reveal is still the correction for p3's.
    await eventually("p4's result", () => resultOf('p4') !== undefined);
    expect(reveals()).toHaveLength(2);
  });

  it("scores the late on-time answer with its points and sends its player's result after the first reveal", async () => {
    await eventually("p3's result", () => resultOf('p3') !== undefined);
    const result = resultOf('p3')!;
    const scored = result.event.payload as AnswerScored;
    expect(scored).toMatchObject({ correct: true, late: false, total: scored.points });
    expect(scored.points).toBeGreaterThan(500);
    expect(Number(result.offset)).toBeGreaterThan(Number(reveals()[0]!.offset));
    expect((resultOf('p4')!.event.payload as AnswerScored)).toMatchObject({ late: true, points: 0 });
    const { rows } = await pg.query<{ total: string }>('SELECT total FROM player_totals WHERE quiz_id = $1 AND player_id = $2', [w.quizId, 'p3']);
    expect(Number(rows[0]!.total)).toBe(scored.points);
  });
});
