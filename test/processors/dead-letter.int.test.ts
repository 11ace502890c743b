import { randomUUID } from 'node:crypto';
import type { DeadLetter } from '../../common/messages/events';
import { createDurableProducer, createKafka } from '../../common/kafka';
import { onCleanup } from '../helpers/cleanup';
import { uniqueId } from '../helpers/ids';
import { processorTestConfig, startTestProcessor } from '../helpers/processor-app';
import { waitForIdle } from '../helpers/processor-checks';
import { eventually, processorTestTopics, readTopic } from '../helpers/processor-topics';
import { insertQuizRows, produceWorkloads, randomWorkload } from '../helpers/processor-workload';
import { referenceRanking } from '../helpers/reference-ranking';
import { testConfig, testLog, stackClients } from '../helpers/stack';
import { deleteQuizKeys, deleteQuizRows } from '../helpers/quiz-cleanup';

// Poison messages in front of a quiz's events (same key, so the same partition): each lands in the
// dead-letter topic with its reason and its original bytes, and the quiz behind them is still
// scored exactly.

jest.setTimeout(180_000);

const { pg, redis } = stackClients(4);

it('dead-letters undecodable and unappliable messages and keeps scoring the partition', async () => {
  const { prefix, codec } = await processorTestTopics(3);
  const w = randomWorkload({ quizId: uniqueId('dl'), players: 15, questions: 3, seed: 7, startAt: Date.now() + 1_000 });
  onCleanup(async () => {
    await deleteQuizRows(pg, [w.quizId]);
    await deleteQuizKeys(redis, w.quizId);
  });
  await insertQuizRows(pg, w);
  const answer = { answerId: randomUUID(), quizId: w.quizId, questionId: 'q1', playerId: 'p0000', choiceId: 'a', acceptedAt: Date.now() };
  const poison: Array<{ value: Buffer | null; reason: RegExp }> = [
    { value: Buffer.from('{"not":"avro"}'), reason: /Confluent wire format/ },
    { value: null, reason: /Confluent wire format/ },
    { value: Buffer.concat([Buffer.from([0, 0x0f, 0x42, 0x40, 0x00]), Buffer.from('garbage')]), reason: /schema id|decode/i },
    { value: await codec.encode(codec.topics.quizEvents, 'AnswerSubmitted', { ...answer, quizId: uniqueId('nosuchquiz') }), reason: /unknown quiz/ },
    { value: await codec.encode(codec.topics.quizEvents, 'AnswerSubmitted', { ...answer, questionId: 'q404' }), reason: /no question "q404"/ },
    {
      value: await codec.encode(codec.topics.results, 'AnswerScored', {
        ...answer, correct: true, late: false, points: 1, total: 1, rank: 1, latencyMs: 1, scoredAt: Date.now(),
      }),
      reason: /AnswerScored does not belong on quiz.events/,
    },
  ];

  const producer = createDurableProducer(createKafka(testConfig.kafka, testLog, '-test-producer'));
  await producer.connect();
  onCleanup(() => producer.disconnect());
  await producer.send({ topic: codec.topics.quizEvents, acks: -1, messages: poison.map((p) => ({ key: w.quizId, value: p.value })) });
  await produceWorkloads(codec, producer, [w]);

  const deadLetters = await readTopic(codec, codec.topics.deadLetter);
  await startTestProcessor(processorTestConfig(prefix, uniqueId('proc-dl')));

  const ref = referenceRanking(w);
  const states = await waitForIdle(redis, pg, [{ quizId: w.quizId, ref }], 60_000);
  const s = states.get(w.quizId)!;
  expect(s.redisOrder).toEqual(ref.entries.map((e) => ({ playerId: e.playerId, score: e.score })));
  expect(s.pgOrder.map((r) => [r.playerId, r.score])).toEqual(ref.entries.map((e) => [e.playerId, e.score]));

  await eventually('every poison message in the dead-letter topic', () => deadLetters.messages.length >= poison.length);
  const letters = deadLetters.messages.map((m) => m.event.payload as DeadLetter).sort((a, b) => Number(a.offset) - Number(b.offset));
  expect(letters).toHaveLength(poison.length);
  for (const [i, p] of poison.entries()) {
    const dl = letters[i]!;
    expect(dl.topic).toBe(codec.topics.quizEvents);
    expect(dl.reason).toMatch(p.reason);
    expect(dl.value === null ? null : Buffer.from(dl.value)).toEqual(p.value);
    expect(dl.key?.toString()).toBe(w.quizId);
  }
  // All poison came first on the partition, so their offsets are 0..n-1.
  expect(letters.map((l) => l.offset)).toEqual(poison.map((_, i) => String(i)));
});
