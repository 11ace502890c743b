import type { Kafka } from 'kafkajs';
import type { DurableSender } from '../common/durable-producer';
import type { Pool } from 'pg';
import type { Registry } from 'prom-client';
import type { Config } from '../common/config';
import { createKafka, createReplacingProducer } from '../common/kafka';
import type { Logger } from '../common/logger';
import { createMetricsRegistry } from '../common/metrics';
import { createPgPool } from '../common/postgres';
import { createRedis, type RedisClient } from '../common/redis';
import { EventCodec } from '../common/codec';
import { ProcessorMetrics } from './metrics';
import type { ProcessorOptions } from './options';

/** The processor's clients, built by main.ts (or a test) and handed to createProcessorApp. */
export interface ProcessorDeps {
  config: Config;
  options: ProcessorOptions;
  log: Logger;
  pg: Pool;
  redis: RedisClient;
  kafka: Kafka;
  /** Not connected yet: the app connects it on start. */
  producer: DurableSender;
  codec: EventCodec;
  metricsRegistry: Registry;
  metrics: ProcessorMetrics;
  /** Disconnects the producer and closes Redis, Postgres and the registry client; in that order. */
  close(): Promise<void>;
}

export function buildProcessorDeps(config: Config, options: ProcessorOptions, log: Logger): ProcessorDeps {
  const metricsRegistry = createMetricsRegistry('processor');
  const pg = createPgPool(config.postgres, 5, log);
  const redis = createRedis(config.redis, 'processor');
  redis.on('error', (err: Error) => log.warn({ err: err.message }, 'redis: connection error'));
  const kafka = createKafka(config.kafka, log, '-processor');
  const producer = createReplacingProducer(kafka, log);
  const codec = new EventCodec(config.registry.url, config.kafka.topicPrefix, {}, log);
  return {
    config,
    options,
    log,
    pg,
    redis,
    kafka,
    producer,
    codec,
    metricsRegistry,
    metrics: new ProcessorMetrics(metricsRegistry),
    close: async () => {
      await producer.disconnect();
      await redis.quit();
      await pg.end();
      codec.close();
    },
  };
}
