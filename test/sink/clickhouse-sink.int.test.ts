import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Admin } from 'kafkajs';
import { createClickHouse } from '../../common/clickhouse';
import type { Config } from '../../common/config';
import { createKafka } from '../../common/kafka';
import { createMetricsRegistry } from '../../common/metrics';
import type { DecodedEvent } from '../../common/messages/events';
import { EventCodec } from '../../common/codec';
import { ClickHouseWriter } from '../../sink/clickhouse-writer';
import { createSinkMetrics } from '../../sink/metrics';
import { loadSinkOptions } from '../../sink/options';
import { ClickHouseSink } from '../../sink/clickhouse-sink';
import { onCleanup } from '../helpers/cleanup';
import { uniqueId } from '../helpers/ids';
import { testConfig, testLog } from '../helpers/stack';
import { counterTotal, forgetQuizAtCleanup, playScriptedQuiz, rawCount, send, startSink, testStack, waitFor, waitForRows, type TestStack } from '../helpers/scripted-quiz';
import { freePort } from '../helpers/ports';

// The sink against the real Kafka and ClickHouse. ClickHouse "outages" are a port where nothing
// listens (the shared ClickHouse is never stopped); it becomes reachable when a plain TCP relay to
// the real server starts listening on that port.

jest.setTimeout(120_000);

const ch = createClickHouse(testConfig.clickhouse);
let stack: TestStack;
let admin: Admin;

beforeAll(async () => {
  onCleanup(() => ch.close());
  stack = await testStack();
  admin = createKafka(testConfig.kafka, testLog, '-sink-test-admin').admin();
  await admin.connect();
  onCleanup(() => admin.disconnect());
});

/** Forwards TCP connections on `port` to the real ClickHouse; closed at cleanup. */
async function relayToClickHouse(port: number): Promise<Server> {
  const target = new URL(testConfig.clickhouse.url);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 8123), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => (s === client ? upstream : client).destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  onCleanup(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return server;
}

function withClickHouseAt(url: string): Config {
  return { ...stack.config, clickhouse: { ...stack.config.clickhouse, url } };
}

/** Offsets the group committed minus the topics' high watermarks, summed over partitions: 0 when all committed. */
async function uncommitted(groupId: string): Promise<number> {
  const t = stack.codec.topics;
  let behind = 0;
  const committed = await admin.fetchOffsets({ groupId, topics: [t.results, t.snapshots, t.quizEvents] });
  for (const { topic, partitions } of committed) {
    const high = await admin.fetchTopicOffsets(topic);
    for (const p of partitions) {
      const end = Number(high.find((h) => h.partition === p.partition)?.high ?? 0);
      const done = Number(p.offset) < 0 ? 0 : Number(p.offset);
      behind += end - done;
    }
  }
  return behind;
}

describe('ClickHouse sink', () => {
  it('keeps retrying while ClickHouse is unreachable, commits nothing, and stores every row once it is back', async () => {
    const port = await freePort();
    const groupId = uniqueId('sink-outage');
    const quizId = uniqueId('sq');
    forgetQuizAtCleanup(ch, quizId);
    const sink = await startSink(withClickHouseAt(`http://127.0.0.1:${port}`), { groupId, retryInitialMs: 100, retryMaxMs: 400 });
    const counts = await playScriptedQuiz(stack, quizId);

    await waitFor('failed inserts', async () => (await counterTotal(sink.registry, 'quizstream_sink_insert_failures_total')) >= 3);
    expect(await rawCount(ch, 'answers', quizId)).toBe(0);
    expect(await uncommitted(groupId)).toBeGreaterThanOrEqual(counts.answers + counts.quizEvents + counts.snapshots);
    expect(await counterTotal(sink.registry, 'quizstream_sink_rows_inserted_total')).toBe(0);

    await relayToClickHouse(port);
    await waitForRows(ch, quizId, counts);
    await waitFor('every offset committed', async () => (await uncommitted(groupId)) === 0);
    expect(await rawCount(ch, 'answers', quizId)).toBe(counts.answers);
    expect(await rawCount(ch, 'quiz_events', quizId)).toBe(counts.quizEvents);
    expect(await rawCount(ch, 'snapshots', quizId)).toBe(counts.snapshots);
    expect(await counterTotal(sink.registry, 'quizstream_sink_rows_inserted_total', { table: 'answers' })).toBe(counts.answers);
    await sink.stop();
  });

  it('stopped while ClickHouse is down, leaves the offsets uncommitted so the next sink in the group stores the rows', async () => {
    const groupId = uniqueId('sink-handover');
    const quizId = uniqueId('sq');
    forgetQuizAtCleanup(ch, quizId);
    const down = await startSink(withClickHouseAt(`http://127.0.0.1:${await freePort()}`), { groupId, stopGraceMs: 1_000 });
    const counts = await playScriptedQuiz(stack, quizId);
    await waitFor('failed inserts', async () => (await counterTotal(down.registry, 'quizstream_sink_insert_failures_total')) >= 1);
    await down.stop(); // gives up after 1 s: nothing was inserted, so nothing may be committed
    expect(await uncommitted(groupId)).toBeGreaterThan(0);

    const next = await startSink(stack.config, { groupId });
    await waitForRows(ch, quizId, counts);
    await waitFor('every offset committed', async () => (await uncommitted(groupId)) === 0);
    await next.stop();
    expect(await rawCount(ch, 'answers', quizId)).toBe(counts.answers);
  });

  it('skips and counts a message it cannot decode, and stores the records after it', async () => {
    const quizId = uniqueId('sq');
    forgetQuizAtCleanup(ch, quizId);
    const t = stack.codec.topics;
    await stack.producer.send({ topic: t.results, messages: [{ key: quizId, value: Buffer.from('not avro at all') }] });
    await stack.producer.send({ topic: t.quizEvents, messages: [{ key: quizId, value: Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 1, 2, 3]) }] });
    await send(stack, t.quizEvents, quizId, 'PlayerJoined', { eventId: `${quizId}-j`, quizId, playerId: 'after-poison', displayName: 'After', joinedAt: Date.now() });
    const groupId = uniqueId('sink-poison');
    const sink = await startSink(stack.config, { groupId });
    await waitFor('the join after the poison', async () => (await rawCount(ch, 'quiz_events', quizId)) === 1);
    await waitFor('every offset committed', async () => (await uncommitted(groupId)) === 0);
    expect(await counterTotal(sink.registry, 'quizstream_sink_messages_total', { outcome: 'undecodable' })).toBe(2);
    await sink.stop();
  });

  it('reports a crash kafkajs will not restart from to onFatal (main exits so a fresh sink takes over), and stops cleanly after it', async () => {
    const quizId = uniqueId('sq');
    // A decoded event that makes building its row throw a TypeError, which kafkajs counts as
    // unrecoverable: it neither retries the batch nor restarts the consumer.
    class BrokenCodec extends EventCodec {
      override async decode(): Promise<DecodedEvent> {
        return { type: 'PlayerJoined', payload: null } as unknown as DecodedEvent;
      }
    }
    const client = createClickHouse(stack.config.clickhouse, { quiet: true });
    onCleanup(() => client.close());
    const metrics = createSinkMetrics(createMetricsRegistry('clickhouse-sink-test'));
    const fatal: unknown[] = [];
    const sink = new ClickHouseSink({
      kafka: createKafka(testConfig.kafka, testLog, '-sink-fatal-test'),
      codec: new BrokenCodec(testConfig.registry.url, stack.prefix),
      writer: new ClickHouseWriter(client, testLog, metrics, { initialMs: 100, maxMs: 500 }),
      log: testLog,
      metrics,
      options: { ...loadSinkOptions({}), groupId: uniqueId('sink-fatal') },
      onFatal: (err) => fatal.push(err),
    });
    onCleanup(() => sink.stop());
    await sink.start();
    await send(stack, stack.codec.topics.quizEvents, quizId, 'PlayerJoined', { eventId: `${quizId}-j`, quizId, playerId: 'p1', displayName: 'P1', joinedAt: Date.now() });
    await waitFor('onFatal', async () => fatal.length === 1);
    expect(sink.inGroup).toBe(false);
    await expect(sink.stop()).resolves.toBeUndefined();
  });
});
