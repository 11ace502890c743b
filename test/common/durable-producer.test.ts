import { EventEmitter } from 'node:events';
import type { Producer, ProducerRecord } from 'kafkajs';
import pino from 'pino';
import { DurableProducer } from '../../common/durable-producer';

// The replacement rule, with producer doubles whose sends the test fails or acknowledges by hand.
// (The cluster drill's Kafka broker SIGKILL shows it against a real cluster.)

class FakeProducer extends EventEmitter {
  readonly events = { DISCONNECT: 'producer.disconnect' };
  connects = 0;
  disconnects = 0;
  readonly sent: ProducerRecord[] = [];
  private readonly waiting: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];

  async connect(): Promise<void> {
    this.connects++;
  }

  async disconnect(): Promise<void> {
    this.disconnects++;
    this.emit(this.events.DISCONNECT);
  }

  send(record: ProducerRecord): Promise<[]> {
    this.sent.push(record);
    return new Promise((resolve, reject) => this.waiting.push({ resolve: () => resolve([]), reject }));
  }

  async settle(error?: Error): Promise<void> {
    for (let i = 0; i < 200 && this.waiting.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    const next = this.waiting.shift();
    if (!next) throw new Error('nothing in flight');
    if (error) next.reject(error);
    else next.resolve();
  }
}

function setup() {
  const made: FakeProducer[] = [];
  const producer = new DurableProducer(() => {
    const p = new FakeProducer();
    made.push(p);
    return p as unknown as Producer;
  }, pino({ level: 'silent' }));
  return { producer, made };
}

const record = (n: number): ProducerRecord => ({ topic: 't', messages: [{ key: 'quiz', value: `m${n}` }] });

test('successful sends keep one producer, connected once', async () => {
  const { producer, made } = setup();
  const a = producer.send(record(1));
  await made[0]!.settle();
  await a;
  const b = producer.send(record(2));
  await made[0]!.settle();
  await b;
  expect(made).toHaveLength(1);
  expect(made[0]!.connects).toBe(1);
  expect(producer.replacements).toBe(0);
});

test('after a failed send the next one goes through a new producer (new producer id), and the old one is closed', async () => {
  const { producer, made } = setup();
  const failed = producer.send(record(1));
  await made[0]!.settle(new Error('NOT_LEADER_OR_FOLLOWER'));
  await expect(failed).rejects.toThrow('NOT_LEADER_OR_FOLLOWER');
  expect(made).toHaveLength(2);
  expect(made[0]!.disconnects).toBe(1);

  const next = producer.send(record(2));
  await made[1]!.settle();
  await next;
  expect(made[1]!.connects).toBe(1);
  expect(made[1]!.sent.map((r) => r.messages[0]!.value)).toEqual(['m2']);
  expect(made[0]!.sent).toHaveLength(1);
  expect(producer.replacements).toBe(1);
});

test('two sends failing on the same producer replace it once', async () => {
  const { producer, made } = setup();
  const a = producer.send(record(1));
  const b = producer.send(record(2));
  await made[0]!.settle(new Error('broker gone'));
  await made[0]!.settle(new Error('broker gone'));
  await expect(a).rejects.toThrow();
  await expect(b).rejects.toThrow();
  expect(made).toHaveLength(2);
  expect(producer.replacements).toBe(1);
});

test('a failure after disconnect() replaces nothing', async () => {
  const { producer, made } = setup();
  const a = producer.send(record(1));
  await producer.disconnect();
  await made[0]!.settle(new Error('disconnected'));
  await expect(a).rejects.toThrow('disconnected');
  expect(made).toHaveLength(1);
});
