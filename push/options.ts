import { z } from 'zod';
import { parseEnv, port, positiveInt, proxyTrust, type ProxyTrust } from '../common/config';
import { ConfigError } from '../common/errors';
import type { RateLimitOptions } from '../common/rate-limit';

// Push's own settings; what every tier reads is common/config.ts. main.ts parses them once, next to
// loadConfig(). Every value has its unit in its name.

const origins = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
  .pipe(z.array(z.string()).min(1, 'give "*" or a comma-separated list of origins'));

/** Push's settings by variable, with their defaults (push/README.md lists them; a test holds the two together). */
export const PUSH_DEFAULTS = {
  // /metrics (with /healthz and /readyz) for Prometheus, apart from the public port; 0 picks a free one.
  PUSH_METRICS_PORT: 8190,
  // Ingest's base URL as a browser reaches it, told to the pages at /config.json; by default ingest
  // on this host, at INGEST_PORT.
  PUBLIC_INGEST_URL: undefined,
  // Origins allowed to read the streams and leaderboards from a browser; "*" for any. Leaderboards
  // are public and the personal stream authenticates with a token, not cookies, so "*" is safe.
  PUSH_CORS_ORIGINS: '*',
  // A comment line this often keeps proxies and load balancers from closing an idle stream.
  PUSH_HEARTBEAT_MS: 15_000,
  // The `retry:` advice: how long EventSource waits before reconnecting after a drop.
  PUSH_RETRY_MS: 2_000,
  // Push processes behind PUSH_PORT (SO_REUSEPORT: the kernel spreads connections over them), each
  // with its own Kafka feed; one process fans out on one core, so the number of cores uses them all.
  // Above 1, PUSH_PORT must be a fixed port and process i serves /metrics on PUSH_METRICS_PORT + i.
  PUSH_PROCESSES: 1, // processes
  // Open SSE connections per instance; past it a new one gets 503 + Retry-After. About 24 KB each
  // (socket, buffers, viewer), so the default stays far below the memory ceiling below.
  PUSH_MAX_CONNECTIONS: 10_000, // connections
  // Open streams per client address (see PUSH_TRUST_PROXY), so one client cannot hold them all; past
  // it 429. A classroom or an office behind one NAT address needs one or two per person.
  PUSH_MAX_STREAMS_PER_ADDRESS: 500, // streams
  // New streams get 503 once this process's resident memory passes this, whatever the stream count
  // (slow viewers' buffers grow memory too). Keep it below the container's memory limit.
  PUSH_MAX_RSS_BYTES: 768 * 1024 * 1024,
  // Requests per window per client address on /v1 (reads and stream opens), counted per instance.
  PUSH_RATE_IP_MAX: 100, // requests per window
  PUSH_RATE_IP_WINDOW_MS: 1_000,
  // A viewer with this many bytes still unsent gets no new snapshot; it is skipped forward to the
  // latest one once its socket drains. Bounds each viewer's buffer to this plus one snapshot.
  PUSH_VIEWER_SKIP_BYTES: 64 * 1024,
  // Events that cannot be skipped (a player's own results) are never buffered past this: the
  // viewer is disconnected instead and reconnects to read its totals afresh.
  PUSH_VIEWER_MAX_BYTES: 1024 * 1024,
  // A viewer whose buffer has not drained for this long is disconnected as stalled.
  PUSH_VIEWER_STALL_MS: 60_000,
  // Each instance joins its own consumer group (prefix + host + pid + random) to read every partition.
  PUSH_GROUP_ID_PREFIX: 'quizstream-push',
  // Largest ?limit on GET leaderboard; snapshots hold at most SNAPSHOT_TOP_N entries anyway.
  PUSH_LEADERBOARD_MAX_LIMIT: 1_000, // entries
  // GET leaderboard?offset=N without a limit: a page of this many entries.
  PUSH_STANDINGS_PAGE_SIZE: 100, // entries
  // Largest ?around on GET players/:playerId: that many ranks above and below the player.
  PUSH_PLAYER_AROUND_MAX: 50, // ranks each side
  // Quizzes whose latest snapshot is kept checked and serialized in memory (served-snapshots.ts),
  // about twice the snapshot's size each (a top-100 snapshot is ~10 KB); past it the least
  // recently changed is dropped and checked again on its next read.
  PUSH_SNAPSHOT_CACHE_QUIZZES: 2_000, // quizzes
  // On SIGTERM viewers are told to reconnect after this plus a random share of it, so a fleet's
  // viewers do not all land on the remaining instances in the same instant.
  PUSH_SHUTDOWN_RETRY_MS: 1_000,
  // Behind a load balancer, so per-address limits and logs see the client's address: the number of
  // proxies in front, or their addresses/CIDRs (common/config.ts proxyTrust; "true" is refused).
  PUSH_TRUST_PROXY: 'false',
  /** Not settable: the Kafka consumer of quiz.snapshots and quiz.results. */
  consumer: {
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 1_000,
    // An empty poll returns after this; data returns at once. Short, so "positioned" is known fast.
    maxWaitMs: 500,
    // Wait before starting again after a failed start or a crash kafkajs will not restart from.
    restartDelayMs: 2_000,
  },
} as const;

const D = PUSH_DEFAULTS;

const envSchema = z.object({
  PUSH_METRICS_PORT: port.default(D.PUSH_METRICS_PORT),
  PUBLIC_INGEST_URL: z.string().url().optional(),
  PUSH_CORS_ORIGINS: origins.default(D.PUSH_CORS_ORIGINS),
  PUSH_HEARTBEAT_MS: positiveInt.default(D.PUSH_HEARTBEAT_MS),
  PUSH_PROCESSES: positiveInt.default(D.PUSH_PROCESSES),
  PUSH_RETRY_MS: positiveInt.default(D.PUSH_RETRY_MS),
  PUSH_MAX_CONNECTIONS: positiveInt.default(D.PUSH_MAX_CONNECTIONS),
  PUSH_MAX_STREAMS_PER_ADDRESS: positiveInt.default(D.PUSH_MAX_STREAMS_PER_ADDRESS),
  PUSH_MAX_RSS_BYTES: positiveInt.default(D.PUSH_MAX_RSS_BYTES),
  PUSH_RATE_IP_MAX: positiveInt.default(D.PUSH_RATE_IP_MAX),
  PUSH_RATE_IP_WINDOW_MS: positiveInt.default(D.PUSH_RATE_IP_WINDOW_MS),
  PUSH_VIEWER_SKIP_BYTES: positiveInt.default(D.PUSH_VIEWER_SKIP_BYTES),
  PUSH_VIEWER_MAX_BYTES: positiveInt.default(D.PUSH_VIEWER_MAX_BYTES),
  PUSH_VIEWER_STALL_MS: positiveInt.default(D.PUSH_VIEWER_STALL_MS),
  PUSH_GROUP_ID_PREFIX: z.string().min(1).default(D.PUSH_GROUP_ID_PREFIX),
  PUSH_LEADERBOARD_MAX_LIMIT: positiveInt.default(D.PUSH_LEADERBOARD_MAX_LIMIT),
  PUSH_STANDINGS_PAGE_SIZE: positiveInt.default(D.PUSH_STANDINGS_PAGE_SIZE),
  PUSH_PLAYER_AROUND_MAX: positiveInt.default(D.PUSH_PLAYER_AROUND_MAX),
  PUSH_SNAPSHOT_CACHE_QUIZZES: positiveInt.default(D.PUSH_SNAPSHOT_CACHE_QUIZZES),
  PUSH_SHUTDOWN_RETRY_MS: positiveInt.default(D.PUSH_SHUTDOWN_RETRY_MS),
  PUSH_TRUST_PROXY: proxyTrust,
});

export interface ReadLimits {
  /** Largest ?limit (entries). */
  leaderboardMaxLimit: number;
  /** Entries in a page when ?offset comes without ?limit. */
  standingsPageSize: number;
  /** Largest ?around (ranks each side). */
  playerAroundMax: number;
}

export interface ViewerLimits {
  skipBytes: number; // bytes
  maxBytes: number; // bytes
  stallMs: number; // milliseconds
}

export interface PushOptions {
  metricsPort: number;
  /** Ingest's base URL as a browser reaches it (PUBLIC_INGEST_URL); undefined: ingest on this host, at INGEST_PORT. */
  publicIngestUrl: string | undefined;
  /** ['*'] or exact origins. */
  corsOrigins: string[];
  heartbeatMs: number;
  retryMs: number;
  /** Processes serving the port together (common/processes.ts); the limits below are per process. */
  processes: number;
  maxConnections: number;
  maxStreamsPerAddress: number;
  maxRssBytes: number;
  rateLimit: RateLimitOptions;
  viewer: ViewerLimits;
  groupIdPrefix: string;
  reads: ReadLimits;
  snapshotCacheQuizzes: number;
  shutdownRetryMs: number;
  trustProxy: ProxyTrust;
  consumer: ConsumerTimings;
}

export interface ConsumerTimings {
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  maxWaitMs: number;
  restartDelayMs: number;
}

export function loadPushOptions(env: NodeJS.ProcessEnv = process.env): PushOptions {
  const e = parseEnv(envSchema, env);
  if (e.PUSH_STANDINGS_PAGE_SIZE > e.PUSH_LEADERBOARD_MAX_LIMIT) {
    throw new ConfigError(['PUSH_STANDINGS_PAGE_SIZE: must be at most PUSH_LEADERBOARD_MAX_LIMIT']);
  }
  if (e.PUSH_VIEWER_MAX_BYTES < e.PUSH_VIEWER_SKIP_BYTES) {
    throw new ConfigError(['PUSH_VIEWER_MAX_BYTES: must be at least PUSH_VIEWER_SKIP_BYTES']);
  }
  return {
    metricsPort: e.PUSH_METRICS_PORT,
    publicIngestUrl: e.PUBLIC_INGEST_URL,
    corsOrigins: e.PUSH_CORS_ORIGINS,
    heartbeatMs: e.PUSH_HEARTBEAT_MS,
    retryMs: e.PUSH_RETRY_MS,
    processes: e.PUSH_PROCESSES,
    maxConnections: e.PUSH_MAX_CONNECTIONS,
    maxStreamsPerAddress: e.PUSH_MAX_STREAMS_PER_ADDRESS,
    maxRssBytes: e.PUSH_MAX_RSS_BYTES,
    rateLimit: { max: e.PUSH_RATE_IP_MAX, windowMs: e.PUSH_RATE_IP_WINDOW_MS },
    viewer: { skipBytes: e.PUSH_VIEWER_SKIP_BYTES, maxBytes: e.PUSH_VIEWER_MAX_BYTES, stallMs: e.PUSH_VIEWER_STALL_MS },
    groupIdPrefix: e.PUSH_GROUP_ID_PREFIX,
    reads: { leaderboardMaxLimit: e.PUSH_LEADERBOARD_MAX_LIMIT, standingsPageSize: e.PUSH_STANDINGS_PAGE_SIZE, playerAroundMax: e.PUSH_PLAYER_AROUND_MAX },
    snapshotCacheQuizzes: e.PUSH_SNAPSHOT_CACHE_QUIZZES,
    shutdownRetryMs: e.PUSH_SHUTDOWN_RETRY_MS,
    trustProxy: e.PUSH_TRUST_PROXY,
    consumer: { ...D.consumer },
  };
}
