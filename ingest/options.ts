import { z } from 'zod';
import { parseEnv, port, positiveInt, proxyTrust, type ProxyTrust } from '../common/config';
import type { RateLimitOptions } from '../common/rate-limit';

// Ingest-only settings. They live here rather than in common/config.ts because no other tier reads
// them; main.ts parses them once, next to loadConfig(). Every value has a unit in its name.

const origins = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

const envSchema = z.object({
  // /metrics (with /healthz and /readyz) for Prometheus, apart from the public API port; 0 picks a free one.
  INGEST_METRICS_PORT: port.default(8180),
  // Per player (JWT sub) on join and answer. A human taps at most a few times per question;
  // 20 per second leaves room for client retries and for load tests that reuse a few players.
  INGEST_RATE_PLAYER_MAX: positiveInt.default(20),
  INGEST_RATE_PLAYER_WINDOW_MS: positiveInt.default(1_000),
  // Per client IP on every /v1 route. A classroom or office behind one NAT address, or a load
  // generator on one machine, must not be throttled at normal game rates: 2000 per second.
  INGEST_RATE_IP_MAX: positiveInt.default(2_000),
  INGEST_RATE_IP_WINDOW_MS: positiveInt.default(1_000),
  // Redis key prefix of the counters; deployments sharing one Redis keep their counts apart with it.
  INGEST_RATE_KEY_PREFIX: z.string().min(1).default('qs:rl:'),
  // Kafka must acknowledge within this or the client gets 503 + Retry-After (never a hang).
  INGEST_PRODUCE_TIMEOUT_MS: positiveInt.default(2_000),
  // Sends still waiting for Kafka; past this, new writes get 503 at once instead of piling up in memory.
  INGEST_MAX_PENDING_SENDS: positiveInt.default(10_000),
  INGEST_BODY_LIMIT_BYTES: positiveInt.default(64 * 1024),
  // Ingest's Redis cache entries live this long after their last write; Postgres rebuilds them.
  INGEST_CACHE_TTL_SECONDS: positiveInt.default(24 * 3600),
  // Lifetime of tokens from POST /v1/auth/dev-token.
  INGEST_DEV_TOKEN_TTL_SECONDS: positiveInt.default(12 * 3600),
  // Close an open question by itself at closesAt, so the reveal happens without the host.
  INGEST_AUTO_CLOSE: z.enum(['true', 'false']).default('true'),
  // Behind a load balancer, so per-IP limits see the client's address: the number of proxies in
  // front, or their addresses/CIDRs (common/config.ts proxyTrust; "true" is refused).
  INGEST_TRUST_PROXY: proxyTrust,
  // Browser origins allowed to call the API (CORS): the web pages push serves. "*" allows any; an
  // empty value none. Players use bearer tokens, never cookies, so no credentials are involved.
  INGEST_CORS_ORIGINS: origins.default('http://127.0.0.1:8090,http://localhost:8090'),
});

export interface IngestOptions {
  metricsPort: number;
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
