import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DevTokenIssuer } from '../../ingest/auth';
import { loadPushOptions } from '../../push/options';
import { onCleanup } from '../helpers/cleanup';
import { LeaderboardReader } from '../../push/leaderboard-reader';
import { uniqueId } from '../helpers/ids';
import { deadRedis } from '../helpers/ingest-app';
import { metricValue, startTestPush, type TestPush } from '../helpers/push-app';
import { entries, processorOutputs, type ProcessorOutputs } from '../helpers/push-kafka';
import { connectSse } from '../helpers/sse-client';
import { existingQuiz } from '../helpers/quiz-rows';
import { testConfig } from '../helpers/stack';
import { waitUntil } from '../helpers/wait';

jest.setTimeout(180_000);

let push: TestPush;
let out: ProcessorOutputs;

beforeAll(async () => {
  push = await startTestPush();
  out = await processorOutputs(push.codec);
});

const snap = (quizId: string, seq: number, n = 3) => ({ quizId, seq, players: n, answers: seq, openQuestions: [{ questionId: 'q2', answered: seq }], entries: entries(n) });
const ids = (events: Array<{ id: string }>) => events.map((e) => Number(e.id));

describe('GET leaderboard and player standing', () => {
  test('404 with a clear code for a quiz without a snapshot; 400 for a malformed id', async () => {
    const res = await fetch(`${push.url}/v1/quizzes/${uniqueId('none')}/leaderboard`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'leaderboard_not_found' } });
    const bad = await fetch(`${push.url}/v1/quizzes/bad%20id!/leaderboard`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_request' } });
  });

  test('returns the stored snapshot in the v1 shape; ?limit keeps the top N', async () => {
    const quizId = uniqueId('lb');
    await out.storeSnapshot(snap(quizId, 4, 5));
    const res = await fetch(`${push.url}/v1/quizzes/${quizId}/leaderboard`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual(snap(quizId, 4, 5));
    const top2 = await (await fetch(`${push.url}/v1/quizzes/${quizId}/leaderboard?limit=2`)).json();
    expect(top2).toEqual({ ...snap(quizId, 4, 5), entries: entries(5).slice(0, 2) });
    for (const limit of ['0', '-1', 'abc', '1001']) {
      expect((await fetch(`${push.url}/v1/quizzes/${quizId}/leaderboard?limit=${limit}`)).status).toBe(400);
    }
  });

  test('player standing: rank from the sorted set (ZREVRANK + 1), score and name from the hashes', async () => {
    const quizId = uniqueId('pl');
    await out.storeSnapshot(snap(quizId, 2, 4));
    const res = await fetch(`${push.url}/v1/quizzes/${quizId}/players/p3`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ playerId: 'p3', displayName: entries(4)[2]!.displayName, score: 200, rank: 3 });
    const missing = await fetch(`${push.url}/v1/quizzes/${quizId}/players/nobody`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'player_not_found' } });
  });
});

describe('GET leaderboard/stream', () => {
  test('a viewer connecting mid-quiz gets the current snapshot first, then each newer one', async () => {
    const quizId = await existingQuiz('mid');
    await out.storeSnapshot(snap(quizId, 7));
    const sse = await connectSse(`${push.url}/v1/quizzes/${quizId}/leaderboard/stream`);
    onCleanupClose(sse);
    expect(sse.status).toBe(200);
    expect(sse.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(sse.headers['cache-control']).toMatch(/no-cache/);
    expect(sse.headers['x-accel-buffering']).toBe('no');
    expect(sse.headers['access-control-allow-origin']).toBe('*');

    const first = await sse.nth(0);
    expect(first.event).toBe('snapshot');
    expect(first.id).toBe('7');
    expect(JSON.parse(first.data)).toEqual(snap(quizId, 7));
    expect(sse.parser.retryMs).toBe(push.options.retryMs);

    await out.snapshot(snap(quizId, 8));
    await out.snapshot(snap(quizId, 6)); // a processor replay: older than what the viewer has
    await out.snapshot(snap(quizId, 9));
    await sse.waitFor((e) => e.id === '9');
    expect(ids(sse.events)).toEqual([7, 8, 9]);
    expect(JSON.parse(sse.events[2]!.data)).toEqual(snap(quizId, 9));
  });

  test('a viewer reconnecting with Last-Event-ID gets nothing older, only what is newer', async () => {
    const quizId = await existingQuiz('resume');
    await out.storeSnapshot(snap(quizId, 10));
    const resumed = await connectSse(`${push.url}/v1/quizzes/${quizId}/leaderboard/stream`, { headers: { 'Last-Event-ID': '10' } });
    onCleanupClose(resumed);
    const viaQuery = await connectSse(`${push.url}/v1/quizzes/${quizId}/leaderboard/stream?lastEventId=10`);
    onCleanupClose(viaQuery);
    const behind = await connectSse(`${push.url}/v1/quizzes/${quizId}/leaderboard/stream`, { headers: { 'Last-Event-ID': '5' } });
    onCleanupClose(behind);
    await behind.waitFor((e) => e.id === '10'); // the control: one that is behind does get 10

    await out.snapshot(snap(quizId, 9));
    await out.snapshot(snap(quizId, 10));
    await out.snapshot(snap(quizId, 11));
    await resumed.waitFor((e) => e.id === '11');
    await viaQuery.waitFor((e) => e.id === '11');
    await behind.waitFor((e) => e.id === '11');
    expect(ids(resumed.events)).toEqual([11]);
    expect(ids(viaQuery.events)).toEqual([11]);
    expect(ids(behind.events)).toEqual([10, 11]);
  });

  test('?limit=N streams the top N entries of each snapshot, beside a full viewer of the same quiz; a bad limit is a 400', async () => {
    const quizId = await existingQuiz('limit');
    await out.storeSnapshot(snap(quizId, 3, 6));
    const top2 = await connectSse(`${push.url}/v1/quizzes/${quizId}/leaderboard/stream?limit=2`);
    onCleanupClose(top2);
    const full = await connectSse(`${push.url}/v1/quizzes/${quizId}/leaderboard/stream`);
    onCleanupClose(full);
    expect(JSON.parse((await top2.nth(0)).data)).toEqual({ ...snap(quizId, 3, 6), entries: entries(6).slice(0, 2) });
    expect(JSON.parse((await full.nth(0)).data)).toEqual(snap(quizId, 3, 6));

    await out.snapshot(snap(quizId, 4, 6));
    await top2.waitFor((e) => e.id === '4');
    await full.waitFor((e) => e.id === '4');
    expect(JSON.parse(top2.events[1]!.data)).toEqual({ ...snap(quizId, 4, 6), entries: entries(6).slice(0, 2) });
    expect(JSON.parse(full.events[1]!.data)).toEqual(snap(quizId, 4, 6));

    for (const limit of ['0', 'ten', '1001']) {
      const bad = await fetch(`${push.url}/v1/quizzes/${quizId}/leaderboard/stream?limit=${limit}`);
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ error: { code: 'invalid_request' } });
    }
  });

  test('a quiz with no snapshot yet: the stream opens and the first published snapshot arrives', async () => {
    const quizId = await existingQuiz('empty');
    const sse = await connectSse(`${push.url}/v1/quizzes/${quizId}/leaderboard/stream`);
    onCleanupClose(sse);
    expect(sse.status).toBe(200);
    await out.snapshot(snap(quizId, 1));
    expect((await sse.nth(0)).id).toBe('1');
  });

  test('sent events and bytes, open connections and the publish-to-write delay are in /metrics', async () => {
    const quizId = await existingQuiz('metrics');
    const before = await metricValue(push.metricsUrl, 'push_events_sent_total', { stream: 'leaderboard', event: 'snapshot' });
    const sse = await connectSse(`${push.url}/v1/quizzes/${quizId}/leaderboard/stream`);
    await out.snapshot(snap(quizId, 3));
    await sse.nth(0);
    expect(await metricValue(push.metricsUrl, 'push_open_connections', { stream: 'leaderboard' })).toBeGreaterThanOrEqual(1);
    expect(await metricValue(push.metricsUrl, 'push_events_sent_total', { stream: 'leaderboard', event: 'snapshot' })).toBe(before + 1);
    expect(await metricValue(push.metricsUrl, 'push_bytes_sent_total', { stream: 'leaderboard' })).toBeGreaterThan(0);
    expect(await metricValue(push.metricsUrl, 'push_snapshot_publish_to_write_seconds_count')).toBeGreaterThanOrEqual(1);
    const open = await metricValue(push.metricsUrl, 'push_open_connections', { stream: 'leaderboard' });
    sse.close();
    await waitUntil('the closed stream to leave the gauge', async () => (await metricValue(push.metricsUrl, 'push_open_connections', { stream: 'leaderboard' })) === open - 1, 10_000);
  });

  test('/metrics is served on the operational port only, not on the public one', async () => {
    const publicPort = await fetch(`${push.url}/metrics`);
    expect(publicPort.status).toBe(404);
    expect(await publicPort.json()).toMatchObject({ error: { code: 'route_not_found' } });
    const operational = await fetch(`${push.metricsUrl}/metrics`);
    expect(operational.status).toBe(200);
    expect(await operational.text()).toContain('push_open_connections');
  });

  test('/healthz and /readyz (Kafka consumer joined, Redis answers)', async () => {
    expect((await fetch(`${push.url}/healthz`)).status).toBe(200);
    await waitUntil('push ready', async () => (await fetch(`${push.url}/readyz`)).status === 200, 30_000);
    const ready = await fetch(`${push.url}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { kafka: 'ok', redis: 'ok', 'schema-registry': 'ok' } });
    expect(ready.status).toBe(200);
  });
});

describe('connection limit', () => {
  test('past the per-instance limit a new stream gets a clean 503 JSON with Retry-After', async () => {
    const small = await startTestPush({ options: (o) => ({ ...o, maxConnections: 2 }) });
    const quizId = await existingQuiz('limit');
    const a = await connectSse(`${small.url}/v1/quizzes/${quizId}/leaderboard/stream`);
    const b = await connectSse(`${small.url}/v1/quizzes/${quizId}/leaderboard/stream`);
    onCleanupClose(a);
    onCleanupClose(b);
    const refused = await fetch(`${small.url}/v1/quizzes/${quizId}/leaderboard/stream`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(await refused.json()).toMatchObject({ error: { code: 'too_many_connections' } });
    expect(await metricValue(small.metricsUrl, 'push_connections_rejected_total', { reason: 'connection_limit' })).toBe(1);
    // A slot freed is a slot usable again.
    a.close();
    await waitUntil('the first stream to be counted', () => small.deps.hub.connections === 1, 10_000);
    const c = await connectSse(`${small.url}/v1/quizzes/${quizId}/leaderboard/stream`);
    onCleanupClose(c);
    expect(c.status).toBe(200);
  });
});

describe('what one client can hold', () => {
  const shipped = parse(readFileSync(join(__dirname, '..', '..', 'infra', 'k8s', 'config.yaml'), 'utf8')) as { data: Record<string, string> };
  // Behind the load balancer: the client wrote the first entry, the balancer appended the second.
  const via = (client: string, spoofed = `198.51.100.${Math.floor(Math.random() * 250)}`) => ({ headers: { 'X-Forwarded-For': `${spoofed}, ${client}` } });

  test('streams per client address are capped (429 too_many_streams), whatever X-Forwarded-For the client writes', async () => {
    const capped = await startTestPush({
      options: (o) => ({ ...o, maxStreamsPerAddress: 3, trustProxy: loadPushOptions({ PUSH_TRUST_PROXY: shipped.data.PUSH_TRUST_PROXY }).trustProxy }),
    });
    const quizId = await existingQuiz('cap');
    const url = `${capped.url}/v1/quizzes/${quizId}/leaderboard/stream`;
    const held = [];
    for (let i = 0; i < 3; i++) {
      const sse = await connectSse(url, via('203.0.113.7'));
      onCleanupClose(sse);
      expect(sse.status).toBe(200);
      held.push(sse);
    }
    const refused = await fetch(url, via('203.0.113.7'));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ error: { code: 'too_many_streams' } });
    const { token } = await new DevTokenIssuer(testConfig.auth, 600).issue('ann', 'Ann');
    const personal = await fetch(`${capped.url}/v1/quizzes/${quizId}/me/stream?token=${token}`, via('203.0.113.7'));
    expect(personal.status).toBe(429);
    expect(await metricValue(capped.metricsUrl, 'push_connections_rejected_total', { reason: 'address_limit' })).toBe(2);
    // Another client behind the same balancer is not affected; a freed slot is usable again.
    const other = await connectSse(url, via('203.0.113.8'));
    onCleanupClose(other);
    expect(other.status).toBe(200);
    held[0]!.close();
    await waitUntil('the closed stream to free its slot', () => capped.deps.hub.connections === 3, 10_000);
    const again = await connectSse(url, via('203.0.113.7'));
    onCleanupClose(again);
    expect(again.status).toBe(200);
  });

  test('streams for a quiz that does not exist are refused with 404; an existing quiz without a snapshot opens', async () => {
    const { token } = await new DevTokenIssuer(testConfig.auth, 600).issue('ann', 'Ann');
    const unknown = uniqueId('nope');
    for (const path of [`/v1/quizzes/${unknown}/leaderboard/stream`, `/v1/quizzes/${unknown}/me/stream?token=${token}`]) {
      const res = await fetch(`${push.url}${path}`);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: 'quiz_not_found' } });
    }
    const quizId = await existingQuiz('exists');
    const sse = await connectSse(`${push.url}/v1/quizzes/${quizId}/leaderboard/stream`);
    onCleanupClose(sse);
    expect(sse.status).toBe(200);
    const personal = await connectSse(`${push.url}/v1/quizzes/${quizId}/me/stream?token=${token}`);
    onCleanupClose(personal);
    expect(personal.status).toBe(200);
  });

  test('reads are rate limited per client address (429 rate_limited with Retry-After)', async () => {
    const limited = await startTestPush({ options: (o) => ({ ...o, rateLimit: { max: 3, windowMs: 10_000 } }) });
    const quizId = uniqueId('rl');
    await out.storeSnapshot(snap(quizId, 1));
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await fetch(`${limited.url}/v1/quizzes/${quizId}/leaderboard`)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const refused = await fetch(`${limited.url}/v1/quizzes/${quizId}/players/p1`);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ error: { code: 'rate_limited' } });
    expect((await fetch(`${limited.url}/healthz`)).status).toBe(200); // operational routes are not limited
  });

  test('past the memory ceiling a new stream gets 503 memory_limit, before the process runs out', async () => {
    const full = await startTestPush({ options: (o) => ({ ...o, maxRssBytes: 1 }) });
    const quizId = await existingQuiz('mem');
    const refused = await fetch(`${full.url}/v1/quizzes/${quizId}/leaderboard/stream`);
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ error: { code: 'memory_limit' } });
    expect(await metricValue(full.metricsUrl, 'push_connections_rejected_total', { reason: 'memory_limit' })).toBe(1);
  });
});

describe('Redis unavailable', () => {
  test('GETs answer 503 + Retry-After; a stream still opens and gets the next snapshot from Kafka', async () => {
    const { redis } = deadRedis();
    const store = new LeaderboardReader(redis, 10);
    const cut = await startTestPush({ deps: (d) => ({ store, readiness: { ...d.readiness, redis: () => store.ping() } }) });
    const quizId = await existingQuiz('noredis');
    for (const path of [`/v1/quizzes/${quizId}/leaderboard`, `/v1/quizzes/${quizId}/players/p1`]) {
      const res = await fetch(`${cut.url}${path}`);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await res.json()).toMatchObject({ error: { code: 'redis_unavailable' } });
    }
    expect((await fetch(`${cut.url}/readyz`)).status).toBe(503);
    const sse = await connectSse(`${cut.url}/v1/quizzes/${quizId}/leaderboard/stream`);
    onCleanupClose(sse);
    expect(sse.status).toBe(200);
    await out.snapshot(snap(quizId, 2));
    expect((await sse.nth(0)).id).toBe('2');
  });
});

describe('heartbeats', () => {
  test('an idle stream gets a comment every heartbeat interval', async () => {
    const fast = await startTestPush({ options: (o) => ({ ...o, heartbeatMs: 300 }) });
    const sse = await connectSse(`${fast.url}/v1/quizzes/${await existingQuiz('idle')}/leaderboard/stream`);
    onCleanupClose(sse);
    await waitUntil('two heartbeats', () => sse.parser.comments.filter((c) => c === 'hb').length >= 2, 10_000);
    expect(sse.events).toEqual([]);
    expect(await metricValue(fast.metricsUrl, 'push_events_sent_total', { stream: 'leaderboard', event: 'heartbeat' })).toBeGreaterThanOrEqual(2);
  });
});

function onCleanupClose(sse: { close(): void }): void {
  onCleanup(() => sse.close());
}
