import { closeServer, serverUrl, startServer } from '../../common/http-server';
import { createRedis, redisKeys } from '../../common/redis';
import { createPushApp } from '../../push/app';
import { LeaderboardWriter } from '../../processors/leaderboard-writer';
import { onCleanup } from '../helpers/cleanup';
import { uniqueId } from '../helpers/ids';
import { startTestPush, type TestPush } from '../helpers/push-app';
import { deleteQuizKeys } from '../helpers/quiz-cleanup';
import { testConfig } from '../helpers/stack';

// The lean reads (push/lean-reads.ts) against the express routes they stand in front of, both
// built from one push's dependencies: every read, good or bad, must get the same reply; then what
// the two share: the per-address limit and the request metrics.

jest.setTimeout(180_000);

const redis = createRedis(testConfig.redis, 'lean-reads-test');
onCleanup(() => redis.quit());
const writer = new LeaderboardWriter(redis);

let push: TestPush;
let expressUrl: string;
beforeAll(async () => {
  push = await startTestPush();
  const expressOnly = await startServer(createPushApp(push.deps).express, 0, '127.0.0.1');
  onCleanup(() => closeServer(expressOnly, 1_000));
  expressUrl = serverUrl(expressOnly);
});

/** A board of `n` players (p1 leads), its top-`topN` snapshot stored as a processor does. */
async function board(n: number, topN: number): Promise<string> {
  const quizId = uniqueId('lean');
  onCleanup(() => deleteQuizKeys(redis, quizId));
  await redis.set(redisKeys.built(quizId), '1');
  for (let i = 1; i <= n; i++) {
    await writer.applyJoin(quizId, `p${i}`, `Player ${i}`, 1000 + i);
    const applied = await writer.applyAnswer({ hold: false, quizId, questionId: 'q1', playerId: `p${i}`, answerId: `a${i}`, acceptedAt: 2000 + i, tally: ['a'], points: (n - i) * 10, reachedOffsetMs: 2000 + i });
    expect(applied.outcome).toBe('scored');
  }
  const view = await writer.ranking(quizId, topN);
  expect(await writer.storeSnapshot({ quizId, seq: 1, ...view })).toBe(true);
  return quizId;
}

/** What a client can rely on: status, body, and the headers it reads. */
async function reply(base: string, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, { headers });
  const h = (name: string) => res.headers.get(name);
  return {
    status: res.status,
    body: await res.text(),
    contentType: h('content-type'),
    cacheControl: h('cache-control'),
    retryAfter: h('retry-after'),
    allowOrigin: h('access-control-allow-origin'),
    exposeHeaders: h('access-control-expose-headers'),
    requestId: h('x-request-id'),
  };
}

describe('the lean reads answer exactly as the express routes do', () => {
  test('snapshots, pages, standings, neighbourhoods and every refusal', async () => {
    const quizId = await board(30, 10);
    const paths = [
      `/v1/quizzes/${quizId}/leaderboard`,
      `/v1/quizzes/${quizId}/leaderboard?limit=3`,
      `/v1/quizzes/${quizId}/leaderboard?offset=5&limit=3`, // inside the snapshot
      `/v1/quizzes/${quizId}/leaderboard?offset=8&limit=10`, // across its end: the sorted set
      `/v1/quizzes/${quizId}/leaderboard?offset=25`,
      `/v1/quizzes/${quizId}/leaderboard?limit=1&limit=2`,
      `/v1/quizzes/${quizId}/leaderboard?limit=0`,
      `/v1/quizzes/${quizId}/leaderboard?offset=abc`,
      `/v1/quizzes/${quizId}/leaderboard?limit=`,
      `/v1/quizzes/${quizId}/leaderboard?unknown=1&limit=2`,
      `/v1/quizzes/${uniqueId('none')}/leaderboard`,
      `/v1/quizzes/${uniqueId('none')}/leaderboard?offset=0`,
      `/v1/quizzes/bad%20id/leaderboard`,
      `/v1/quizzes/${'x'.repeat(65)}/leaderboard`,
      `/v1/quizzes/${quizId}/players/p7`,
      `/v1/quizzes/${quizId}/players/p7?around=2`,
      `/v1/quizzes/${quizId}/players/p1?around=50`,
      `/v1/quizzes/${quizId}/players/nobody`,
      `/v1/quizzes/${quizId}/players/p7?around=0`,
      `/v1/quizzes/${quizId}/players/p7?around=2&around=3`,
      `/v1/quizzes/${quizId}/players/bad%2Fid`,
      `/v1/quizzes/${quizId}/players/%E0%A4%A`,
    ];
    for (const path of paths) {
      const lean = await reply(push.url, path, { 'x-request-id': 'req-1', origin: 'https://quiz.example' });
      const viaExpress = await reply(expressUrl, path, { 'x-request-id': 'req-1', origin: 'https://quiz.example' });
      expect([path, lean]).toEqual([path, viaExpress]);
    }
    // The cases above are not all the same answer: each kind of reply is among them.
    const statuses = new Set<number>();
    for (const path of paths) statuses.add((await fetch(`${push.url}${path}`)).status);
    expect([...statuses].sort()).toEqual([200, 400, 404]);
    // The snapshot is served as the processor stored it.
    expect((await reply(push.url, `/v1/quizzes/${quizId}/leaderboard`)).body).toBe(await redis.get(redisKeys.snapshot(quizId)));
  });

  test('a request id that is not an id is replaced, as express does', async () => {
    const quizId = await board(2, 2);
    const res = await fetch(`${push.url}/v1/quizzes/${quizId}/leaderboard`, { headers: { 'x-request-id': 'not an id!' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('what the lean reads share with express', () => {
  test('one per-address limit: lean reads and express routes count in the same window', async () => {
    const limited = await startTestPush({ options: (o) => ({ ...o, rateLimit: { max: 4, windowMs: 30_000 } }) });
    const quizId = await board(2, 2);
    // A trailing slash is left to express (its router matches it, the lean path does not).
    const viaExpress = `${limited.url}/v1/quizzes/${quizId}/leaderboard/`;
    const lean = `${limited.url}/v1/quizzes/${quizId}/leaderboard`;
    const statuses = [];
    for (const url of [viaExpress, lean, viaExpress, lean, lean, viaExpress]) statuses.push((await fetch(url)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    const refused = await fetch(`${limited.url}/v1/quizzes/${quizId}/players/p1`);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ error: { code: 'rate_limited' } });
  });

  test('lean reads are counted in http_requests_total under their route pattern', async () => {
    const quizId = await board(2, 2);
    const count = async (route: string, status: string): Promise<number> => {
      const text = await (await fetch(`${push.metricsUrl}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith('http_requests_total{') && l.includes(`route="${route}"`) && l.includes(`status="${status}"`) && l.includes('method="GET"'));
      return line ? Number(line.split(' ').at(-1)) : 0;
    };
    const [boards, standings, missing] = await Promise.all([
      count('/v1/quizzes/:quizId/leaderboard', '200'),
      count('/v1/quizzes/:quizId/players/:playerId', '200'),
      count('/v1/quizzes/:quizId/players/:playerId', '404'),
    ]);
    for (let i = 0; i < 3; i++) expect((await fetch(`${push.url}/v1/quizzes/${quizId}/leaderboard`)).status).toBe(200);
    expect((await fetch(`${push.url}/v1/quizzes/${quizId}/players/p2`)).status).toBe(200);
    expect((await fetch(`${push.url}/v1/quizzes/${quizId}/players/nobody`)).status).toBe(404);
    expect(await count('/v1/quizzes/:quizId/leaderboard', '200')).toBe(boards + 3);
    expect(await count('/v1/quizzes/:quizId/players/:playerId', '200')).toBe(standings + 1);
    expect(await count('/v1/quizzes/:quizId/players/:playerId', '404')).toBe(missing + 1);
  });
});
