import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';

/** Sets the CORS headers of a request that is not a preflight; for express and the lean reads alike. */
export type CorsHeaders = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * CORS for browser clients on other origins (a quiz page served elsewhere). Only GETs exist here and
 * no cookies are used (the personal stream takes a bearer token), so credentials are never allowed.
 */
export function corsHeaders(allowedOrigins: string[]): CorsHeaders {
  const anyOrigin = allowedOrigins.includes('*');
  const allowed = new Set(allowedOrigins);
  return (req, res) => {
    const origin = req.headers.origin;
    if (anyOrigin) {
      res.setHeader('Access-Control-Allow-Origin', '*');
    } else {
      // The answer depends on the Origin header, so shared caches must key on it.
      res.appendHeader('Vary', 'Origin');
      if (origin !== undefined && allowed.has(origin)) res.setHeader('Access-Control-Allow-Origin', origin);
    }
    res.setHeader('Access-Control-Expose-Headers', 'Retry-After, X-Request-Id');
  };
}

export function cors(allowedOrigins: string[]): RequestHandler {
  const headers = corsHeaders(allowedOrigins);
  return (req, res, next) => {
    headers(req, res);
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Last-Event-ID, Cache-Control');
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  };
}
