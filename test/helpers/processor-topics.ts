import type { DecodedEvent } from '../../common/messages/events';
import { createKafka } from '../../common/kafka';
import { EventCodec } from '../../common/codec';
import { onCleanup } from './cleanup';
import { uniqueId } from './ids';
import { createTestTopics, testConfig, testLog } from './stack';

// Topics for one processor test file (random prefix, schemas registered) and a reader that decodes
// everything the processors write to an output topic.

export async function processorTestTopics(partitions = 3): Promise<{ prefix: string; codec: EventCodec }> {
  const prefix = await createTestTopics(partitions);
  const codec = new EventCodec(testConfig.registry.url, prefix);
  await codec.registerAll();
  return { prefix, codec };
}

export interface OutputMessage {
  key: string | null;
  partition: number;
  offset: string;
  event: DecodedEvent;
}

export async function readTopic(codec: EventCodec, topic: string): Promise<{ messages: OutputMessage[] }> {
  const kafka = createKafka(testConfig.kafka, testLog, '-test-output-reader');
  const consumer = kafka.consumer({ groupId: uniqueId('processor-test-reader'), sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  const messages: OutputMessage[] = [];
  await consumer.connect();
  onCleanup(() => consumer.disconnect());
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      messages.push({ key: message.key?.toString() ?? null, partition, offset: message.offset, event: await codec.decode(message.value) });
    },
  });
  return { messages };
}

/** Polls until `check` returns true or the time is up (then fails with `what`). */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
