import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startTracing } from '../../../common/tracing';
import { onCleanup } from '../../helpers/cleanup';
import { uniqueId } from '../../helpers/ids';
import { startTestIngest, testTopics } from '../../helpers/ingest-app';
import { IngestClient, sampleQuiz } from '../../helpers/ingest-client';
import { processorTestConfig, startTestProcessor } from '../../helpers/processor-app';
import { startTestPush } from '../../helpers/push-app';
import { connectSse } from '../../helpers/sse-client';
import { testLog } from '../../helpers/stack';

// With tracing on, one answer is one trace: ingest's HTTP request → its Kafka write → the
// processor's handling of the message and the scoring it applies → push delivering the result to
// the player. The three tiers run in this process (each as its own app and consumer group, on the
// real stack); spans go to an in-memory exporter instead of OTLP.

jest.setTimeout(120_000);

const exporter = new InMemorySpanExporter();
const tracing = startTracing('test', { enabled: true, endpoint: 'http://127.0.0.1:4318' }, testLog, exporter);
afterAll(() => tracing.shutdown());

async function waitForSpan(predicate: (s: ReadableSpan) => boolean, timeoutMs = 20_000): Promise<ReadableSpan> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const span = exporter.getFinishedSpans().find(predicate);
    if (span) return span;
    if (Date.now() > deadline) {
      const seen = exporter.getFinishedSpans().map((s) => `${s.name} ${s.spanContext().traceId}`);
      throw new Error(`no such span within ${timeoutMs} ms; finished: ${seen.join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

it('follows one answer from its HTTP request through Kafka and its scoring to the push write, in one trace', async () => {
  const { prefix } = await testTopics();
  const ingest = await startTestIngest();
  await startTestProcessor(processorTestConfig(prefix, uniqueId('trace-processors')));
  const push = await startTestPush();

  const client = new IngestClient(ingest.url);
  const quizId = uniqueId('tq');
  const playerId = uniqueId('tp');
  expect((await client.createQuiz(sampleQuiz(quizId))).status).toBe(201);
  const token = await client.token(playerId);
  expect((await client.join(quizId, token)).status).toBe(201);
  expect((await client.open(quizId, 'q1')).status).toBe(200);
  const me = await connectSse(`${push.url}/v1/quizzes/${quizId}/me/stream`, { headers: { Authorization: `Bearer ${token}` } });
  onCleanup(() => me.close());
  expect(me.status).toBe(200);

  const answered = await client.answer(quizId, token, { questionId: 'q1', choiceId: 'b' });
  expect(answered.status).toBe(202);
  const [result] = await me.waitFor((m) => m.event === 'answer-result', 1, 30_000);
  expect(JSON.parse(result!.data)).toMatchObject({ answerId: answered.body.answerId, correct: true });

  const request = await waitForSpan((s) => s.kind === SpanKind.SERVER && s.attributes['http.route'] === '/v1/quizzes/:quizId/answers');
  expect(request.name).toBe('POST /v1/quizzes/:quizId/answers');
  expect(request.attributes['http.response.status_code']).toBe(202);
  const traceId = request.spanContext().traceId;
  const inTrace = (s: ReadableSpan) => s.spanContext().traceId === traceId;

  const publish = await waitForSpan((s) => inTrace(s) && s.kind === SpanKind.PRODUCER);
  expect(publish.name).toBe(`${prefix}quiz.events publish`);
  expect(parentOf(publish)).toBe(request.spanContext().spanId);
  expect(publish.attributes['quizstream.event_types']).toEqual(['AnswerSubmitted']);

  const processed = await waitForSpan((s) => inTrace(s) && s.name === `${prefix}quiz.events process`);
  expect(processed.kind).toBe(SpanKind.CONSUMER);
  expect(parentOf(processed)).toBe(publish.spanContext().spanId);

  const scored = await waitForSpan((s) => inTrace(s) && s.name === 'apply AnswerSubmitted');
  expect(parentOf(scored)).toBe(processed.spanContext().spanId);

  const delivered = await waitForSpan((s) => inTrace(s) && s.name === `${prefix}quiz.results deliver`);
  expect(delivered.kind).toBe(SpanKind.CONSUMER);
  expect(parentOf(delivered)).toBe(scored.spanContext().spanId);

  // The batch flush that made the answer durable links back to the message's span.
  const flush = await waitForSpan((s) => s.name === `${prefix}quiz.events flush` && s.links.some((l) => l.context.spanId === processed.spanContext().spanId));
  expect(flush.status.code).not.toBe(2);

  // Nothing of this answer's trace is on another trace id, and nothing in it is an error.
  const chain = exporter.getFinishedSpans().filter(inTrace);
  expect(chain.map((s) => s.name)).toEqual(expect.arrayContaining([request.name, publish.name, processed.name, scored.name, delivered.name]));
  expect(chain.filter((s) => s.status.code === 2)).toEqual([]);
});
