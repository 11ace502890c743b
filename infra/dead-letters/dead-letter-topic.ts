import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { createDurableProducer } from '../../common/kafka';
import type { Logger } from '../../common/logger';
import type { EventCodec } from '../../common/codec';

// Reading quiz.dead-letter and sending dead letters back to their source topic. The topic has one
// partition (ARCHITECTURE.md), read whole up to its current end with a throwaway consumer group
// that commits nothing and is deleted afterwards, so listing never moves anyone's position.

export interface DeadLetterEntry {
  /** Offset in quiz.dead-letter: what `redrive` takes. */
  offset: string;
  failedAt: string;
  topic: string;
  partition: number;
  sourceOffset: string;
  key: string | null;
  reason: string;
  valueBytes: number;
  value: Buffer | null;
}

export async function readDeadLetters(kafka: Kafka, codec: EventCodec, log: Logger, timeoutMs = 30_000): Promise<DeadLetterEntry[]> {
  const topic = codec.topics.deadLetter;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const pending = new Map(ends.filter((p) => Number(p.high) > Number(p.low)).map((p) => [p.partition, Number(p.high)]));
    if (pending.size === 0) return [];
    const groupId = `quizstream-dead-letters-${randomBytes(6).toString('hex')}`;
    const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 500 });
    const entries: DeadLetterEntry[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${topic}: not read to its end within ${timeoutMs} ms`)), timeoutMs);
        consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              const end = pending.get(partition);
              if (end === undefined) return;
              entries.push(await toEntry(codec, message.offset, message.value));
              if (Number(message.offset) >= end - 1) pending.delete(partition);
              if (pending.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch((err: unknown) => {
            clearTimeout(timer);
            reject(err);
          });
      });
    } finally {
      await consumer.disconnect();
      await admin.deleteGroups([groupId]).catch((err: unknown) => log.warn({ err, groupId }, 'could not delete the temporary consumer group'));
    }
    return entries.sort((a, b) => Number(a.offset) - Number(b.offset));
  } finally {
    await admin.disconnect();
  }
}

async function toEntry(codec: EventCodec, offset: string, value: Buffer | null): Promise<DeadLetterEntry> {
  const decoded = await codec.decode(value);
  if (decoded.type !== 'DeadLetter') throw new Error(`offset ${offset} holds a ${decoded.type}, not a DeadLetter`);
  const d = decoded.payload;
  return {
    offset,
    failedAt: new Date(d.failedAt).toISOString(),
    topic: d.topic,
    partition: d.partition,
    sourceOffset: d.offset,
    key: d.key === null ? null : d.key.toString(),
    reason: d.reason,
    valueBytes: d.value?.length ?? 0,
    value: d.value,
  };
}

/**
 * Produces each dead letter's original bytes again to its source topic with its original key (so
 * it lands on its quiz's partition, after everything already there), marked with where it came from.
 */
export async function redrive(kafka: Kafka, entries: DeadLetterEntry[], deadLetterTopic: string): Promise<void> {
  const producer = createDurableProducer(kafka);
  await producer.connect();
  try {
    for (const e of entries) {
      await producer.send({
        topic: e.topic,
        acks: -1,
        messages: [{ key: e.key, value: e.value, headers: { 'redriven-from': `${deadLetterTopic}:${e.offset}` } }],
      });
    }
  } finally {
    await producer.disconnect();
  }
}
