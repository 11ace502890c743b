import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { Registry } from 'prom-client';
import { AppError, NotFoundError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from './errors';
import type { Logger } from './logger';

export type ReadinessCheck = () => Promise<void>;

/** /healthz (the process lives) and /readyz (its dependencies answer). */
export function mountHealthRoutes(app: Express, checks: Record<string, ReadinessCheck>): void {
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await withTimeout(check(), 2_000, name);
          return [name, 'ok'] as const;
        } catch (err) {
          return [name, (err as Error).message] as const;
        }
      }),
    );
    const ready = results.every(([, r]) => r === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks: Object.fromEntries(results) });
  });
}

/** The health routes and /metrics (Prometheus), for a port only operators and Prometheus reach. */
export function mountOperationalRoutes(app: Express, checks: Record<string, ReadinessCheck>, metrics: Registry): void {
  mountHealthRoutes(app, checks);
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.metrics());
  });
}

/**
 * The operational port of a tier whose main port is public (ingest, push): metrics show the Node
 * version, every route and its rates, which is the operator's business, not the internet's.
 */
export function createOperationalApp(checks: Record<string, ReadinessCheck>, metrics: Registry): Express {
  const app = express();
  app.disable('x-powered-by');
  mountOperationalRoutes(app, checks, metrics);
  return app;
}

export function notFoundHandler(): RequestHandler {
  return (req, _res, next) => next(new NotFoundError(`no route for ${req.method} ${req.path}`, 'route_not_found'));
}

/** Maps every error to {"error": {...}}; bad input is always a 4xx, never a 5xx. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    const appError = toAppError(err);
    if (appError.status >= 500 && !(err instanceof AppError)) log.error({ err }, 'unhandled error');
    if (appError.status === 503 || appError.status === 429) {
      const retryAfter = (appError as { retryAfterSeconds?: number }).retryAfterSeconds ?? 1;
      res.setHeader('Retry-After', String(retryAfter));
    }
    res.status(appError.status).json(appError.toJSON());
  };
}

/** The client's view of any error: ours as they are, body-parser's 4xx by type, anything else a 500. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as { type?: string; status?: number; message?: string };
  // body-parser's own errors carry a type and a 4xx status.
  if (e?.type === 'entity.too.large') return new PayloadTooLargeError();
  if (e?.type === 'entity.parse.failed') return new ValidationError('request body is not valid JSON');
  if (e?.type === 'charset.unsupported' || e?.type === 'encoding.unsupported') return new UnsupportedMediaTypeError(e.message ?? 'unsupported body encoding');
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return new AppError('bad_request', e.message ?? 'bad request', undefined, e.status);
  }
  return new AppError('internal', 'internal error');
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
