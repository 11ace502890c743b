import { z } from 'zod';
import { parseEnv, port, positiveInt, proxyTrust, type ProxyTrust } from '../common/config';
import type { RateLimitOptions } from '../common/rate-limit';

// Ingest's own settings; what every tier reads is common/config.ts. main.ts parses them once, next
// to loadConfig(). Every value has its unit in its name.

const origins = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

/** Ingest's settings by variable, with their defaults (ingest/README.md lists them; a test holds the two together). */
export const INGEST_DEFAULTS = {
  // /metrics (with /healthz and /readyz) for Prometheus, apart from the public API port; 0 picks a free one.
  INGEST_METRICS_PORT: 8180,
  // Ingest processes behind INGEST_PORT (SO_REUSEPORT: the kernel spreads connections over them);
  // one process accepts answers on one core, so the number of cores uses them all. Their limits,
  // first-answer claims and markers are in Redis, so N processes act as N instances would.
  // Above 1, INGEST_PORT must be a fixed port and process i serves /metrics on INGEST_METRICS_PORT + i.
  INGEST_PROCESSES: 1, // processes
  // Per player (JWT sub) on join and answer. A human taps at most a few times per question;
  // 20 per second leaves room for client retries and for load tests that reuse a few players.
  INGEST_RATE_PLAYER_MAX: 20, // requests per window
  INGEST_RATE_PLAYER_WINDOW_MS: 1_000,
  // Per client IP on every /v1 route. A classroom or office behind one NAT address, or a load
  // generator on one machine, must not be throttled at normal game rates: 2000 per second.
  INGEST_RATE_IP_MAX: 2_000, // requests per window
  INGEST_RATE_IP_WINDOW_MS: 1_000,
  // Redis key prefix of the counters; deployments sharing one Redis keep their counts apart with it.
  INGEST_RATE_KEY_PREFIX: 'qs:rl:',
  // Kafka must acknowledge within this or the client gets 503 + Retry-After (never a hang).
  INGEST_PRODUCE_TIMEOUT_MS: 2_000,
  // Sends still waiting for Kafka; past this, new writes get 503 at once instead of piling up in memory.
  INGEST_MAX_PENDING_SENDS: 10_000, // sends
  INGEST_BODY_LIMIT_BYTES: 64 * 1024,
  // Ingest's Redis cache entries live this long after their last write; Postgres rebuilds them.
  INGEST_CACHE_TTL_SECONDS: 24 * 3600,
  // Lifetime of tokens from POST /v1/auth/dev-token.
  INGEST_DEV_TOKEN_TTL_SECONDS: 12 * 3600,
  // Close an open question by itself at closesAt, so the reveal happens without the host.
  INGEST_AUTO_CLOSE: 'true',
  // Behind a load balancer, so per-IP limits see the client's address: the number of proxies in
  // front, or their addresses/CIDRs (common/config.ts proxyTrust; "true" is refused).
  INGEST_TRUST_PROXY: 'false',
  // Browser origins allowed to call the API (CORS): the web pages push serves. "*" allows any; an
  // empty value none. Players use bearer tokens, never cookies, so no credentials are involved.
  INGEST_CORS_ORIGINS: 'http://127.0.0.1:8090,http://localhost:8090',
} as const;

const D = INGEST_DEFAULTS;

const envSchema = z.object({
  INGEST_METRICS_PORT: port.default(D.INGEST_METRICS_PORT),
  INGEST_PROCESSES: positiveInt.default(D.INGEST_PROCESSES),
  INGEST_RATE_PLAYER_MAX: positiveInt.default(D.INGEST_RATE_PLAYER_MAX),
  INGEST_RATE_PLAYER_WINDOW_MS: positiveInt.default(D.INGEST_RATE_PLAYER_WINDOW_MS),
  INGEST_RATE_IP_MAX: positiveInt.default(D.INGEST_RATE_IP_MAX),
  INGEST_RATE_IP_WINDOW_MS: positiveInt.default(D.INGEST_RATE_IP_WINDOW_MS),
  INGEST_RATE_KEY_PREFIX: z.string().min(1).default(D.INGEST_RATE_KEY_PREFIX),
  INGEST_PRODUCE_TIMEOUT_MS: positiveInt.default(D.INGEST_PRODUCE_TIMEOUT_MS),
  INGEST_MAX_PENDING_SENDS: positiveInt.default(D.INGEST_MAX_PENDING_SENDS),
  INGEST_BODY_LIMIT_BYTES: positiveInt.default(D.INGEST_BODY_LIMIT_BYTES),
  INGEST_CACHE_TTL_SECONDS: positiveInt.default(D.INGEST_CACHE_TTL_SECONDS),
  INGEST_DEV_TOKEN_TTL_SECONDS: positiveInt.default(D.INGEST_DEV_TOKEN_TTL_SECONDS),
  INGEST_AUTO_CLOSE: z.enum(['true', 'false']).default(D.INGEST_AUTO_CLOSE),
  INGEST_TRUST_PROXY: proxyTrust,
  INGEST_CORS_ORIGINS: origins.default(D.INGEST_CORS_ORIGINS),
});

export interface IngestOptions {
  metricsPort: number;
  /** Processes serving the port together (common/processes.ts). */
  processes: number;
  rateLimit: { player: RateLimitOptions; ip: RateLimitOptions; keyPrefix: string };
  produceTimeoutMs: number;
  maxPendingSends: number;
  bodyLimitBytes: number;
  cacheTtlSeconds: number;
  devTokenTtlSeconds: number;
  autoClose: boolean;
  trustProxy: ProxyTrust;
  /** Exact origins, or ['*']; empty disables CORS. */
  corsOrigins: string[];
}

export function loadIngestOptions(env: NodeJS.ProcessEnv = process.env): IngestOptions {
  const e = parseEnv(envSchema, env);
  return {
    metricsPort: e.INGEST_METRICS_PORT,
    processes: e.INGEST_PROCESSES,
    rateLimit: {
      player: { max: e.INGEST_RATE_PLAYER_MAX, windowMs: e.INGEST_RATE_PLAYER_WINDOW_MS },
      ip: { max: e.INGEST_RATE_IP_MAX, windowMs: e.INGEST_RATE_IP_WINDOW_MS },
      keyPrefix: e.INGEST_RATE_KEY_PREFIX,
    },
    produceTimeoutMs: e.INGEST_PRODUCE_TIMEOUT_MS,
    maxPendingSends: e.INGEST_MAX_PENDING_SENDS,
    bodyLimitBytes: e.INGEST_BODY_LIMIT_BYTES,
    cacheTtlSeconds: e.INGEST_CACHE_TTL_SECONDS,
    devTokenTtlSeconds: e.INGEST_DEV_TOKEN_TTL_SECONDS,
    autoClose: e.INGEST_AUTO_CLOSE === 'true',
    trustProxy: e.INGEST_TRUST_PROXY,
    corsOrigins: e.INGEST_CORS_ORIGINS,
  };
}
