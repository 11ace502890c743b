import type { RequestListener } from 'node:http';
import express, { type Express, type RequestHandler } from 'express';
import { isCluster, type RedisClient } from '../common/redis';
import type { DurableSender } from '../common/durable-producer';
import type { Pool } from 'pg';
import { pinoHttp } from 'pino-http';
import type { Registry } from 'prom-client';
import type { Config } from '../common/config';
import { UnsupportedMediaTypeError } from '../common/errors';
import { errorHandler, mountHealthRoutes, notFoundHandler, type ReadinessCheck } from '../common/http';
import { proxyTrustOf } from '../common/lean-http';
import { httpMetricsMiddleware, httpObserver } from '../common/http-metrics';
import { requestIdFrom } from '../common/ids';
import type { Logger } from '../common/logger';
import type { EventCodec } from '../common/codec';
import { httpServerSpans, tracingIsOn } from '../common/tracing';
import { AllAnsweredCloser } from './all-answered';
import { AnswerMarkers } from './answer-markers';
import { Answers } from './answers';
import { requirePlayer, type TokenVerifier } from '../common/tokens';
import { DevTokenIssuer, playerTokenVerifier, requireAdmin } from './auth';
import type { AutoCloser } from './auto-close';
import { corsMiddleware, corsResponder } from './cors';
import { RequestGate } from './hot/request-gate';
import { QuizDefinitions } from './hot/quiz-definitions';
import { HotRoutes } from './hot/routes';
import { CachedTokenVerifier } from './hot/verified-tokens';
import { EventWriter } from './event-writer';
import { ProfanityCheck } from './display-names';
import { JoinClaims } from './join-claims';
import { JoinRecorder } from './join-recorder';
import { Joins } from './joins';
import { KickedPlayers } from './kicked-players';
import { IngestMetrics } from './metrics';
import { openApiDocument } from './openapi';
import type { IngestOptions } from './options';
import { QuizAdmin } from './quiz-admin';
import { QuizStore } from './quiz-store';
import { QuizResults } from './results';
import { perIpLimiter, perPlayerLimiter } from './rate-limit';
import { answerRoutes } from './routes/answers';
import { devTokenRoutes } from './routes/auth';
import type { RouteContext } from './routes/context';
import { pinRoutes } from './routes/pins';
import { playerRoutes } from './routes/players';
import { questionRoutes } from './routes/questions';
import { quizRoutes } from './routes/quizzes';
import { resultRoutes } from './routes/results';

/** Everything the app talks to, built by main.ts (or a test) and injected here. */
export interface IngestDeps {
  config: Config;
  options: IngestOptions;
  log: Logger;
  pg: Pool;
  redis: RedisClient;
  /** Connected or not: the event writer connects on first use if needed. */
  producer: DurableSender;
  /** Its topic prefix decides which quiz.events topic the app writes to. */
  codec: EventCodec;
  metricsRegistry: Registry;
  readiness: Record<string, ReadinessCheck>;
  /** Omit to disable closing questions at their time limit. */
  autoCloser?: AutoCloser;
  /** Defaults to the verifier AUTH_MODE selects. */
  tokenVerifier?: TokenVerifier;
}

const QUIET_PATHS = new Set(['/healthz', '/readyz']);

function requestLogger(log: Logger): RequestHandler {
  return pinoHttp({
    logger: log,
    genReqId: (req, res) => {
      const id = requestIdFrom(req.headers['x-request-id']);
      res.setHeader('x-request-id', id);
      return id;
    },
    autoLogging: { ignore: (req) => QUIET_PATHS.has((req.url ?? '').split('?')[0]!) },
    // A 503 is a dependency outage we answered correctly; other 5xx are our bugs.
    customLogLevel: (_req, res) => (res.statusCode === 503 ? 'warn' : res.statusCode >= 500 ? 'error' : 'info'),
    // Only what an operator needs: no headers (tokens, admin key) and no query strings.
    serializers: {
      req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({
        id: req.id,
        method: req.method,
        path: req.url.split('?')[0],
        remoteAddress: req.remoteAddress,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
}

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * A POST that carries a body must say it is JSON. Any other body would go unread and the request
 * be judged without it (a join would fall back to the token's name), so it is refused with a 415.
 */
function jsonBodies(limitBytes: number): RequestHandler {
  const parse = express.json({ limit: limitBytes, type: JSON_TYPES });
  return (req, res, next) => {
    if (req.method !== 'POST') {
      next(); // a GET's body is never read, so it can be neither too large nor malformed
      return;
    }
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (hasBody && !req.is(JSON_TYPES)) {
      next(new UnsupportedMediaTypeError('the body must be JSON (Content-Type: application/json)'));
      return;
    }
    parse(req, res, next);
  };
}

// Caps of the hot path's in-process caches (hot/); at these sizes each holds a few MB at most.
const MAX_VERIFIED_TOKENS = 100_000;
const MAX_QUIZ_DEFINITIONS = 1_000;

export interface IngestApp {
  /** Every route; also the hot ones, for requests the lean path leaves to it. */
  express: Express;
  /** What the server runs: the hot routes (hot/routes.ts) first, then express; express alone on a Redis Cluster. */
  listener: RequestListener;
}

export function createIngestApp(deps: IngestDeps): IngestApp {
  const { config, options, log, pg, redis } = deps;
  const metrics = new IngestMetrics(deps.metricsRegistry);
  const store = new QuizStore(pg, redis, options.cacheTtlSeconds, log);
  const writer = new EventWriter(
    deps.codec,
    deps.producer,
    { timeoutMs: options.produceTimeoutMs, maxPending: options.maxPendingSends },
    metrics,
    log,
  );
  // A pending claim older than a few produce timeouts belongs to a request that died mid-write.
  const staleClaimMs = Math.max(10_000, 5 * options.produceTimeoutMs);
  const markers = new AnswerMarkers(redis, staleClaimMs, options.cacheTtlSeconds);
  // The hot path's one script reads the rate-limit counters and the quiz's keys together, and they
  // hash to different slots: a Redis Cluster refuses it (CROSSSLOT). There every request takes the
  // express routes, which make the same checks one key at a time, and markers confirm in calls of
  // their own.
  const gate = isCluster(redis) ? undefined : new RequestGate(redis, markers, { ...options.rateLimit });
  const limiterDeps = { redis, keyPrefix: options.rateLimit.keyPrefix, log };
  const kicked = new KickedPlayers(redis, pg, options.cacheTtlSeconds);
  const verifier = new CachedTokenVerifier(deps.tokenVerifier ?? playerTokenVerifier(config.auth), MAX_VERIFIED_TOKENS);
  const admin = new QuizAdmin(pg, store, writer, kicked, log, options.autoClose ? deps.autoCloser : undefined, {
    autoCloseGraceMs: options.produceTimeoutMs,
  });
  const allAnswered = new AllAnsweredCloser(redis, pg, store, admin, log);
  const ctx: RouteContext = {
    store,
    admin,
    joins: new Joins(store, new JoinClaims(redis, pg, staleClaimMs, options.cacheTtlSeconds), new JoinRecorder(pg), kicked, new ProfanityCheck(), writer, log),
    answers: new Answers(store, markers, gate ?? markers, kicked, writer, allAnswered, metrics, log),
    results: new QuizResults(pg, store),
    allAnswered,
    devTokens: config.auth.mode === 'dev' ? new DevTokenIssuer(config.auth, options.devTokenTtlSeconds) : undefined,
    requireAdmin: requireAdmin(config.auth.adminKey),
    requirePlayer: requirePlayer(verifier),
    perPlayerLimit: perPlayerLimiter(limiterDeps, options.rateLimit.player),
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy);
  app.use(httpServerSpans()); // first, so everything the request does runs inside its span
  app.use(requestLogger(log));
  app.use(httpMetricsMiddleware(deps.metricsRegistry));

  // /metrics is served on the operational port (main.ts), never on this public one.
  mountHealthRoutes(app, deps.readiness);
  const document = openApiDocument({ devTokens: ctx.devTokens !== undefined });
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });

  // Before the limiter: a preflight is the browser's question, not a client request to count.
  app.use('/v1', corsMiddleware(options.corsOrigins));
  app.use('/v1', perIpLimiter(limiterDeps, options.rateLimit.ip));
  app.use('/v1', jsonBodies(options.bodyLimitBytes));
  app.use(devTokenRoutes(ctx));
  app.use(quizRoutes(ctx));
  app.use(questionRoutes(ctx));
  app.use(playerRoutes(ctx));
  app.use(answerRoutes(ctx));
  app.use(pinRoutes(ctx));
  app.use(resultRoutes(ctx));

  app.use(notFoundHandler());
  app.use(errorHandler(log));

  if (!gate) return { express: app, listener: app };
  const hot = new HotRoutes({
    gate,
    definitions: new QuizDefinitions(store, MAX_QUIZ_DEFINITIONS),
    answers: ctx.answers,
    joins: ctx.joins,
    verifier,
    trustProxy: proxyTrustOf(app, options.trustProxy),
    cors: corsResponder(options.corsOrigins),
    bodyLimitBytes: options.bodyLimitBytes,
    observe: httpObserver(deps.metricsRegistry),
    log,
  });
  const hotListener = hot.listener(app);
  // With tracing on, a request is worth its server span more than its speed: express makes the
  // span (httpServerSpans), the lean path makes none.
  return { express: app, listener: (req, res) => (tracingIsOn() ? app(req, res) : hotListener(req, res)) };
}
