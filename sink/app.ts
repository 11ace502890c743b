import type { ReadinessCheck } from '../common/http';
import { ClickHouseSink } from './clickhouse-sink';
import { ClickHouseWriter } from './clickhouse-writer';
import type { SinkDeps } from './deps';

export interface SinkApp {
  sink: ClickHouseSink;
  writer: ClickHouseWriter;
  readiness: Record<string, ReadinessCheck>;
  /** Stops the sink (flush, commit, leave), then closes its clients. */
  stop(): Promise<void>;
}

/**
 * Wires the sink onto its clients; main.ts and the tests build it the same way. `onFatal` runs when
 * the consumer crashed for good (main.ts exits, so a fresh sink takes over).
 */
export function createSinkApp(deps: SinkDeps, onFatal?: (err: unknown) => void): SinkApp {
  const { options, log, metrics } = deps;
  const writer = new ClickHouseWriter(deps.clickhouse, log, metrics, { initialMs: options.retryInitialMs, maxMs: options.retryMaxMs });
  const sink = new ClickHouseSink({ kafka: deps.kafka, codec: deps.codec, writer, log, metrics, options, onFatal });
  let stopped: Promise<void> | undefined;
  return {
    sink,
    writer,
    readiness: {
      clickhouse: () => writer.ping(),
      kafka: async () => {
        if (!sink.inGroup) throw new Error('not a member of the consumer group');
      },
      'schema-registry': () => deps.schemas.check(),
    },
    stop: () => {
      stopped ??= sink.stop().finally(() => deps.close());
      return stopped;
    },
  };
}
