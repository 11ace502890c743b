import type { Registry } from 'prom-client';
import type { Config } from '../../common/config';
import { createKafka } from '../../common/kafka';
import type { Logger } from '../../common/logger';
import { createMetricsRegistry } from '../../common/metrics';
import { EventCodec, schemaReadiness } from '../../common/registry';
import { ClickHouseWriter, createSinkClickHouse } from './clickhouse-writer';
import { createSinkMetrics } from './metrics';
import type { SinkOptions } from './options';
import { ClickHouseSink } from './sink';

export interface BuiltSink {
  sink: ClickHouseSink;
  writer: ClickHouseWriter;
  registry: Registry;
  /** Readiness checks for /readyz. */
  checks: Record<string, () => Promise<void>>;
  /** Stops the sink (flush, commit, leave) and closes the ClickHouse client. */
  stop(): Promise<void>;
}

/** Wires the sink from a configuration; main.ts and the tests build it the same way. */
export interface BuildSinkExtras {
  /** Where the sink's metrics go; its own registry by default. */
  registry?: Registry;
  /** See SinkDeps.onFatal: main.ts exits, so a fresh sink takes over. */
  onFatal?: (err: unknown) => void;
}

export function buildSink(config: Config, options: SinkOptions, log: Logger, { registry = createMetricsRegistry('clickhouse-sink'), onFatal }: BuildSinkExtras = {}): BuiltSink {
  const ch = createSinkClickHouse(config.clickhouse);
  const metrics = createSinkMetrics(registry);
  const writer = new ClickHouseWriter(ch, log, metrics, { initialMs: options.retryInitialMs, maxMs: options.retryMaxMs });
  const codec = new EventCodec(config.registry.url, config.kafka.topicPrefix, {}, log);
  const schemas = schemaReadiness(codec, codec.typesOf(codec.topics.quizEvents, codec.topics.results, codec.topics.snapshots), log);
  const kafka = createKafka(config.kafka, log, '-clickhouse-sink');
  const sink = new ClickHouseSink({ kafka, codec, writer, log, metrics, options, onFatal });
  let stopped: Promise<void> | undefined;
  return {
    sink,
    writer,
    registry,
    checks: {
      clickhouse: () => writer.ping(),
      kafka: async () => {
        if (!sink.inGroup) throw new Error('not a member of the consumer group');
      },
      'schema-registry': () => schemas.check(),
    },
    stop: () => {
      stopped ??= sink.stop().finally(async () => {
        schemas.stop();
        codec.close();
        await ch.close();
      });
      return stopped;
    },
  };
}
