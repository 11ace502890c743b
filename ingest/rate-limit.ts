import type { Request, RequestHandler, Response } from 'express';
import { isCluster, type RedisClient } from '../common/redis';
import rateLimit, { type IncrementResponse, type Options, type Store } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { Logger } from '../common/logger';
import { clientAddress, windowed, type RateLimitOptions } from '../common/rate-limit';
import { guardRedis } from './dependency-errors';

// Fixed-window counters in Redis, shared by every ingest instance. When Redis cannot count, the
// request gets a 503 (the answer path needs Redis anyway) rather than passing unlimited.

class OutageAwareStore implements Store {
  readonly localKeys = false;
  readonly prefix: string;

  constructor(
    private readonly inner: RedisStore,
    private readonly redis: RedisClient,
  ) {
    this.prefix = inner.prefix;
  }

  init(options: Options): void {
    this.inner.init(options);
  }

  increment(key: string): Promise<IncrementResponse> {
    return guardRedis(this.redis, 'rate limit', () => this.inner.increment(key));
  }

  decrement(key: string): Promise<void> {
    return guardRedis(this.redis, 'rate limit', () => this.inner.decrement(key));
  }

  resetKey(key: string): Promise<void> {
    return guardRedis(this.redis, 'rate limit', () => this.inner.resetKey(key));
  }
}

/**
 * On a Redis Cluster the store's SCRIPT LOAD (no key: any node) and its EVALSHA (the key's node)
 * would meet different nodes and fail with NOSCRIPT; so a script is loaded on every primary, and the
 * store reloads it that way after a failover brought a primary that lacks it.
 */
function clusterAware(redis: RedisClient): ConstructorParameters<typeof RedisStore>[0] {
  if (!isCluster(redis)) return { sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as Promise<RedisReply> };
  return {
    sendCommandCluster: async ({ command: [name, ...args] }) => {
      if (name?.toUpperCase() !== 'SCRIPT') return (await redis.call(name!, ...args)) as RedisReply;
      const primaries = redis.nodes('master');
      // Not connected yet: one node now; the NOSCRIPT that may follow reloads it on all of them.
      if (primaries.length === 0) return (await redis.call('SCRIPT', ...args)) as RedisReply;
      const shas = await Promise.all(primaries.map((node) => node.call('SCRIPT', ...args)));
      return shas[0] as RedisReply;
    },
  };
}

function redisStore(redis: RedisClient, prefix: string, scope: string, log: Logger): Store {
  const inner = new RedisStore({ prefix: `${prefix}${scope}:`, ...clusterAware(redis) });
  // The store loads its Lua scripts as soon as it is built; with Redis down that load fails, and
  // the store reloads on first use. Observe the failure here so it is logged, not unhandled.
  for (const loading of [inner.incrementScriptSha, inner.getScriptSha]) {
    loading.catch((err: unknown) => log.warn({ err, scope }, 'rate limiter could not preload its script; it retries on use'));
  }
  return new OutageAwareStore(inner, redis);
}

export interface LimiterDeps {
  redis: RedisClient;
  keyPrefix: string;
  log: Logger;
}

function limiter(deps: LimiterDeps, scope: string, limits: RateLimitOptions, key: (req: Request, res: Response) => string): RequestHandler {
  return rateLimit({ ...windowed(limits), store: redisStore(deps.redis, deps.keyPrefix, scope, deps.log), keyGenerator: key });
}

/** Every /v1 request, by client address (see INGEST_TRUST_PROXY behind a load balancer). */
export function perIpLimiter(deps: LimiterDeps, limits: RateLimitOptions): RequestHandler {
  return limiter(deps, 'ip', limits, clientAddress);
}

/** Player routes, by the token's subject, after authentication. */
export function perPlayerLimiter(deps: LimiterDeps, limits: RateLimitOptions): RequestHandler {
  return limiter(deps, 'player', limits, (_req, res) => (res.locals.player as { playerId: string }).playerId);
}
