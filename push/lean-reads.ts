import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { MemoryStore } from 'express-rate-limit';
import type { HttpObserver } from '../common/http-metrics';
import { requestIdFrom } from '../common/ids';
import { decodedSegment, peerAddress, sendError, sendJson, type ProxyTrustFn } from '../common/lean-http';
import type { Logger } from '../common/logger';
import { limitedUntil, type RateLimitOptions } from '../common/rate-limit';
import type { CorsHeaders } from './cors';
import { logRequest } from './request-log';
import { READ_HEADERS, type StandingsReads } from './standings-reads';

// GET leaderboard and GET player standing are what every open page polls, so they are served on
// node:http before express sees the request: no router, no middleware chain, the answer is the
// stored snapshot's bytes or one Redis script's reply (standings-reads.ts, shared with the express
// routes). They answer as express would, in its order: request id, CORS headers, the per-address
// limit (the same in-memory counters as express's limiter for every other /v1 route), then the
// route. Like ingest's hot routes they send no draft-7 RateLimit headers. Anything else (HEAD, a
// trailing slash, paths the router would match case-insensitively) goes to express.

const LEADERBOARD_ROUTE = '/v1/quizzes/:quizId/leaderboard';
const PLAYER_ROUTE = '/v1/quizzes/:quizId/players/:playerId';
const READ_PATH = /^\/v1\/quizzes\/([^/?#]+)\/(?:leaderboard|players\/([^/?#]+))(?:\?(.*))?$/;

export interface LeanReadDeps {
  reads: StandingsReads;
  /** The store express's per-address limiter counts in (common/rate-limit.ts perIpLocalLimiter). */
  limitStore: MemoryStore;
  limit: RateLimitOptions;
  /** express's compiled "trust proxy" setting, so the limit counts the same address; undefined when no proxy is trusted. */
  trustProxy: ProxyTrustFn | undefined;
  cors: CorsHeaders;
  observe: HttpObserver;
  log: Logger;
}

export class LeanReads {
  constructor(private readonly d: LeanReadDeps) {}

  /** Serves the two reads; everything else goes to `fallback`. */
  listener(fallback: RequestListener): RequestListener {
    return (req, res) => {
      const match = req.method === 'GET' ? READ_PATH.exec(req.url ?? '') : null;
      const quizId = match ? decodedSegment(match[1]!) : undefined;
      const playerId = match?.[2] === undefined ? null : decodedSegment(match[2]);
      if (!match || quizId === undefined || playerId === undefined) {
        fallback(req, res);
        return;
      }
      void this.serve(req, res, quizId, playerId, match[3]);
    };
  }

  /** `playerId` null: the leaderboard route. */
  private async serve(req: IncomingMessage, res: ServerResponse, quizId: string, playerId: string | null, rawQuery: string | undefined): Promise<void> {
    const started = process.hrtime.bigint();
    const reqId = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('X-Request-Id', reqId);
    this.d.cors(req, res);
    let status = 200;
    try {
      await this.countAddress(req);
      // express's "simple" query parser (node:querystring): a repeated parameter is an array, which the params refuse.
      const query = rawQuery === undefined ? {} : parseQuery(rawQuery);
      const body =
        playerId === null
          ? await this.d.reads.leaderboard({ quizId, limit: query.limit, offset: query.offset })
          : await this.d.reads.player({ quizId, playerId, around: query.around });
      sendJson(res, 200, body, READ_HEADERS);
    } catch (err) {
      status = sendError(res, err, this.d.log);
    }
    const route = playerId === null ? LEADERBOARD_ROUTE : PLAYER_ROUTE;
    this.d.observe('GET', route, status, started);
    const path = (req.url ?? '').split('?')[0]!;
    logRequest(this.d.log, { reqId, method: 'GET', path, status, durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e6), completed: true }, false);
  }

  private async countAddress(req: IncomingMessage): Promise<void> {
    const { totalHits, resetTime } = await this.d.limitStore.increment(peerAddress(req, this.d.trustProxy));
    if (totalHits > this.d.limit.max) throw limitedUntil(resetTime, this.d.limit.windowMs);
  }
}
