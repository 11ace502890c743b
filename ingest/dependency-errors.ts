import { ReplyError } from 'ioredis';
import type { RedisClient } from '../common/redis';
import { DatabaseError } from 'pg';
import { AppError, RedisTimeout, UnavailableError } from '../common/errors';

// A request must never turn a dependency outage into a 500: Redis or Postgres being unreachable is
// a 503 the client may retry. Errors that mean our own query is wrong stay errors (500, logged).

// Postgres SQLSTATE classes that mean "try again later": connection exceptions (08), operator
// intervention such as a shutting-down server (57P), insufficient resources (53), and transaction
// conflicts that a retry resolves (40001 serialization, 40P01 deadlock, 55P03 lock timeout).
const PG_RETRIABLE = /^(08|57P|53)|^40001$|^40P01$|^55P03$/;

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Refused or dropped connections and client-side timeouts, as Node, pg and ioredis report them. */
function isConnectionFailure(err: unknown): boolean {
  if (!(err instanceof Error) || err instanceof AppError) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  if (err.name === 'MaxRetriesPerRequestError') return true;
  return /connection|connect|terminated|closed|timeout|writeable/i.test(err.message);
}

export function isPostgresOutage(err: unknown): boolean {
  if (err instanceof DatabaseError) return PG_RETRIABLE.test(err.code ?? '');
  return isConnectionFailure(err);
}

// Replies of a Redis Cluster in transition (a failover, a slot moving, a node loading its data):
// the same command succeeds once the cluster settles, so the client is told to retry.
const CLUSTER_IN_TRANSITION = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN|LOADING|MASTERDOWN|READONLY)\b/;

export function isRedisOutage(err: unknown): boolean {
  // Any other ReplyError is Redis answering "no" (wrong type, script error): our bug, not an outage.
  if (err instanceof ReplyError) return CLUSTER_IN_TRANSITION.test((err as Error).message);
  return isConnectionFailure(err);
}

// ioredis queues commands while it reconnects and backs off longer after each failed attempt, so a
// command sent during an outage could wait many seconds. Fail at once while the client knows it is
// disconnected, and give a command on a live-looking connection at most this long.
const REDIS_DOWN = new Set(['reconnecting', 'close', 'end']);
export const REDIS_COMMAND_TIMEOUT_MS = 1_000;

function redisUnavailable(what: string, reason: string): UnavailableError {
  return new UnavailableError(`redis unavailable (${what}): ${reason}`, 1, 'cache_unavailable');
}

export async function guardRedis<T>(redis: RedisClient, what: string, fn: () => Promise<T>): Promise<T> {
  if (REDIS_DOWN.has(redis.status)) throw redisUnavailable(what, `connection ${redis.status}`);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RedisTimeout(`no reply within ${REDIS_COMMAND_TIMEOUT_MS} ms`)), REDIS_COMMAND_TIMEOUT_MS);
  });
  try {
    return await Promise.race([fn(), deadline]);
  } catch (err) {
    if (err instanceof RedisTimeout || isRedisOutage(err)) throw redisUnavailable(what, (err as Error).message);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

export async function guardPostgres<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isPostgresOutage(err)) throw new UnavailableError(`postgres unavailable (${what}): ${(err as Error).message}`, 1, 'database_unavailable');
    throw err;
  }
}
