import type { ClickHouseClient } from '@clickhouse/client';
import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import { createClickHouse } from '../common/clickhouse';
import type { Config } from '../common/config';
import { createKafka } from '../common/kafka';
import type { Logger } from '../common/logger';
import { createMetricsRegistry } from '../common/metrics';
import { EventCodec, schemaReadiness, type SchemaReadiness } from '../common/codec';
import { createSinkMetrics, type SinkMetrics } from './metrics';
import type { SinkOptions } from './options';

/** The sink's clients, built by main.ts (or a test) and handed to createSinkApp. */
export interface SinkDeps {
  config: Config;
  options: SinkOptions;
  log: Logger;
  kafka: Kafka;
  codec: EventCodec;
  clickhouse: ClickHouseClient;
  metricsRegistry: Registry;
  metrics: SinkMetrics;
  /** The ids of the three topics' record types, resolved in the background (see schemaReadiness). */
  schemas: SchemaReadiness;
  /** Stops resolving schemas and closes the registry and ClickHouse clients. */
  close(): Promise<void>;
}

export function buildSinkDeps(config: Config, options: SinkOptions, log: Logger, metricsRegistry: Registry = createMetricsRegistry('clickhouse-sink')): SinkDeps {
  const clickhouse = createClickHouse(config.clickhouse, { quiet: true });
  const codec = new EventCodec(config.registry.url, config.kafka.topicPrefix, {}, log);
  const schemas = schemaReadiness(codec, codec.typesOf(codec.topics.quizEvents, codec.topics.results, codec.topics.snapshots), log);
  return {
    config,
    options,
    log,
    kafka: createKafka(config.kafka, log, '-clickhouse-sink'),
    codec,
    clickhouse,
    metricsRegistry,
    metrics: createSinkMetrics(metricsRegistry),
    schemas,
    close: async () => {
      schemas.stop();
      codec.close();
      await clickhouse.close();
    },
  };
}
