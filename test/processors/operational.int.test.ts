import type { Server } from 'node:http';
import { createDurableProducer, createKafka } from '../../common/kafka';
import { closeServer, startOperationalServer } from '../../common/http-server';
import { onCleanup } from '../helpers/cleanup';
import { uniqueId } from '../helpers/ids';
import { processorTestConfig, startTestProcessor } from '../helpers/processor-app';
import { waitForIdle } from '../helpers/processor-checks';
import { eventually, processorTestTopics } from '../helpers/processor-topics';
import { insertQuizRows, produceWorkloads, randomWorkload } from '../helpers/processor-workload';
import { referenceRanking } from '../helpers/reference-ranking';
import { testConfig, testLog, stackClients } from '../helpers/stack';
import { deleteQuizKeys, deleteQuizRows } from '../helpers/quiz-cleanup';

// The operational port: liveness, readiness of the group member and its stores, and the metrics
// operators need (consumed, scored, duplicates, dead-lettered, batch sizes, flush latency, lag).

jest.setTimeout(120_000);

const { pg, redis } = stackClients();

it('serves /healthz, /readyz and /metrics with the processing counters', async () => {
  const { prefix, codec } = await processorTestTopics(3);
  const w = randomWorkload({ quizId: uniqueId('ops'), players: 20, questions: 3, seed: 11, startAt: Date.now() + 1_000 });
  onCleanup(async () => {
    await deleteQuizRows(pg, [w.quizId]);
    await deleteQuizKeys(redis, w.quizId);
  });
  await insertQuizRows(pg, w);

  const processor = await startTestProcessor(processorTestConfig(prefix, uniqueId('proc-ops')));
  const server: Server = await startOperationalServer(processor.readiness, processor.metricsRegistry, 0, '127.0.0.1');
  onCleanup(() => closeServer(server, 1_000));
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  expect((await fetch(`${base}/healthz`)).status).toBe(200);
  await eventually('readiness', async () => (await fetch(`${base}/readyz`)).status === 200);
  expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: 'ready', checks: { kafka: 'ok', redis: 'ok', postgres: 'ok', 'schema-registry': 'ok' } });

  const producer = createDurableProducer(createKafka(testConfig.kafka, testLog, '-test-producer'));
  await producer.connect();
  onCleanup(() => producer.disconnect());
  await produceWorkloads(codec, producer, [w]);
  await producer.send({ topic: codec.topics.quizEvents, acks: -1, messages: [{ key: w.quizId, value: Buffer.from('poison') }] });
  const ref = referenceRanking(w);
  await waitForIdle(redis, pg, [{ quizId: w.quizId, ref }], 60_000);

  const duplicates = w.answers.length - ref.answers;
  // The dead-letter counter moves when the message is handled, the batch histogram when its chunk
  // is flushed a moment later: wait for both.
  const batchSum = new RegExp(`processor_batch_messages_sum\\{[^}]*\\} ${w.events.length + 1}\\b`);
  await eventually('the poison message to be counted and its batch flushed', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    return /processor_dead_lettered_total\{[^}]*reason="undecodable"[^}]*\} 1/.test(text) && batchSum.test(text);
  });
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const value = (pattern: RegExp) => Number(metrics.match(pattern)?.[1] ?? NaN);
  expect(value(/processor_answers_total\{outcome="scored"[^}]*\} (\d+)/)).toBe(ref.answers);
  // Redeliveries of the first answer count as replays, other later answers as duplicates.
  expect(value(/processor_answers_total\{outcome="duplicate"[^}]*\} (\d+)/) + (value(/processor_answers_total\{outcome="replay"[^}]*\} (\d+)/) || 0)).toBe(duplicates);
  expect(value(/processor_messages_consumed_total\{type="AnswerSubmitted"[^}]*\} (\d+)/)).toBe(w.answers.length);
  expect(value(/processor_messages_consumed_total\{type="PlayerJoined"[^}]*\} (\d+)/)).toBe(w.events.filter((e) => e.type === 'PlayerJoined').length);
  expect(value(/processor_batch_messages_sum\{[^}]*\} (\d+)/)).toBe(w.events.length + 1);
  expect(metrics).toMatch(/processor_flush_duration_seconds_count\{[^}]*\} [1-9]/);
  expect(metrics).toMatch(/processor_consumer_lag_messages\{partition="\d+"[^}]*\} 0/);
  expect(metrics).toMatch(/processor_snapshots_total\{result="published"[^}]*\} [1-9]/);
});
