import type { DecodedEvent } from '../../common/messages/events';
import { createKafka } from '../../common/kafka';
import type { EventCodec } from '../../common/codec';
import { onCleanup } from './cleanup';
import { uniqueId } from './ids';
import { testConfig, testLog } from './stack';

export interface ReadEvent {
  key: string | null;
  partition: number;
  offset: string;
  /** The message as written: Confluent wire format (magic byte, schema id, Avro). */
  value: Buffer;
  event: DecodedEvent;
}

/**
 * Reads this test file's quiz.events from the beginning and decodes every message with the
 * registry, so a test can wait for what ingest wrote and see it as the processors will.
 */
export async function readQuizEvents(codec: EventCodec) {
  const kafka = createKafka(testConfig.kafka, testLog, '-test-reader');
  const consumer = kafka.consumer({ groupId: uniqueId('ingest-test'), sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  const events: ReadEvent[] = [];
  const waiters = new Set<() => void>();
  await consumer.connect();
  onCleanup(() => consumer.disconnect());
  await consumer.subscribe({ topic: codec.topics.quizEvents, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const value = message.value ?? Buffer.alloc(0);
      events.push({ key: message.key?.toString() ?? null, partition, offset: message.offset, value, event: await codec.decode(value) });
      for (const wake of waiters) wake();
    },
  });

  async function waitFor(predicate: (e: ReadEvent) => boolean, count = 1, timeoutMs = 20_000): Promise<ReadEvent[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hits = events.filter(predicate);
      if (hits.length >= count) return hits;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`waited ${timeoutMs} ms for ${count} matching event(s), saw ${hits.length} of ${events.length}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(left, 250));
        waiters.add(wake);
      });
    }
  }

  return { events, waitFor };
}

export const forQuiz = (quizId: string) => (e: ReadEvent) => e.key === quizId;
