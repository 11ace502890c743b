import '../helpers/cleanup';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { createKafka, createDurableProducer } from '../../common/kafka';
import { EventCodec, subjectFor } from '../../common/codec';
import type { AnswerReceived, AnswerSubmitted, EventMap, EventType } from '../../common/messages/events';
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

  test('encode writes the same bytes as the registry client, and decodeKnown reads them back without a wait', async () => {
    const codec = new EventCodec(testConfig.registry.url, '');
    onCleanup(() => codec.close());
    const ids = new Map((await codec.registerAll()).map(({ subject, id }) => [subject, id]));
    const client = new SchemaRegistry({ host: testConfig.registry.url });
    // Long enough to outgrow the codec's first scratch buffer (4 KiB), so it grows once.
    const prompt = 'x'.repeat(10_000);
    const sameAsClient = async <K extends EventType>(type: K, topic: string, payload: EventMap[K]) => {
      const ours = await codec.encode(topic, type, payload);
      expect(ours.equals(await client.encode(ids.get(subjectFor(type))!, payload))).toBe(true);
      expect(codec.decodeKnown(ours)).toEqual({ type, payload: await client.decode(ours) });
    };
    await sameAsClient('AnswerReceived', codec.topics.results, { answerId: 'a1', quizId: 'q', questionId: 'q1', playerId: 'p1', acceptedAt: 1 });
    await sameAsClient('QuestionOpened', codec.topics.results, {
      eventId: 'e', quizId: 'q', questionId: 'q1', prompt, choices: [{ id: 'a', text: 'A' }], points: 1000, timeLimitMs: 20_000, openedAt: 1, closesAt: 2, type: 'choice', multiple: false,
    });
  });

  test('a value that does not fit its schema is refused with the fields at fault', async () => {
    const codec = new EventCodec(testConfig.registry.url, '');
    onCleanup(() => codec.close());
    await codec.registerAll();
    const bad = { answerId: 'a1', quizId: 'q', questionId: 'q1', playerId: 7, acceptedAt: 'soon' } as unknown as AnswerReceived;
    await expect(codec.encode(codec.topics.results, 'AnswerReceived', bad)).rejects.toMatchObject({ paths: expect.arrayContaining([['playerId'], ['acceptedAt']]) });
  });

  test('bytes after a known schema id that do not decode are poison, trailing bytes too', async () => {
    const codec = new EventCodec(testConfig.registry.url, '');
    onCleanup(() => codec.close());
    await codec.registerAll();
    const good = await codec.encode(codec.topics.results, 'AnswerReceived', { answerId: 'a1', quizId: 'q', questionId: 'q1', playerId: 'p1', acceptedAt: 1 });
    expect(() => codec.decodeKnown(Buffer.concat([good, Buffer.from([1])]))).toThrow(expect.objectContaining({ code: 'poison_message' }));
    await expect(codec.decode(good.subarray(0, good.length - 3))).rejects.toMatchObject({ code: 'poison_message' });
  });

  test('bytes that are not in the wire format are reported as poison, not thrown as an outage', async () => {
    const codec = new EventCodec(testConfig.registry.url, '');
    await expect(codec.decode(Buffer.from('{"hello":"json"}'))).rejects.toMatchObject({ code: 'poison_message' });
    await expect(codec.decode(null)).rejects.toMatchObject({ code: 'poison_message' });
  });
});
