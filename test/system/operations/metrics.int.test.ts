import { randomBytes } from 'node:crypto';
import { TIERS } from '../../../scripts/tiers';
import { connectSse } from '../../helpers/sse-client';
import { onCleanup } from '../../helpers/cleanup';
import { IngestClient, sampleQuiz } from '../../helpers/ingest-client';
import { uniqueId } from '../../helpers/ids';
import { testTopics } from '../../helpers/ingest-app';
import { freePort, samples, scrape, startTier, type TierProcess } from './tier-process';

// Every tier started as it runs in production (`npx tsx <tier>/main.ts`) on this file's own
// topics; one quiz played through them; then each /metrics (on the operational port of ingest and
// push, which keep it off their public port) must show the series the dashboard and
// the alert rules are built on (infra/grafana, infra/prometheus), with samples, not only their HELP.

jest.setTimeout(180_000);

/** Scrapes until `check` passes (metrics move asynchronously: a batch flush, a snapshot tick). */
async function eventually(tier: TierProcess, check: (text: string) => void, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await scrape(tier.metricsUrl);
    try {
      check(text);
      return text;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${(err as Error).message}\n--- ${tier.url} log tail:\n${tier.tail()}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

function sum(text: string, name: string, filter = ''): number {
  return samples(text, name)
    .filter((line) => line.includes(filter))
    .reduce((total, line) => total + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

function has(text: string, name: string, filter = ''): void {
  if (!samples(text, name).some((line) => line.includes(filter))) throw new Error(`no sample of ${name}${filter ? ` with ${filter}` : ''}`);
}

function positive(text: string, name: string, filter = ''): void {
  if (!(sum(text, name, filter) > 0)) throw new Error(`${name}${filter ? ` (${filter})` : ''} is not above 0`);
}

/** Counters with labels have no sample until their first event (no drop, no dead letter yet): the family must be declared. */
function declared(text: string, name: string): void {
  if (!text.includes(`# TYPE ${name} `)) throw new Error(`${name} is not declared`);
}

it('each tier exposes the named series on /metrics once a quiz has gone through', async () => {
  const { prefix } = await testTopics();
  const [ingestPort, ingestMetricsPort, processorPort, sinkPort, pushPort, pushMetricsPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const shared = { TOPIC_PREFIX: prefix, TOPIC_PARTITIONS: '3' };
  const [ingest, processor, sink, push] = await Promise.all([
    // Sentry on without its package installed, and tracing on towards a collector that is not
    // there: neither may stop the tier or change what it serves.
    startTier(
      TIERS.ingest.entry,
      ingestPort,
      {
        ...shared,
        INGEST_PORT: String(ingestPort),
        INGEST_METRICS_PORT: String(ingestMetricsPort),
        SENTRY_DSN: 'https://public@sentry.invalid/1',
        OTEL_ENABLED: 'true',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
      },
      ingestMetricsPort,
    ),
    startTier(TIERS.processor.entry, processorPort, {
      ...shared,
      PROCESSOR_PORT: String(processorPort),
      PROCESSOR_GROUP_ID: uniqueId('metrics-processor'),
      SNAPSHOT_THROTTLE_MS: '200',
      BATCH_MAX_WAIT_MS: '200',
    }),
    startTier(TIERS.sink.entry, sinkPort, {
      ...shared,
      SINK_PORT: String(sinkPort),
      SINK_GROUP_ID: uniqueId('metrics-sink'),
      SINK_BATCH_MAX_WAIT_MS: '200',
    }),
    startTier(
      TIERS.push.entry,
      pushPort,
      { ...shared, PUSH_PORT: String(pushPort), PUSH_METRICS_PORT: String(pushMetricsPort), PUSH_GROUP_ID_PREFIX: 'quizstream-push-metrics-test' },
      pushMetricsPort,
    ),
  ]);
  // Push reads from the latest offsets: it must be in its group before anything is produced.
  await eventually(push, () => undefined);
  const readyDeadline = Date.now() + 60_000;
  for (const tier of [push, processor]) {
    while ((await fetch(`${tier.url}/readyz`)).status !== 200) {
      if (Date.now() > readyDeadline) throw new Error(`${tier.url} never became ready:\n${tier.tail()}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  // Started through npx like this, every tier runs on the Node these tests run on (checked by the
  // jest globalSetup: the LTS npm installed), not on an older `node` that comes first on PATH.
  for (const tier of [ingest, processor, sink, push]) has(await scrape(tier.metricsUrl), 'nodejs_version_info', `version="${process.version}"`);

  const client = new IngestClient(ingest.url);
  const quizId = uniqueId('mq');
  expect((await client.createQuiz(sampleQuiz(quizId))).status).toBe(201);
  const viewer = await connectSse(`${push.url}/v1/quizzes/${quizId}/leaderboard/stream`);
  onCleanup(() => viewer.close());
  const token = await client.token(`p-${randomBytes(3).toString('hex')}`);
  expect((await client.join(quizId, token)).status).toBe(201);
  expect((await client.open(quizId, 'q1')).status).toBe(200);
  expect((await client.answer(quizId, token, { questionId: 'q1', choiceId: 'b' })).status).toBe(202);
  await viewer.waitFor((m) => m.event === 'snapshot' && (JSON.parse(m.data) as { answers: number }).answers === 1, 1, 30_000);
  expect((await fetch(`${push.url}/v1/quizzes/${quizId}/leaderboard`)).status).toBe(200);

  expect(ingest.tail()).toContain('npm install @sentry/node');
  // The public ports of ingest and push do not serve metrics (Node version, routes, rates).
  for (const tier of [ingest, push]) expect((await fetch(`${tier.url}/metrics`)).status).toBe(404);
  // ingest: request rate and latency by route and status, Kafka produce latency, answers by outcome.
  await eventually(ingest, (t) => {
    has(t, 'http_requests_total', 'status="202"');
    positive(t, 'http_request_duration_seconds_count');
    has(t, 'http_request_duration_seconds_bucket', 'le="0.1"');
    positive(t, 'ingest_kafka_produce_duration_seconds_count', 'result="ok"');
    positive(t, 'ingest_answers_total', 'result="accepted"');
    has(t, 'ingest_kafka_pending_sends');
  });
  // processor: lag per partition, batch flush time and size, snapshot publish time, dead letters.
  await eventually(processor, (t) => {
    has(t, 'processor_consumer_lag_messages', 'partition="');
    positive(t, 'processor_flush_duration_seconds_count');
    positive(t, 'processor_batch_messages_count');
    positive(t, 'processor_snapshot_publish_duration_seconds_count');
    positive(t, 'processor_snapshots_total', 'result="published"');
    positive(t, 'processor_answers_total', 'outcome="scored"');
    declared(t, 'processor_dead_lettered_total');
    has(t, 'nodejs_eventloop_lag_seconds', 'service="processor"');
  });
  // clickhouse-sink: lag per topic and partition, insert (flush) time per table.
  await eventually(sink, (t) => {
    has(t, 'quizstream_sink_consumer_lag', 'partition="');
    positive(t, 'quizstream_sink_insert_duration_seconds_count');
    positive(t, 'quizstream_sink_rows_inserted_total');
  });
  // push: SSE connections open now, drops, snapshot delay from the processor to the viewer, requests.
  await eventually(push, (t) => {
    expect(sum(t, 'push_open_connections', 'stream="leaderboard"')).toBe(1);
    declared(t, 'push_viewers_dropped_total');
    positive(t, 'push_snapshot_publish_to_write_seconds_count');
    positive(t, 'push_events_sent_total', 'event="snapshot"');
    has(t, 'http_requests_total', 'route="/v1/quizzes/:quizId/leaderboard"');
    has(t, 'http_request_duration_seconds_bucket', 'service="push"');
  });
});
