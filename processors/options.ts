import { z } from 'zod';
import { parseEnv, port, positiveInt } from '../common/config';

// The processor's own settings; what every tier reads is common/config.ts. main.ts parses them
// once, next to loadConfig(). Every value has its unit in its name.

/** The processor's settings by variable, with their defaults (processors/README.md lists them; a test holds the two together). */
export const PROCESSOR_DEFAULTS = {
  PROCESSOR_PORT: 8095, // operational routes: /healthz, /readyz, /metrics
  // The consumer group all processor instances share; a new one replays quiz.events from the start.
  PROCESSOR_GROUP_ID: 'quizstream-processors',
  // A chunk is flushed (Postgres transaction + offset commit) at this many messages or after this long.
  BATCH_MAX_MESSAGES: 5_000, // messages
  BATCH_MAX_WAIT_MS: 500,
  // What one fetch brings of a partition. kafkajs' default (1 MiB, ~8,000 answers) made a backlog
  // end a fetched batch every one or two chunks, and each end waits for its last Postgres
  // transaction while nothing else runs; with 8 MiB that wait comes every ~70,000 answers.
  PROCESSOR_FETCH_MAX_BYTES: 8 * 1024 * 1024, // bytes per partition
  // At most one ranking snapshot per quiz per window, with this many entries.
  SNAPSHOT_THROTTLE_MS: 500,
  SNAPSHOT_TOP_N: 100, // entries
  // A member that stops heartbeating (SIGKILL, a frozen VM) keeps its partitions this long before
  // the group hands them to another processor. 6 s is the least a broker accepts by default
  // (group.min.session.timeout.ms); heartbeats go out after every chunk and between retries.
  PROCESSOR_SESSION_TIMEOUT_MS: 6_000,
  PROCESSOR_HEARTBEAT_INTERVAL_MS: 500,
  // How long a rebalance waits for the members to rejoin. A member killed while its own JoinGroup
  // was pending is only dropped when this runs out (the session timeout does not apply to it), so it
  // bounds failover too; a live member rejoins within a chunk (or one retry wait) of being told.
  PROCESSOR_REBALANCE_TIMEOUT_MS: 6_000,
  // A name that stays with this instance across restarts (the pod's name), or empty. With one, a
  // restarted instance removes its crashed predecessor's member from the group at start-up, so the
  // partitions move at once rather than after the session timeout (processors/group-succession.ts).
  // Give each running instance its own.
  PROCESSOR_INSTANCE_ID: '',
  // Question metadata of this many quizzes stays in memory; older ones are reloaded from Postgres.
  PROCESSOR_QUIZ_CACHE_SIZE: 10_000, // quizzes
  // How often the periodic snapshot tick looks for quizzes whose window has passed, behind the
  // one-shot timer set for the earliest window's end: it retries a publish that failed. A look that
  // finds nothing due costs no Redis round trip.
  PROCESSOR_SNAPSHOT_TICK_MS: 25,
  // Waits between retries while Redis, Postgres, Kafka or the registry is down (the partition waits).
  PROCESSOR_RETRY_MAX_MS: 5_000,
} as const;

const D = PROCESSOR_DEFAULTS;

const envSchema = z.object({
  PROCESSOR_PORT: port.default(D.PROCESSOR_PORT),
  PROCESSOR_GROUP_ID: z.string().min(1).default(D.PROCESSOR_GROUP_ID),
  BATCH_MAX_MESSAGES: positiveInt.default(D.BATCH_MAX_MESSAGES),
  BATCH_MAX_WAIT_MS: positiveInt.default(D.BATCH_MAX_WAIT_MS),
  PROCESSOR_FETCH_MAX_BYTES: positiveInt.default(D.PROCESSOR_FETCH_MAX_BYTES),
  SNAPSHOT_THROTTLE_MS: positiveInt.default(D.SNAPSHOT_THROTTLE_MS),
  SNAPSHOT_TOP_N: positiveInt.default(D.SNAPSHOT_TOP_N),
  PROCESSOR_SESSION_TIMEOUT_MS: positiveInt.default(D.PROCESSOR_SESSION_TIMEOUT_MS),
  PROCESSOR_HEARTBEAT_INTERVAL_MS: positiveInt.default(D.PROCESSOR_HEARTBEAT_INTERVAL_MS),
  PROCESSOR_REBALANCE_TIMEOUT_MS: positiveInt.default(D.PROCESSOR_REBALANCE_TIMEOUT_MS),
  PROCESSOR_INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{0,200}$/, 'letters, digits, ".", "_" and "-", at most 200')
    .default(D.PROCESSOR_INSTANCE_ID),
  PROCESSOR_QUIZ_CACHE_SIZE: positiveInt.default(D.PROCESSOR_QUIZ_CACHE_SIZE),
  PROCESSOR_SNAPSHOT_TICK_MS: positiveInt.default(D.PROCESSOR_SNAPSHOT_TICK_MS),
  PROCESSOR_RETRY_MAX_MS: positiveInt.default(D.PROCESSOR_RETRY_MAX_MS),
});

export interface ProcessorOptions {
  port: number;
  groupId: string;
  batchMaxMessages: number;
  batchMaxWaitMs: number;
  fetchMaxBytes: number;
  snapshotThrottleMs: number;
  snapshotTopN: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  instanceId: string;
  quizCacheSize: number;
  snapshotTickMs: number;
  retryMaxMs: number;
}

export function loadProcessorOptions(env: NodeJS.ProcessEnv = process.env): ProcessorOptions {
  const e = parseEnv(envSchema, env);
  return {
    port: e.PROCESSOR_PORT,
    groupId: e.PROCESSOR_GROUP_ID,
    batchMaxMessages: e.BATCH_MAX_MESSAGES,
    batchMaxWaitMs: e.BATCH_MAX_WAIT_MS,
    fetchMaxBytes: e.PROCESSOR_FETCH_MAX_BYTES,
    snapshotThrottleMs: e.SNAPSHOT_THROTTLE_MS,
    snapshotTopN: e.SNAPSHOT_TOP_N,
    sessionTimeoutMs: e.PROCESSOR_SESSION_TIMEOUT_MS,
    heartbeatIntervalMs: e.PROCESSOR_HEARTBEAT_INTERVAL_MS,
    rebalanceTimeoutMs: e.PROCESSOR_REBALANCE_TIMEOUT_MS,
    instanceId: e.PROCESSOR_INSTANCE_ID,
    quizCacheSize: e.PROCESSOR_QUIZ_CACHE_SIZE,
    snapshotTickMs: e.PROCESSOR_SNAPSHOT_TICK_MS,
    retryMaxMs: e.PROCESSOR_RETRY_MAX_MS,
  };
}
