import { z } from 'zod';
import { parseEnv, port, positiveInt } from '../common/config';

// The ClickHouse sink's own settings; the shared ones (brokers, topic prefix, registry, ClickHouse
// URL and database) come from common/config. Read once, at the entry point.

const envSchema = z.object({
  SINK_GROUP_ID: z.string().min(1).default('quizstream-clickhouse-sink'),
  SINK_PORT: port.default(8096),
  SINK_BATCH_MAX_ROWS: positiveInt.default(1_000), // rows: flush when this many are buffered...
  SINK_BATCH_MAX_WAIT_MS: positiveInt.default(500), // ms: ...or when the oldest buffered row is this old
  SINK_RETRY_INITIAL_MS: positiveInt.default(200), // ms: first wait after a failed insert or registry call
  SINK_RETRY_MAX_MS: positiveInt.default(5_000), // ms: the wait doubles up to this, then stays
  SINK_HEARTBEAT_MS: positiveInt.default(3_000), // ms: group heartbeat while a batch waits for ClickHouse
  SINK_STOP_GRACE_MS: positiveInt.default(20_000), // ms: on SIGTERM, give up flushing after this (rows replay later)
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
