import { EventEmitter } from 'node:events';
import type { Message, Producer, ProducerRecord } from 'kafkajs';
import pino from 'pino';
import { Registry } from 'prom-client';
import { UnavailableError } from '../../common/errors';
import type { EventCodec } from '../../common/codec';
import { topicNames } from '../../common/topics';
import { EventWriter, type QuizEvent } from '../../ingest/event-writer';
import { IngestMetrics } from '../../ingest/metrics';

// The writer's batching and timeout rules, with a producer double whose acknowledgements the test
// releases by hand. (The integration tests cover the real Kafka.)

class FakeProducer extends EventEmitter {
  readonly events = { CONNECT: 'producer.connect', DISCONNECT: 'producer.disconnect' };
  readonly sent: Message[][] = [];
  private readonly waiting: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];

  async connect(): Promise<void> {
    this.emit(this.events.CONNECT);
  }

  send(record: ProducerRecord): Promise<[]> {
    this.sent.push(record.messages);
    return new Promise((resolve, reject) => this.waiting.push({ resolve: () => resolve([]), reject }));
  }

  /** Acknowledges (or fails) the oldest request in flight. */
  async ack(error?: Error): Promise<void> {
    await waitUntil(() => this.waiting.length > 0);
    const next = this.waiting.shift()!;
    if (error) next.reject(error);
    else next.resolve();
  }
}

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!condition()) throw new Error('condition not met');
}

const codec = {
  topics: topicNames('t.'),
  encode: async (_topic: string, _type: string, payload: unknown) => Buffer.from(JSON.stringify(payload)),
} as unknown as EventCodec;

function answer(n: number): QuizEvent {
  return { type: 'AnswerSubmitted', payload: { answerId: `a${n}`, quizId: 'quiz', questionId: 'q1', playerId: `p${n}`, choiceId: 'a', acceptedAt: n } };
}

function setup(timeoutMs = 1_000, maxPending = 100) {
  const producer = new FakeProducer();
  const writer = new EventWriter(codec, producer as unknown as Producer, { timeoutMs, maxPending }, new IngestMetrics(new Registry()), pino({ level: 'silent' }));
  return { producer, writer };
}

const ids = (messages: Message[]) => messages.map((m) => (JSON.parse(String(m.value)) as { answerId: string }).answerId);

test('writes that arrive while a request is in flight go out together, in arrival order, each acknowledged', async () => {
  const { producer, writer } = setup();
  const first = writer.write('quiz', [answer(1)]);
  await waitUntil(() => producer.sent.length === 1);
  const rest = [2, 3, 4].map((n) => writer.write('quiz', [answer(n)]));
  await producer.ack();
  await first;
  await waitUntil(() => producer.sent.length === 2);
  expect(ids(producer.sent[1]!)).toEqual(['a2', 'a3', 'a4']);
  expect(producer.sent[1]!.every((m) => m.key === 'quiz')).toBe(true);
  let settled = false;
  void Promise.all(rest).then(() => (settled = true));
  await new Promise((r) => setTimeout(r, 20));
  expect(settled).toBe(false); // nobody is answered before Kafka acknowledges
  await producer.ack();
  await Promise.all(rest);
});

test('a write still queued when its caller times out gets a 503 and is never sent', async () => {
  const { producer, writer } = setup(100);
  const stuck = writer.write('quiz', [answer(1)]);
  await waitUntil(() => producer.sent.length === 1);
  const queued = writer.write('quiz', [answer(2)]);
  await expect(stuck).rejects.toBeInstanceOf(UnavailableError);
  await expect(queued).rejects.toMatchObject({ status: 503, code: 'kafka_unavailable' });
  const late = writer.write('quiz', [answer(3)]);
  await producer.ack(); // the stuck request finally succeeds
  await waitUntil(() => producer.sent.length === 2);
  expect(ids(producer.sent[1]!)).toEqual(['a3']); // a2 was dropped
  await producer.ack();
  await late;
});

test('a write made after others timed out gets its own full timeout', async () => {
  const { producer, writer } = setup(100);
  const stuck = writer.write('quiz', [answer(1)]);
  await waitUntil(() => producer.sent.length === 1);
  await expect(stuck).rejects.toMatchObject({ code: 'kafka_unavailable' });
  const started = performance.now();
  const next = writer.write('quiz', [answer(2)]);
  await expect(next).rejects.toMatchObject({ code: 'kafka_unavailable' });
  expect(performance.now() - started).toBeGreaterThanOrEqual(95);
  expect(writer.pendingWrites).toBe(1); // the stuck request, still out; the queued write was dropped
  await producer.ack();
  await waitUntil(() => writer.pendingWrites === 0);
  expect(producer.sent).toHaveLength(1);
});

test('a failed request fails every write in it with a 503', async () => {
  const { producer, writer } = setup();
  const first = writer.write('quiz', [answer(0)]);
  await waitUntil(() => producer.sent.length === 1);
  const writes = [1, 2].map((n) => writer.write('quiz', [answer(n)]));
  await producer.ack();
  await first;
  await waitUntil(() => producer.sent.length === 2);
  expect(ids(producer.sent[1]!)).toEqual(['a1', 'a2']);
  await producer.ack(new Error('Connection error: connect ECONNREFUSED'));
  for (const w of writes) await expect(w).rejects.toMatchObject({ status: 503, code: 'kafka_unavailable' });
  expect(writer.pendingWrites).toBe(0);
});

test('writes that one reply lets through go out in one request, not the first alone', async () => {
  const { producer, writer } = setup();
  // As a Redis reply that passes several answers: each resumes in its own microtask and writes.
  const reply = Promise.resolve();
  const writes = [1, 2, 3].map((n) => reply.then(() => writer.write('quiz', [answer(n)])));
  await waitUntil(() => producer.sent.length === 1);
  await new Promise((r) => setTimeout(r, 20));
  expect(producer.sent.map(ids)).toEqual([['a1', 'a2', 'a3']]);
  await producer.ack();
  await Promise.all(writes);
});

test('past maxPending, writes are shed at once', async () => {
  const { producer, writer } = setup(1_000, 2);
  const a = writer.write('quiz', [answer(1)]);
  const b = writer.write('quiz', [answer(2)]);
  await expect(writer.write('quiz', [answer(3)])).rejects.toMatchObject({ status: 503 });
  await producer.ack();
  await Promise.all([a, b]);
  expect(producer.sent.map(ids)).toEqual([['a1', 'a2']]);
});

test('an event that cannot be encoded fails only its own write', async () => {
  const producer = new FakeProducer();
  const failing = {
    topics: codec.topics,
    encode: async (_t: string, _type: string, payload: { answerId: string }) => {
      if (payload.answerId === 'a2') throw new Error('invalid "string": undefined');
      return Buffer.from(JSON.stringify(payload));
    },
  } as unknown as EventCodec;
  const writer = new EventWriter(failing, producer as unknown as Producer, { timeoutMs: 1_000, maxPending: 10 }, new IngestMetrics(new Registry()), pino({ level: 'silent' }));
  const bad = writer.write('quiz', [answer(2)]);
  const ok = writer.write('quiz', [answer(1)]);
  await expect(bad).rejects.toThrow('invalid "string"');
  await producer.ack();
  await ok;
  expect(ids(producer.sent.flat())).toEqual(['a1']);
});
