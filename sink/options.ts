import { z } from 'zod';
import { parseEnv, port, positiveInt } from '../common/config';

// The ClickHouse sink's own settings; what every tier reads (brokers, topic prefix, registry,
// ClickHouse URL and database) is common/config.ts. Read once, at the entry point.

/** The sink's settings by variable, with their defaults (sink/README.md lists them; a test holds the two together). */
export const SINK_DEFAULTS = {
  SINK_GROUP_ID: 'quizstream-clickhouse-sink',
  SINK_PORT: 8096, // operational routes: /healthz, /readyz, /metrics
  SINK_BATCH_MAX_ROWS: 1_000, // rows: flush when this many are buffered...
  SINK_BATCH_MAX_WAIT_MS: 500, // ...or when the oldest buffered row is this old
  SINK_RETRY_INITIAL_MS: 200, // first wait after a failed insert or registry call
  SINK_RETRY_MAX_MS: 5_000, // the wait doubles up to this, then stays
  SINK_HEARTBEAT_MS: 3_000, // group heartbeat while a batch waits for ClickHouse
  SINK_STOP_GRACE_MS: 20_000, // on SIGTERM, give up flushing after this (rows replay later)
  /** Not settable: the Kafka consumer of the three topics. */
  consumer: {
    // Long: a member waiting on a ClickHouse outage heartbeats, but a slow insert must not cost its partitions.
    sessionTimeoutMs: 30_000,
    maxWaitMs: 500, // a fetch returns after this long...
    // ...or once this much is waiting. At 1 byte (kafkajs' default) every few messages made a
    // round trip of their own, while rows wait up to SINK_BATCH_MAX_WAIT_MS here anyway.
    minBytes: 64 * 1024, // bytes
  },
} as const;

const D = SINK_DEFAULTS;

const envSchema = z.object({
  SINK_GROUP_ID: z.string().min(1).default(D.SINK_GROUP_ID),
  SINK_PORT: port.default(D.SINK_PORT),
  SINK_BATCH_MAX_ROWS: positiveInt.default(D.SINK_BATCH_MAX_ROWS),
  SINK_BATCH_MAX_WAIT_MS: positiveInt.default(D.SINK_BATCH_MAX_WAIT_MS),
  SINK_RETRY_INITIAL_MS: positiveInt.default(D.SINK_RETRY_INITIAL_MS),
  SINK_RETRY_MAX_MS: positiveInt.default(D.SINK_RETRY_MAX_MS),
  SINK_HEARTBEAT_MS: positiveInt.default(D.SINK_HEARTBEAT_MS),
  SINK_STOP_GRACE_MS: positiveInt.default(D.SINK_STOP_GRACE_MS),
});

export interface SinkOptions {
  groupId: string;
  port: number;
  batchMaxRows: number;
  batchMaxWaitMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
  heartbeatMs: number;
  stopGraceMs: number;
}

export function loadSinkOptions(env: NodeJS.ProcessEnv = process.env): SinkOptions {
  const e = parseEnv(envSchema, env);
  return {
    groupId: e.SINK_GROUP_ID,
    port: e.SINK_PORT,
    batchMaxRows: e.SINK_BATCH_MAX_ROWS,
    batchMaxWaitMs: e.SINK_BATCH_MAX_WAIT_MS,
    retryInitialMs: e.SINK_RETRY_INITIAL_MS,
    retryMaxMs: e.SINK_RETRY_MAX_MS,
    heartbeatMs: e.SINK_HEARTBEAT_MS,
    stopGraceMs: e.SINK_STOP_GRACE_MS,
  };
}
