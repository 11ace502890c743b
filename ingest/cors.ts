import type { RequestHandler } from 'express';

// Browsers on another origin (the web pages push serves on :8090) call ingest directly, so ingest
// answers CORS for the origins it is told to trust. Nothing here uses cookies: players send a
// bearer token and the host an admin key header, so credentials are never allowed.

const ALLOWED_METHODS = 'GET, POST, DELETE';
const ALLOWED_HEADERS = 'authorization, content-type, x-admin-key, x-request-id';
// Readable by page scripts: the retry advice on 429/503 and where a created quiz lives.
const EXPOSED_HEADERS = 'retry-after, location, www-authenticate, x-request-id';
const PREFLIGHT_MAX_AGE_SECONDS = '600';

/** `origins` holds exact origins (`http://127.0.0.1:8090`) or `*` for any. */
export function corsMiddleware(origins: readonly string[]): RequestHandler {
  const any = origins.includes('*');
  const allowed = new Set(origins);
  return (req, res, next) => {
    const origin = req.headers.origin;
    // The reply depends on Origin, so caches must not hand one origin's reply to another.
    res.vary('Origin');
    if (typeof origin !== 'string' || !(any || allowed.has(origin))) {
      next();
      return;
    }
    res.setHeader('Access-Control-Allow-Origin', origin);
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      res.setHeader('Access-Control-Allow-Methods', ALLOWED_METHODS);
      res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      res.setHeader('Access-Control-Max-Age', PREFLIGHT_MAX_AGE_SECONDS);
      res.status(204).end();
      return;
    }
    res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    next();
  };
}
