import '../helpers/cleanup';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { onCleanup } from '../helpers/cleanup';
import { uniqueId } from '../helpers/ids';
import { startTestIngest, type TestIngest } from '../helpers/ingest-app';
import { IngestClient, sampleQuiz, type Reply } from '../helpers/ingest-client';
import { forQuiz, readQuizEvents } from '../helpers/ingest-kafka';
import { loadFactor } from '../helpers/machine-load';

// Stops the real Kafka broker under a running ingest: every write must fail fast with 503 and
// Retry-After (never hang, never 500), leave no state behind, and succeed on retry once Kafka is
// back. Kafka is started again whatever happens to the test.

jest.setTimeout(120_000);

const REPO = join(__dirname, '..', '..');
// The project's stack script; QS_STACK_SCRIPT points elsewhere when Kafka runs under another one.
const STACK_SCRIPT = process.env.QS_STACK_SCRIPT ?? join(REPO, 'infra/stack.sh');
const run = promisify(execFile);

async function stack(...args: string[]): Promise<string> {
  const { stdout, stderr } = await run('bash', [STACK_SCRIPT, ...args], { cwd: REPO, timeout: 90_000 });
  return `${stdout}${stderr}`;
}

let ingest: TestIngest;
let api: IngestClient;

beforeAll(async () => {
  ingest = await startTestIngest();
  api = new IngestClient(ingest.url);
});

test('Kafka down: answers, joins and admin changes get 503 + Retry-After within 2.5 s (more on a busy machine); after restart, retries are accepted', async () => {
  const quizId = uniqueId('quiz');
  await api.createQuiz(sampleQuiz(quizId, { timeLimitMs: 600_000 }));
  expect((await api.open(quizId, 'q1')).status).toBe(200);
  const players = await Promise.all(
    Array.from({ length: 6 }, async (_, i) => {
      const token = await api.token(uniqueId(`p${i}`), `Player ${i}`);
      expect((await api.join(quizId, token)).status).toBe(201);
      return { token, answerId: uniqueId(`ans${i}`) };
    }),
  );
  const [first, ...rest] = players;
  expect((await api.answer(quizId, first!.token, { questionId: 'q1', choiceId: 'b', answerId: first!.answerId })).status).toBe(202);

  onCleanup(() => stack('start', 'kafka')); // registered before the stop, so it runs even if the test fails
  await stack('stop', 'kafka');

  // The produce timeout is 2 s; the rest is the request's own work, stretched on a busy machine.
  const bound = 2_500 * loadFactor();
  const expectUnavailable = (r: Reply, what: string) => {
    expect({ what, status: r.status }).toEqual({ what, status: 503 });
    expect(r.ms).toBeLessThan(bound);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(r.body.error.code).toBe('kafka_unavailable');
  };
  for (const p of rest) {
    expectUnavailable(await api.answer(quizId, p.token, { questionId: 'q1', choiceId: 'a', answerId: p.answerId }), 'answer');
  }
  expectUnavailable(await api.join(quizId, await api.token(uniqueId('late'), 'Late')), 'join');
  expectUnavailable(await api.open(quizId, 'q2'), 'open');
  expectUnavailable(await api.close(quizId, 'q1'), 'close');
  expectUnavailable(await api.closeQuiz(quizId), 'close quiz');
  // Nothing changed: q1 still open, q2 still pending, the quiz still open.
  const view = await api.request('GET', `/v1/quizzes/${quizId}`);
  expect(view.body.status).toBe('open');
  expect(view.body.questions.slice(0, 2).map((q: { state: string }) => q.state)).toEqual(['open', 'pending']);
  // Reads that do not need Kafka keep working.
  expect((await api.request('GET', '/healthz')).status).toBe(200);
  expect((await api.request('GET', '/readyz')).status).toBe(503);

  await stack('start', 'kafka');

  // Each player retries with the same answerId until accepted, as a client following Retry-After would.
  const deadline = Date.now() + 60_000;
  for (const p of rest) {
    let reply: Reply;
    for (;;) {
      reply = await api.answer(quizId, p.token, { questionId: 'q1', choiceId: 'a', answerId: p.answerId });
      if (reply.status !== 503 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(reply.status).toBe(202);
    expect(reply.body).toEqual({ answerId: p.answerId });
  }
  expect((await api.open(quizId, 'q2')).status).toBe(200);

  // Every accepted answer is in Kafka.
  const reader = await readQuizEvents(ingest.codec);
  const answers = await reader.waitFor((e) => forQuiz(quizId)(e) && e.event.type === 'AnswerSubmitted', players.length, 30_000);
  expect(new Set(answers.map((e) => (e.event.payload as { answerId: string }).answerId))).toEqual(new Set(players.map((p) => p.answerId)));
});
