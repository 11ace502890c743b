import '../helpers/cleanup';
import { createKafka, createDurableProducer } from '../../common/kafka';
import { EventCodec, subjectFor } from '../../common/codec';
import type { AnswerSubmitted } from '../../common/messages/events';
import { createTestTopics, testConfig, testLog } from '../helpers/stack';
import { uniqueId } from '../helpers/ids';
import { onCleanup } from '../helpers/cleanup';

describe('Avro through the schema registry and Kafka', () => {
  test('an event encoded with its registered schema comes back from Kafka equal, in the Confluent wire format', async () => {
    const prefix = await createTestTopics(3);
    const codec = new EventCodec(testConfig.registry.url, prefix);
    const registered = await codec.registerAll();
    expect(registered.length).toBeGreaterThanOrEqual(9);

    const kafka = createKafka(testConfig.kafka, testLog, '-test');
    const producer = createDurableProducer(kafka);
    await producer.connect();
    onCleanup(() => producer.disconnect());

    const answer: AnswerSubmitted = {
      answerId: uniqueId('a'),
      quizId: uniqueId('quiz'),
      questionId: 'q1',
      playerId: 'p1',
      choiceId: 'b',
      acceptedAt: Date.now(),
      // Every field, the ones with defaults too: the decoded record has them all.
      choiceIds: ['b'],
      text: null,
    };
    const value = await codec.encode(codec.topics.quizEvents, 'AnswerSubmitted', answer);
    expect(value.readUInt8(0)).toBe(0); // magic byte
    await producer.send({ topic: codec.topics.quizEvents, acks: -1, messages: [{ key: answer.quizId, value }] });

    const consumer = kafka.consumer({ groupId: uniqueId('g') });
    await consumer.connect();
    onCleanup(() => consumer.disconnect());
    await consumer.subscribe({ topic: codec.topics.quizEvents, fromBeginning: true });
    const received = await new Promise<Buffer | null>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(message.value) });
    });
    const decoded = await codec.decode(received);
    expect(decoded).toEqual({ type: 'AnswerSubmitted', payload: answer });
  });

  test('subjects are registered with BACKWARD compatibility', async () => {
    const codec = new EventCodec(testConfig.registry.url, uniqueId('compat') + '.');
    onCleanup(() => codec.close());
    await codec.registerAll();
    const subject = subjectFor('AnswerSubmitted');
    const res = await fetch(`${testConfig.registry.url}/config/${encodeURIComponent(subject)}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { compatibilityLevel?: string; compatibility?: string };
    expect(body.compatibilityLevel ?? body.compatibility).toBe('BACKWARD');
  });

  test('bytes that are not in the wire format are reported as poison, not thrown as an outage', async () => {
    const codec = new EventCodec(testConfig.registry.url, '');
    await expect(codec.decode(Buffer.from('{"hello":"json"}'))).rejects.toMatchObject({ code: 'poison_message' });
    await expect(codec.decode(null)).rejects.toMatchObject({ code: 'poison_message' });
  });
});
