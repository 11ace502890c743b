import type { Admin, Kafka } from 'kafkajs';
import type { Config } from '../common/config';
import type { ReadinessCheck } from '../common/http';
import { createKafka, createReplacingProducer } from '../common/kafka';
import type { Logger } from '../common/logger';
import { createMetricsRegistry } from '../common/metrics';
import { createPgPool } from '../common/postgres';
import { createRedis } from '../common/redis';
import { EventCodec, schemaReadiness } from '../common/codec';
import type { IngestDeps } from './app';
import { AutoCloser } from './auto-close';
import type { IngestOptions } from './options';

export interface OwnedIngestDeps extends IngestDeps {
  /** Stops timers, flushes and disconnects the producer, closes the pools; in that order. */
  close(): Promise<void>;
}


/** Readiness asks the broker for our topic's metadata through one long-lived admin client. */
function kafkaReadiness(kafka: Kafka, topic: string): { check: ReadinessCheck; close: () => Promise<void> } {
  let admin: Admin | undefined;
  let connecting: Promise<Admin> | undefined;
  const connected = (): Promise<Admin> => {
    if (admin) return Promise.resolve(admin);
    connecting ??= (async () => {
      const a = kafka.admin();
      try {
        await a.connect();
      } finally {
        connecting = undefined;
      }
      admin = a;
      return a;
    })();
    return connecting;
  };
  return {
    check: async () => {
      await (await connected()).fetchTopicMetadata({ topics: [topic] });
    },
    close: async () => {
      await admin?.disconnect();
    },
  };
}

export async function buildIngestDeps(config: Config, options: IngestOptions, log: Logger): Promise<OwnedIngestDeps> {
  const pg = createPgPool(config.postgres, 20, log);
  const redis = createRedis(config.redis, 'ingest', { autoPipelining: true });
  redis.on('error', (err: Error) => log.warn({ err: err.message }, 'redis: connection error'));
  const kafka = createKafka(config.kafka, log, '-ingest');
  const producer = createReplacingProducer(kafka, log);
  const codec = new EventCodec(config.registry.url, config.kafka.topicPrefix, {}, log);
  const schemas = schemaReadiness(codec, codec.typesOf(codec.topics.quizEvents), log);
  const kafkaCheck = kafkaReadiness(kafka, codec.topics.quizEvents);
  const autoCloser = new AutoCloser(log);

  // Start without Kafka if it is down: /readyz says so, and the first write connects again.
  await producer.connect().catch((err: unknown) => log.warn({ err }, 'kafka: producer not connected at start-up; will retry on first write'));

  return {
    config,
    options,
    log,
    pg,
    redis,
    producer,
    codec,
    autoCloser,
    metricsRegistry: createMetricsRegistry('ingest'),
    readiness: {
      kafka: kafkaCheck.check,
      'schema-registry': schemas.check,
      redis: async () => {
        await redis.ping();
      },
      postgres: async () => {
        await pg.query('SELECT 1');
      },
    },
    close: async () => {
      schemas.stop();
      autoCloser.stop();
      await producer.disconnect();
      await kafkaCheck.close();
      await redis.quit();
      await pg.end();
      codec.close();
    },
  };
}
