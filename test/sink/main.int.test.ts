import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createClickHouse } from '../../common/clickhouse';
import { createKafka } from '../../common/kafka';
import { TIERS, tsxNodeArgs } from '../../scripts/tiers';
import { onCleanup } from '../helpers/cleanup';
import { uniqueId } from '../helpers/ids';
import { testConfig, testLog } from '../helpers/stack';
import { forgetQuizAtCleanup, playScriptedQuiz, rawCount, testStack, waitFor } from '../helpers/scripted-quiz';
import { freePort } from '../helpers/ports';

// `npm run sink` as a process: operational routes, and SIGTERM flushing what is buffered and
// committing before it exits. Batches are made large and slow here, so only SIGTERM can flush.

jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', '..');

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, text: await res.text() };
}

/** The sum of a Prometheus metric's samples in a /metrics text, optionally only lines containing `filter`. */
function metricSum(text: string, name: string, filter = ''): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(name) && line.includes(filter))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

it('serves /healthz /readyz /metrics, and on SIGTERM inserts what is buffered, commits and exits 0', async () => {
  const ch = createClickHouse(testConfig.clickhouse);
  onCleanup(() => ch.close());
  const stack = await testStack();
  const quizId = uniqueId('sm');
  forgetQuizAtCleanup(ch, quizId);
  const counts = await playScriptedQuiz(stack, quizId);
  const port = await freePort();
  const groupId = uniqueId('sink-main');
  const child = spawn(process.execPath, tsxNodeArgs(TIERS.sink.entry), {
    cwd: ROOT,
    env: {
      ...process.env,
      TOPIC_PREFIX: stack.prefix,
      SINK_PORT: String(port),
      SINK_GROUP_ID: groupId,
      SINK_BATCH_MAX_ROWS: '100000',
      SINK_BATCH_MAX_WAIT_MS: '600000',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  onCleanup(async () => {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
  });
  const base = `http://127.0.0.1:${port}`;
  const rows = counts.answers + counts.quizEvents + counts.snapshots;

  await waitFor('the sink to be ready', async () => (await get(`${base}/readyz`).catch(() => ({ status: 0, text: '' }))).status === 200, 60_000);
  expect(await get(`${base}/healthz`)).toEqual({ status: 200, text: '{"status":"ok"}' });
  expect(JSON.parse((await get(`${base}/readyz`)).text)).toEqual({ status: 'ready', checks: { clickhouse: 'ok', kafka: 'ok', 'schema-registry': 'ok' } });

  // Every record read and buffered, none inserted: the batch is neither full nor old enough.
  await waitFor('every record buffered', async () => metricSum((await get(`${base}/metrics`)).text, 'quizstream_sink_buffered_rows') === rows);
  const metrics = (await get(`${base}/metrics`)).text;
  expect(metricSum(metrics, 'quizstream_sink_messages_total', 'outcome="row"')).toBe(rows);
  expect(metricSum(metrics, 'quizstream_sink_rows_inserted_total')).toBe(0);
  for (const name of ['quizstream_sink_insert_duration_seconds', 'quizstream_sink_insert_batches_total', 'quizstream_sink_insert_failures_total', 'quizstream_sink_consumer_lag']) {
    expect(metrics).toContain(`# TYPE ${name}`);
  }
  expect(await rawCount(ch, 'answers', quizId)).toBe(0);

  child.kill('SIGTERM');
  expect(await exited(child)).toBe(0);
  expect(output).toContain('"msg":"stopped"');
  expect(await rawCount(ch, 'answers', quizId)).toBe(counts.answers);
  expect(await rawCount(ch, 'quiz_events', quizId)).toBe(counts.quizEvents);
  expect(await rawCount(ch, 'snapshots', quizId)).toBe(counts.snapshots);

  // Committed up to the end of every partition before leaving the group.
  const admin = createKafka(testConfig.kafka, testLog, '-sink-main-test').admin();
  await admin.connect();
  onCleanup(() => admin.disconnect());
  const t = stack.codec.topics;
  for (const topic of [t.results, t.snapshots, t.quizEvents]) {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const high = await admin.fetchTopicOffsets(topic);
    expect(committed!.partitions.map((p) => [p.partition, Math.max(0, Number(p.offset))]).sort()).toEqual(high.map((h) => [h.partition, Number(h.high)]).sort());
  }
});
