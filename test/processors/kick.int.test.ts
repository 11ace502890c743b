import { createDurableProducer, createKafka } from '../../common/kafka';
import type { SnapshotWire } from '../../common/messages/wire';
import { redisKeys } from '../../common/redis';
import { onCleanup } from '../helpers/cleanup';
import { uniqueId } from '../helpers/ids';
import { startTestIngest, testTopics, type TestIngest } from '../helpers/ingest-app';
import { IngestClient } from '../helpers/ingest-client';
import { processorTestConfig, startTestProcessor } from '../helpers/processor-app';
import { eventually, readTopic } from '../helpers/processor-topics';
import { deleteQuizKeys } from '../helpers/quiz-cleanup';
import { stackClients, testConfig, testLog } from '../helpers/stack';

// A kick as the processors apply it: ingest → Kafka → a processor, on this file's own topics. The
// kicked player leaves the board at once and for good: points they had held when the question
// closes, an answer ingest accepted just before the kick (written after it), and a rebuild of
// Redis from Postgres must not bring them back.

jest.setTimeout(180_000);

const { pg, redis } = stackClients();
let ingest: TestIngest;
let api: IngestClient;

beforeAll(async () => {
  const { prefix } = await testTopics();
  ingest = await startTestIngest();
  api = new IngestClient(ingest.url);
  await startTestProcessor(processorTestConfig(prefix, uniqueId('proc-kick')));
});

const stored = async (quizId: string): Promise<SnapshotWire | undefined> => {
  const json = await redis.get(redisKeys.snapshot(quizId));
  return json === null ? undefined : (JSON.parse(json) as SnapshotWire);
};

test('kicked players leave the board for good: held points, a late answer and a Redis rebuild do not bring them back', async () => {
  const quizId = uniqueId('kick');
  const choices = ['a', 'b', 'c'].map((id) => ({ id, text: `Choice ${id}` }));
  await api.createQuiz({
    id: quizId,
    title: 'Kicks',
    questions: ['q1', 'q2'].map((id) => ({ id, prompt: `${id}?`, choices, correct: ['b'], timeLimitMs: 120_000 })),
  });
  const tokens = new Map<string, string>();
  for (const id of ['ann', 'bob', 'cyd']) {
    tokens.set(id, await api.token(id));
    expect((await api.join(quizId, tokens.get(id)!)).status).toBe(201);
  }
  await eventually('three players on the board', async () => (await stored(quizId))?.players === 3);
  const results = await readTopic(ingest.codec, ingest.codec.topics.results);

  await api.open(quizId, 'q1');
  const openedAt = Date.now();
  for (const id of ['ann', 'bob']) expect((await api.answer(quizId, tokens.get(id)!, { questionId: 'q1', choiceId: 'b' })).status).toBe(202);
  expect((await api.admin('DELETE', `/v1/quizzes/${quizId}/players/bob`)).status).toBe(200);
  expect((await api.admin('DELETE', `/v1/quizzes/${quizId}/players/cyd`)).status).toBe(200);
  // An answer of cyd's that ingest accepted just before the kick and wrote after it.
  const producer = createDurableProducer(createKafka(testConfig.kafka, testLog, '-test-late-answer'));
  await producer.connect();
  onCleanup(() => producer.disconnect());
  const topic = ingest.codec.topics.quizEvents;
  const late = { answerId: uniqueId('late'), quizId, questionId: 'q1', playerId: 'cyd', choiceId: 'b', acceptedAt: openedAt + 50 };
  await producer.send({ topic, acks: -1, messages: [{ key: quizId, value: await ingest.codec.encode(topic, 'AnswerSubmitted', late) }] });

  await eventually('the kicks applied', async () => (await stored(quizId))?.players === 1);
  expect((await stored(quizId))!.entries.map((e) => e.playerId)).toEqual(['ann']);
  expect((await stored(quizId))!.openQuestions).toEqual([{ questionId: 'q1', answered: 2 }]);

  expect((await api.close(quizId, 'q1')).status).toBe(200);
  await eventually('the release of q1', async () => ((await stored(quizId))?.entries[0]?.score ?? 0) > 0);
  const after = (await stored(quizId))!;
  expect(after.players).toBe(1);
  expect(after.entries.map((e) => e.playerId)).toEqual(['ann']);
  expect(await redis.zscore(redisKeys.leaderboard(quizId), 'bob')).toBeNull();
  // bob's held points still reached his total (as in Postgres), not the board.
  expect(Number(await redis.hget(redisKeys.totals(quizId), 'bob'))).toBeGreaterThan(0);

  // cyd's late answer counted for nothing: no row, no receipt, not in the reveal.
  const { rows } = await pg.query('SELECT player_id FROM scored_answers WHERE quiz_id = $1 ORDER BY player_id', [quizId]);
  expect(rows.map((r) => r.player_id)).toEqual(['ann', 'bob']);
  const ofQuiz = () => results.messages.filter((m) => m.key === quizId).map((m) => m.event);
  await eventually('the reveal of q1', () => ofQuiz().some((e) => e.type === 'QuestionRevealed'));
  const reveal = ofQuiz().find((e) => e.type === 'QuestionRevealed')!;
  expect(reveal.type === 'QuestionRevealed' && reveal.payload.counts).toEqual({ a: 0, b: 2, c: 0 });
  expect(ofQuiz().filter((e) => e.type === 'AnswerReceived' && e.payload.playerId === 'cyd')).toEqual([]);
  expect(ofQuiz().filter((e) => e.type === 'AnswerReceived')).toHaveLength(2);
  const kicked = await pg.query('SELECT player_id FROM kicked_players WHERE quiz_id = $1 ORDER BY player_id', [quizId]);
  expect(kicked.rows.map((r) => r.player_id)).toEqual(['bob', 'cyd']);

  // Redis loses the quiz; the processor rebuilds it from Postgres before its next snapshot.
  await deleteQuizKeys(redis, quizId);
  await api.open(quizId, 'q2');
  await eventually('a snapshot after the rebuild', async () => (await stored(quizId))?.openQuestions.some((q) => q.questionId === 'q2') ?? false);
  const rebuilt = (await stored(quizId))!;
  expect(rebuilt.players).toBe(1);
  expect(rebuilt.entries).toEqual([after.entries[0]]);
  expect(await redis.sismember(redisKeys.offBoard(quizId), 'bob')).toBe(1);
});
