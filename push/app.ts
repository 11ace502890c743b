import type { RequestListener } from 'node:http';
import express, { type Express } from 'express';
import { MemoryStore } from 'express-rate-limit';
import type { Registry } from 'prom-client';
import type { Config } from '../common/config';
import { errorHandler, mountHealthRoutes, notFoundHandler, type ReadinessCheck } from '../common/http';
import { httpMetricsMiddleware, httpObserver } from '../common/http-metrics';
import { proxyTrustOf } from '../common/lean-http';
import type { Logger } from '../common/logger';
import { perIpLocalLimiter } from '../common/rate-limit';
import { createTokenVerifier, type TokenVerifier } from '../common/tokens';
import { cors, corsHeaders } from './cors';
import type { StreamHub } from './hub';
import type { LeaderboardReader } from './leaderboard-reader';
import type { PushMetrics } from './metrics';
import type { PushOptions } from './options';
import type { QuizDirectory } from './quiz-directory';
import { openApiDocument } from './openapi';
import { LeanReads } from './lean-reads';
import { readRoutes } from './read-routes';
import { requestLog } from './request-log';
import { StandingsReads } from './standings-reads';
import { StreamAdmission } from './stream-admission';
import { streamRoutes } from './stream-routes';
import { mountWebPages, webPagesOptions } from './web-pages';

/** Everything the app talks to, built by deps.ts (or a test) and injected here. */
export interface PushDeps {
  config: Config;
  options: PushOptions;
  log: Logger;
  store: LeaderboardReader;
  /** Whether a quiz exists: streams open only for those that do. */
  quizzes: QuizDirectory;
  /** Fed by the Kafka consumer (event-feed.ts); the app only adds and removes viewers. */
  hub: StreamHub;
  metricsRegistry: Registry;
  metrics: PushMetrics;
  readiness: Record<string, ReadinessCheck>;
  /** Defaults to the verifier AUTH_MODE selects (the same as ingest's). */
  tokenVerifier?: TokenVerifier;
}

export interface PushApp {
  /** Every route; also the two reads, for requests the lean path leaves to it. */
  express: Express;
  /** What the server runs: the lean reads (lean-reads.ts) first, then express. */
  listener: RequestListener;
}

export function createPushApp(deps: PushDeps): PushApp {
  const { options, log } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy);
  app.use(requestLog(log));
  app.use(httpMetricsMiddleware(deps.metricsRegistry));

  // /metrics is served on the operational port (main.ts), never on this public one.
  mountHealthRoutes(app, deps.readiness);
  const document = openApiDocument(options.reads);
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  app.use('/v1', cors(options.corsOrigins));
  // After CORS: a preflight is the browser's question, not a client request to count.
  const limitStore = new MemoryStore();
  app.use('/v1', perIpLocalLimiter(options.rateLimit, limitStore));
  const reads = new StandingsReads(deps.store, options.reads);
  app.use(readRoutes(reads));
  app.use(
    streamRoutes({
      hub: deps.hub,
      maxLimit: options.reads.leaderboardMaxLimit,
      store: deps.store,
      quizzes: deps.quizzes,
      admission: new StreamAdmission(options, deps.metrics, log),
      verifier: deps.tokenVerifier ?? createTokenVerifier(deps.config.auth),
      log,
    }),
  );
  // The web pages (built from web/) mount here, before the 404 handler.
  mountWebPages(app, { ...webPagesOptions(deps.config, options.publicIngestUrl), log });

  app.use(notFoundHandler());
  app.use(errorHandler(log));

  const lean = new LeanReads({
    reads,
    limitStore,
    limit: options.rateLimit,
    trustProxy: proxyTrustOf(app, options.trustProxy),
    cors: corsHeaders(options.corsOrigins),
    observe: httpObserver(deps.metricsRegistry),
    log,
  });
  return { express: app, listener: lean.listener(app) };
}
