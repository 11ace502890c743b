import { PassThrough } from 'node:stream';
import { Registry } from 'prom-client';
import { createLogger } from '../../common/logger';
import { StreamHub } from '../../push/hub';
import { PushMetrics } from '../../push/metrics';
import { serveStoredSnapshot } from '../../push/served-snapshots';
import { snapshotJson } from '../../common/messages/wire';
import { SseParser, type SseMessage } from '../helpers/sse-client';

const log = createLogger('test', 'silent');

function setup(maxConnections = 10) {
  const registry = new Registry();
  const metrics = new PushMetrics(registry, () => 0);
  const hub = new StreamHub({ viewer: { skipBytes: 10_000, maxBytes: 100_000, stallMs: 60_000 }, maxConnections, heartbeatMs: 15_000, retryMs: 1_500 }, metrics, log);
  return { hub, registry };
}

function client() {
  const sink = new PassThrough();
  const parser = new SseParser();
  const events: SseMessage[] = [];
  sink.setEncoding('utf8');
  sink.on('data', (text: string) => events.push(...parser.push(text)));
  return { sink, parser, events };
}

const tick = () => new Promise((r) => setImmediate(r));
const snap = (quizId: string, seq: number) => ({ quizId, seq, players: 1, answers: seq, openQuestions: [], entries: [{ rank: 1, playerId: 'p', displayName: 'P', score: seq }] });
/** As push reads it from Redis. */
const stored = (quizId: string, seq: number) => serveStoredSnapshot(Buffer.from(snapshotJson(snap(quizId, seq))));

describe('StreamHub', () => {
  test('a new viewer gets hello + retry advice, then the newer of Redis and what Kafka brought', async () => {
    const { hub } = setup();
    const early = client();
    const v1 = hub.connectLeaderboard('q', early.sink);
    hub.publishSnapshot(snap('q', 5), Date.now()); // arrives from Kafka while Redis is being read
    hub.sendInitialSnapshot('q', v1, stored('q', 4)); // Redis was older: nothing more is sent
    const late = client();
    const v2 = hub.connectLeaderboard('q', late.sink);
    hub.sendInitialSnapshot('q', v2, stored('q', 4)); // gets 5 from memory, not Redis's 4
    await tick();
    expect(early.parser.comments).toContain('ok');
    expect(early.parser.retryMs).toBe(1_500);
    expect(early.events.map((e) => e.id)).toEqual(['5']);
    expect(late.events.map((e) => e.id)).toEqual(['5']);
  });

  test('snapshots of quizzes nobody watches are not serialized or kept', () => {
    const { hub } = setup();
    hub.publishSnapshot(snap('nobody', 1), Date.now());
    expect(hub.leaderboard.quizCount).toBe(0);
  });

  test('connection limit and shutdown raise 503 errors with distinct codes; closing a stream frees its slot', async () => {
    const { hub, registry } = setup(1);
    const a = client();
    hub.ensureCapacity('leaderboard');
    hub.connectLeaderboard('q', a.sink);
    expect(() => hub.ensureCapacity('personal')).toThrow(expect.objectContaining({ status: 503, code: 'too_many_connections' }));
    a.sink.destroy();
    await tick();
    expect(hub.connections).toBe(0);
    expect(() => hub.ensureCapacity('personal')).not.toThrow();
    hub.closeAll(1_000);
    expect(() => hub.ensureCapacity('leaderboard')).toThrow(expect.objectContaining({ code: 'shutting_down' }));
    expect(await registry.getSingleMetricAsString('push_connections_rejected_total')).toMatch(/reason="connection_limit"} 1/);
  });

  test('closeAll sends each viewer a retry hint between base and twice base, and ends it', async () => {
    const { hub } = setup();
    const viewers = [client(), client(), client()];
    hub.connectLeaderboard('q', viewers[0]!.sink);
    hub.connectPersonal('q', 'ann', viewers[1]!.sink);
    hub.connectPersonal('q', 'bob', viewers[2]!.sink);
    expect(hub.closeAll(1_000)).toBe(3);
    await tick();
    for (const v of viewers) {
      expect(v.parser.retryMs).toBeGreaterThanOrEqual(1_000);
      expect(v.parser.retryMs).toBeLessThanOrEqual(2_000);
      expect(v.sink.writableEnded).toBe(true);
    }
    expect(hub.connections).toBe(0);
  });
});
