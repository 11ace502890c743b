import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';

// Browsers on another origin (the web pages push serves on :8090) call ingest directly, so ingest
// answers CORS for the origins it is told to trust. Nothing here uses cookies: players send a
// bearer token and the host an admin key header, so credentials are never allowed.

const ALLOWED_METHODS = 'GET, POST, DELETE';
const ALLOWED_HEADERS = 'authorization, content-type, x-admin-key, x-request-id';
// Readable by page scripts: the retry advice on 429/503 and where a created quiz lives.
const EXPOSED_HEADERS = 'retry-after, location, www-authenticate, x-request-id';
const PREFLIGHT_MAX_AGE_SECONDS = '600';

/**
 * Sets the CORS headers of a reply; true when the request was a preflight, answered here (204).
 * `origins` holds exact origins (`http://127.0.0.1:8090`) or `*` for any. On node:http objects, so
 * the hot routes (hot/routes.ts) answer CORS exactly like express.
 */
export function corsResponder(origins: readonly string[]): (req: IncomingMessage, res: ServerResponse) => boolean {
  const any = origins.includes('*');
  const allowed = new Set(origins);
  return (req, res) => {
    const origin = req.headers.origin;
    // The reply depends on Origin, so caches must not hand one origin's reply to another.
    varyOnOrigin(res);
    if (typeof origin !== 'string' || !(any || allowed.has(origin))) return false;
    res.setHeader('Access-Control-Allow-Origin', origin);
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      res.setHeader('Access-Control-Allow-Methods', ALLOWED_METHODS);
      res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      res.setHeader('Access-Control-Max-Age', PREFLIGHT_MAX_AGE_SECONDS);
      res.statusCode = 204;
      res.end();
      return true;
    }
    res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    return false;
  };
}

function varyOnOrigin(res: ServerResponse): void {
  const current = res.getHeader('Vary');
  if (current === undefined) res.setHeader('Vary', 'Origin');
  else if (!String(current).split(/\s*,\s*/).some((v) => v.toLowerCase() === 'origin' || v === '*')) res.setHeader('Vary', `${String(current)}, Origin`);
}

export function corsMiddleware(origins: readonly string[]): RequestHandler {
  const respond = corsResponder(origins);
  return (req, res, next) => {
    if (!respond(req, res)) next();
  };
}
