import type { Request, RequestHandler } from 'express';
import rateLimit, { type MemoryStore, type Options } from 'express-rate-limit';
import { RateLimitedError } from './errors';

// Per-client limits as ingest and push apply them: the same window and the same 429, whatever
// counts the requests (Redis for ingest's shared counts, this process's memory for push).

export interface RateLimitOptions {
  max: number; // requests
  windowMs: number; // milliseconds
}

/** The window and the 429 every limiter shares, whatever counts its requests. */
export function windowed(limits: RateLimitOptions): Partial<Options> {
  return {
    windowMs: limits.windowMs,
    limit: limits.max,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (req, _res, next) => {
      next(limitedUntil((req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime, limits.windowMs));
    },
  };
}

/** The 429 for a client whose window ends at `resetTime` (a whole window when the store does not say). */
export function limitedUntil(resetTime: Date | undefined, windowMs: number): RateLimitedError {
  const seconds = resetTime ? Math.ceil((resetTime.getTime() - Date.now()) / 1000) : Math.ceil(windowMs / 1000);
  return new RateLimitedError(Math.max(1, seconds));
}

/** The client's address: the socket's peer, or what the trusted proxies say (express "trust proxy"). */
export function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

/**
 * By client address, counted in this process's memory: for a tier whose requests need no shared
 * count (push's reads and stream opens, which each instance can bound on its own). `store`: the
 * counters, when a route served without express (push's lean reads) counts in them too.
 */
export function perIpLocalLimiter(limits: RateLimitOptions, store?: MemoryStore): RequestHandler {
  return rateLimit({ ...windowed(limits), keyGenerator: clientAddress, ...(store ? { store } : {}) });
}
