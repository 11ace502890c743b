import { z } from 'zod';
import { parseEnv, port, positiveInt } from '../common/config';

// Processor-only settings, parsed once in main.ts next to loadConfig(). The shared batching and
// snapshot settings (BATCH_MAX_*, SNAPSHOT_*, PROCESSOR_GROUP_ID) live in common/config.ts.

const envSchema = z.object({
  PROCESSOR_PORT: port.default(8095),
  // A member that stops heartbeating (SIGKILL, a frozen VM) keeps its partitions this long before
  // the group hands them to another processor.
  PROCESSOR_SESSION_TIMEOUT_MS: positiveInt.default(10_000),
  PROCESSOR_HEARTBEAT_INTERVAL_MS: positiveInt.default(1_000),
  // Question metadata of this many quizzes stays in memory; older ones are reloaded from Postgres.
  PROCESSOR_QUIZ_CACHE_SIZE: positiveInt.default(10_000),
  // How often the trailing-edge snapshot timer looks for quizzes whose window has passed.
  PROCESSOR_SNAPSHOT_TICK_MS: positiveInt.default(100),
  // Waits between retries while Redis, Postgres, Kafka or the registry is down (the partition waits).
  PROCESSOR_RETRY_MAX_MS: positiveInt.default(5_000),
});

export interface ProcessorOptions {
  port: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  quizCacheSize: number;
  snapshotTickMs: number;
  retryMaxMs: number;
}

export function loadProcessorOptions(env: NodeJS.ProcessEnv = process.env): ProcessorOptions {
  const e = parseEnv(envSchema, env);
  return {
    port: e.PROCESSOR_PORT,
    sessionTimeoutMs: e.PROCESSOR_SESSION_TIMEOUT_MS,
    heartbeatIntervalMs: e.PROCESSOR_HEARTBEAT_INTERVAL_MS,
    quizCacheSize: e.PROCESSOR_QUIZ_CACHE_SIZE,
    snapshotTickMs: e.PROCESSOR_SNAPSHOT_TICK_MS,
    retryMaxMs: e.PROCESSOR_RETRY_MAX_MS,
  };
}
