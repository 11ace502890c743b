import type { ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { requestIdFrom } from '../common/ids';
import type { Logger } from '../common/logger';

const QUIET_PATHS = new Set(['/healthz', '/readyz']);

const isStream = (res: ServerResponse): boolean => String(res.getHeader('content-type') ?? '').startsWith('text/event-stream');

export interface RequestLine {
  reqId: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  /** False for a response cut short; an SSE response never "finishes" normally (the client leaves or we close it). */
  completed: boolean;
}

/**
 * Logs one request at its level: streams at info, other answers below 500 at debug, errors at warn
 * or error. For express (requestLog) and the lean reads alike.
 */
export function logRequest(log: Logger, line: RequestLine, stream: boolean): void {
  if (line.status >= 500 && line.status !== 503) log.error(line, 'request');
  else if (line.status === 503) log.warn(line, 'request');
  // Reads are the hot path (every page polls them); a stream is a visit, logged at info.
  else if (stream) log.info(line, 'request');
  else if (log.isLevelEnabled('debug')) log.debug(line, 'request');
}

/**
 * One line per request when its response closes (for a stream: when the viewer leaves, with how
 * long it stayed). Logs the path only: the query string can hold a player's token.
 */
export function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    const id = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('X-Request-Id', id);
    if (QUIET_PATHS.has(req.path)) {
      next();
      return;
    }
    const started = Date.now();
    res.once('close', () => {
      const line = { reqId: id, method: req.method, path: req.path, status: res.statusCode, durationMs: Date.now() - started, completed: res.writableFinished };
      logRequest(log, line, isStream(res));
    });
    next();
  };
}
