import { request } from 'node:http';
import { uniqueId } from '../helpers/ids';
import { testTopics } from '../helpers/ingest-app';
import { IngestClient, sampleQuiz } from '../helpers/ingest-client';
import { forQuiz, readQuizEvents } from '../helpers/ingest-kafka';
import { metricValue } from '../helpers/push-app';
import { startTierProcesses } from '../helpers/tier-processes';

// INGEST_PROCESSES: several ingest processes behind one port. Runs the real entry point (node
// --import tsx ingest/main.ts), as a deployment would.

jest.setTimeout(180_000);

const PLAYERS = 40;

/** One POST on a connection of its own, so the kernel picks a process for each. */
function postOnNewConnection(url: string, token: string, body: unknown): Promise<{ status: number; body: { answerId?: string; error?: { code: string } } }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = request(url, { method: 'POST', agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as never }));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error('no reply within 10 s')));
    req.on('error', reject);
    req.end(payload);
  });
}

test('two processes share the port: both accept answers, each is written once, the first answer wins across them, SIGTERM drains both', async () => {
  const { prefix, codec } = await testTopics();
  const reader = await readQuizEvents(codec);
  const { child, exited, port, metricsUrls } = await startTierProcesses('ingest', 2, {
    TOPIC_PREFIX: prefix,
    INGEST_RATE_KEY_PREFIX: `${uniqueId('qs:rl:test')}:`,
  });

  const base = `http://127.0.0.1:${port}`;
  const api = new IngestClient(base);
  const quizId = uniqueId('procs');
  expect((await api.createQuiz(sampleQuiz(quizId, { timeLimitMs: 120_000 }))).status).toBe(201);
  expect((await api.open(quizId, 'q1')).status).toBe(200);
  const tokens: string[] = [];
  for (let i = 0; i < PLAYERS; i++) {
    const token = await api.token(uniqueId('p'));
    expect((await api.join(quizId, token)).status).toBe(201);
    tokens.push(token);
  }

  const url = `${base}/v1/quizzes/${quizId}/answers`;
  const first = await Promise.all(tokens.map((t) => postOnNewConnection(url, t, { questionId: 'q1', choiceId: 'a' })));
  expect(first.map((r) => r.status)).toEqual(tokens.map(() => 202));
  // The kernel spreads connections by their addresses and ports: with 40, both processes get some
  // (the odds of one getting all are 2 in 2^40).
  const accepted = await Promise.all(metricsUrls.map((u) => metricValue(u, 'ingest_answers_total', { result: 'accepted' })));
  expect(accepted[0]! + accepted[1]!).toBe(PLAYERS);
  expect(Math.min(...accepted)).toBeGreaterThan(0);

  // Each player again, on new connections: whichever process takes the second answer, the first stands.
  const second = await Promise.all(tokens.map((t) => postOnNewConnection(url, t, { questionId: 'q1', choiceId: 'b' })));
  expect(second.map((r) => [r.status, r.body.error?.code])).toEqual(tokens.map(() => [409, 'already_answered']));

  const answers = await reader.waitFor((e) => forQuiz(quizId)(e) && e.event.type === 'AnswerSubmitted', PLAYERS);
  expect(answers).toHaveLength(PLAYERS);
  expect(new Set(answers.map((e) => (e.event.payload as { answerId: string }).answerId))).toEqual(new Set(first.map((r) => r.body.answerId)));

  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  // The supervisor waited for its processes: nothing serves the port or the metrics ports now.
  for (const u of [base, ...metricsUrls]) expect(await fetch(`${u}/healthz`).catch(() => 'refused')).toBe('refused');
});
