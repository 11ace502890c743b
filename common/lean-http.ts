import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';
import proxyaddr from 'proxy-addr';
import type { ProxyTrust } from './config';
import { AppError } from './errors';
import { toAppError } from './http';
import type { Logger } from './logger';

// Replies for the routes a tier serves on plain node:http before express (ingest's hot writes,
// push's reads), answering as express would: the same JSON, the error body and headers of
// common/http.ts errorHandler.

/** A JSON reply; `body` already serialized (a string or the bytes to send as they are) or a value to stringify. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  // One writeHead with the rest of the headers: cheaper than a setHeader each.
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length });
  res.end(payload);
}

/** As common/http.ts errorHandler: the error JSON, Retry-After on 429 and 503, a 500 logged. Returns the status. */
export function sendError(res: ServerResponse, err: unknown, log: Logger): number {
  const appError = toAppError(err);
  if (appError.status >= 500 && !(err instanceof AppError)) log.error({ err }, 'unhandled error');
  if (appError.status === 503 || appError.status === 429) {
    res.setHeader('Retry-After', String((appError as { retryAfterSeconds?: number }).retryAfterSeconds ?? 1));
  }
  sendJson(res, appError.status, appError.toJSON());
  return appError.status;
}

/** A path segment as express decodes a route parameter; undefined when it does not decode (express answers that). */
export function decodedSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch (err) {
    if (err instanceof URIError) return undefined;
    throw err;
  }
}

/** express's compiled "trust proxy" setting, for the address the limits count. */
export type ProxyTrustFn = (address: string, hop: number) => boolean;

/** The app's compiled "trust proxy" function; undefined when no proxy is trusted. */
export function proxyTrustOf(app: Express, setting: ProxyTrust): ProxyTrustFn | undefined {
  return setting === false ? undefined : (app.get('trust proxy fn') as ProxyTrustFn);
}

/** The client's address as express's req.ip gives it. With no proxy trusted it is the peer (X-Forwarded-For is not worth parsing). */
export function peerAddress(req: IncomingMessage, trust: ProxyTrustFn | undefined): string {
  return trust ? proxyaddr(req, trust) : (req.socket.remoteAddress ?? 'unknown');
}
