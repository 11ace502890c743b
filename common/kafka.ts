import { Kafka, Partitioners, logLevel as KafkaLogLevel, type ICustomPartitioner, type LogEntry, type Producer } from 'kafkajs';
import type { Config } from './config';
import { DurableProducer } from './durable-producer';
import type { Logger } from './logger';

// kafkajs logs through its own logger; route it into pino so every line is JSON.
function pinoLogCreator(logger: Logger) {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...extra } = log;
      if (level === KafkaLogLevel.ERROR || level === KafkaLogLevel.NOTHING) logger.error(extra, message);
      else if (level === KafkaLogLevel.WARN) logger.warn(extra, message);
      else if (level === KafkaLogLevel.INFO) logger.info(extra, message);
      else logger.debug(extra, message);
    };
}

/** Every tier's Kafka client timings (a consumer's own are in its tier's options.ts). */
export const KAFKA_CLIENT_DEFAULTS = {
  connectionTimeoutMs: 3_000, // fail fast, so callers can answer 503
  requestTimeoutMs: 10_000,
  retries: 5, // attempts of one request after the first
  initialRetryMs: 100,
  maxRetryMs: 2_000,
} as const;

export function createKafka(config: Config['kafka'], logger: Logger, clientSuffix = ''): Kafka {
  const t = KAFKA_CLIENT_DEFAULTS;
  return new Kafka({
    clientId: `${config.clientId}${clientSuffix}`,
    brokers: config.brokers,
    logLevel: KafkaLogLevel.WARN,
    logCreator: pinoLogCreator(logger.child({ component: 'kafkajs' })),
    connectionTimeout: t.connectionTimeoutMs,
    requestTimeout: t.requestTimeoutMs,
    retry: { retries: t.retries, initialRetryTime: t.initialRetryMs, maxRetryTime: t.maxRetryMs },
  });
}

/**
 * Invariant 1: acks=all and idempotence, so a 202 means the answer is durably in Kafka exactly once.
 * The tiers wrap it in a DurableProducer (durable-producer.ts), which replaces it after a failed send.
 */
export function createDurableProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // murmur2 like the Java clients, so any producer of ours or theirs sends a quiz to the same partition.
    createPartitioner: rememberingKeyPartitioner,
  });
}

/** Keys whose partition a producer remembers; past it the memory starts over. */
const REMEMBERED_KEYS = 10_000;

/**
 * kafkajs's default (murmur2) partitioner, remembering each key's partition per topic and partition
 * count: kafkajs hashes with 64-bit Long objects on every message, and a processor chunk sends
 * thousands of outputs of one quiz (one key). A CPU profile of the scoring bench had it at 4% of
 * the processor.
 */
export const rememberingKeyPartitioner: ICustomPartitioner = () => {
  const partitioner = Partitioners.DefaultPartitioner();
  const remembered = new Map<string, number>();
  return (args) => {
    const { topic, partitionMetadata, message } = args;
    if ((message.partition !== null && message.partition !== undefined) || message.key === null || message.key === undefined) return partitioner(args);
    const id = `${topic}\u0000${partitionMetadata.length}\u0000${message.key.toString()}`;
    let partition = remembered.get(id);
    if (partition === undefined) {
      partition = partitioner(args);
      if (remembered.size >= REMEMBERED_KEYS) remembered.clear();
      remembered.set(id, partition);
    }
    return partition;
  };
};

/** The tiers' producer: a durable one, replaced after each failed send. */
export function createReplacingProducer(kafka: Kafka, logger: Logger): DurableProducer {
  return new DurableProducer(() => createDurableProducer(kafka), logger.child({ component: 'producer' }));
}
