import type { Express } from 'express';
import { closeServer, serverUrl, startServer } from '../../common/http-server';
import { redisKeys } from '../../common/redis';
import { createPushApp } from '../../push/app';
import { LeaderboardReader } from '../../push/leaderboard-reader';
import { openApiDocument } from '../../push/openapi';
import { onCleanup } from '../helpers/cleanup';
import { uniqueId } from '../helpers/ids';
import { deadRedis } from '../helpers/ingest-app';
import { documentedRoutes, registeredRoutes, type OpenApiDoc } from '../helpers/openapi-routes';
import { startTestPush, type TestPush } from '../helpers/push-app';
import { entries, processorOutputs, type ProcessorOutputs } from '../helpers/push-kafka';

// Keeps push's /openapi.json true: the app registers exactly the documented API routes (the web
// pages it also serves are not API), and for the reads every documented status is produced by a
// real request, and no request here gets a status the document does not list.

jest.setTimeout(180_000);

/** The API routes the app dispatches: the web pages it also serves are not API. */
const apiRoutes = (app: Express): string[] => registeredRoutes(app).filter((r) => / \/(v1\/|healthz$|readyz$|openapi\.json$)/.test(r));

let push: TestPush;
let out: ProcessorOutputs;
let doc: OpenApiDoc;
let limitedUrl: string;
let brokenUrl: string;

beforeAll(async () => {
  push = await startTestPush();
  out = await processorOutputs(push.codec);
  doc = openApiDocument(push.options.reads) as unknown as OpenApiDoc;
  // The same deps behind a one-request-a-minute limiter, and behind a Redis where nothing listens.
  const limited = await startServer(createPushApp({ ...push.deps, options: { ...push.options, rateLimit: { max: 1, windowMs: 60_000 } } }).listener, 0, '127.0.0.1');
  const deadStore = new LeaderboardReader(deadRedis().redis, 10);
  const broken = await startServer(createPushApp({ ...push.deps, store: deadStore, readiness: { ...push.deps.readiness, redis: () => deadStore.ping() } }).listener, 0, '127.0.0.1');
  onCleanup(() => closeServer(limited, 1_000));
  onCleanup(() => closeServer(broken, 1_000));
  limitedUrl = serverUrl(limited);
  brokenUrl = serverUrl(broken);
  await fetch(`${limitedUrl}/v1/quizzes/${uniqueId('warmup')}/leaderboard`);
});

test('the app registers exactly the documented API routes, and serves the document', async () => {
  expect(apiRoutes(createPushApp(push.deps).express)).toEqual(documentedRoutes(doc));
  expect(await (await fetch(`${push.url}/openapi.json`)).json()).toEqual(doc);
});

describe('every documented status of the reads is produced by a real request', () => {
  async function quiz(): Promise<string> {
    const quizId = uniqueId('oa');
    await out.storeSnapshot({ quizId, seq: 1, players: 3, answers: 1, openQuestions: [], entries: entries(3) });
    return quizId;
  }
  /** A request's status; `path` is fixed, or made when the scenario runs (a fixture first). */
  const at = (base: () => string, path: string | (() => Promise<string>)) => async () =>
    (await fetch(`${base()}${typeof path === 'string' ? path : await path()}`)).status;

  const scenarios: Record<string, Record<string, () => Promise<number>>> = {
    'GET /healthz': { '200': at(() => push.url, '/healthz') },
    'GET /readyz': { '200': at(() => push.url, '/readyz'), '503': at(() => brokenUrl, '/readyz') },
    'GET /openapi.json': { '200': at(() => push.url, '/openapi.json') },
    'GET /v1/quizzes/{quizId}/leaderboard': {
      '200': at(() => push.url, async () => `/v1/quizzes/${await quiz()}/leaderboard?offset=1&limit=2`),
      '400': at(() => push.url, async () => `/v1/quizzes/${await quiz()}/leaderboard?offset=-1`),
      '404': at(() => push.url, `/v1/quizzes/${uniqueId('none')}/leaderboard`),
      '500': at(
        () => push.url,
        async () => {
          const quizId = await quiz();
          await out.redis.set(redisKeys.snapshot(quizId), '{"quizId":"broken"}');
          return `/v1/quizzes/${quizId}/leaderboard`;
        },
      ),
      '429': at(() => limitedUrl, `/v1/quizzes/${uniqueId('q')}/leaderboard`),
      '503': at(() => brokenUrl, `/v1/quizzes/${uniqueId('q')}/leaderboard`),
    },
    'GET /v1/quizzes/{quizId}/players/{playerId}': {
      '200': at(() => push.url, async () => `/v1/quizzes/${await quiz()}/players/p2?around=1`),
      '400': at(() => push.url, async () => `/v1/quizzes/${await quiz()}/players/p2?around=0`),
      '404': at(() => push.url, async () => `/v1/quizzes/${await quiz()}/players/nobody`),
      '429': at(() => limitedUrl, `/v1/quizzes/${uniqueId('q')}/players/p1`),
      '503': at(() => brokenUrl, `/v1/quizzes/${uniqueId('q')}/players/p1`),
    },
  };

  test.each(Object.keys(scenarios))('%s', async (route) => {
    const [method, path] = route.split(' ') as [string, string];
    const documented = Object.keys(doc.paths[path]![method.toLowerCase()]!.responses).sort();
    expect(Object.keys(scenarios[route]!).sort()).toEqual(documented);
    for (const [status, run] of Object.entries(scenarios[route]!)) {
      expect([status, await run()]).toEqual([status, Number(status)]);
    }
  });
});
