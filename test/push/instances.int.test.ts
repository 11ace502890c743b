import { DevTokenIssuer } from '../../ingest/auth';
import { onCleanup } from '../helpers/cleanup';
import { startTestPush, type TestPush } from '../helpers/push-app';
import { entries, processorOutputs, type ProcessorOutputs } from '../helpers/push-kafka';
import { existingQuiz } from '../helpers/quiz-rows';
import { connectSse } from '../helpers/sse-client';
import { testConfig } from '../helpers/stack';

jest.setTimeout(180_000);

// Push instances share nothing: each has its own consumer group, so each reads every partition and
// a viewer gets every snapshot whichever instance the load balancer picked.

let a: TestPush;
let b: TestPush;
let out: ProcessorOutputs;

beforeAll(async () => {
  [a, b] = await Promise.all([startTestPush(), startTestPush()]);
  out = await processorOutputs(a.codec);
});

test('two instances have their own consumer groups and both deliver every snapshot, in order', async () => {
  expect(a.deps.feed.options.groupId).not.toBe(b.deps.feed.options.groupId);
  // Quizzes on different partitions: an instance that read only some partitions would miss one.
  const quizzes = await Promise.all(Array.from({ length: 6 }, () => existingQuiz('multi')));
  const viewers = [];
  for (const quizId of quizzes) {
    for (const push of [a, b]) {
      const sse = await connectSse(`${push.url}/v1/quizzes/${quizId}/leaderboard/stream`);
      onCleanup(() => sse.close());
      viewers.push({ quizId, sse });
    }
  }
  const SEQS = 20;
  for (let seq = 1; seq <= SEQS; seq++) {
    await out.snapshots(quizzes.map((quizId) => ({ quizId, seq, players: 3, answers: seq, entries: entries(3) })));
  }
  for (const { quizId, sse } of viewers) {
    await sse.waitFor((e) => e.id === String(SEQS));
    expect(sse.events.map((e) => Number(e.id))).toEqual(Array.from({ length: SEQS }, (_, i) => i + 1));
    expect(JSON.parse(sse.events[0]!.data)).toMatchObject({ quizId, seq: 1 });
  }
});

test('both instances deliver a player\'s result to that player\'s stream', async () => {
  const quizId = await existingQuiz('multi-me');
  const { token } = await new DevTokenIssuer(testConfig.auth, 600).issue('ann', 'Ann');
  const streams = await Promise.all(
    [a, b].map((push) => connectSse(`${push.url}/v1/quizzes/${quizId}/me/stream`, { headers: { Authorization: `Bearer ${token}` } })),
  );
  for (const s of streams) onCleanup(() => s.close());
  const now = Date.now();
  await out.answerScored({
    answerId: 'x1', quizId, questionId: 'q1', playerId: 'ann', choiceId: 'a', correct: true, late: false,
    points: 900, total: 900, rank: 1, latencyMs: 2_000, acceptedAt: now, scoredAt: now,
  });
  for (const s of streams) expect(JSON.parse((await s.waitFor((e) => e.event === 'answer-result'))[0]!.data)).toMatchObject({ answerId: 'x1', total: 900 });
});

test('graceful stop: viewers get a retry hint and a clean end; new streams get 503 while stopping', async () => {
  const quizId = await existingQuiz('stop');
  const sse = await connectSse(`${b.url}/v1/quizzes/${quizId}/leaderboard/stream`);
  onCleanup(() => sse.close());
  await out.snapshot({ quizId, seq: 1, players: 1, answers: 0, entries: entries(1) });
  await sse.nth(0);
  expect(sse.parser.retryMs).toBe(b.options.retryMs);

  expect(b.deps.closeStreams()).toBeGreaterThanOrEqual(1);
  await sse.ended;
  // The last word is a retry hint between shutdownRetryMs and twice that, so reconnects spread out.
  expect(sse.parser.retryMs).toBeGreaterThanOrEqual(b.options.shutdownRetryMs);
  expect(sse.parser.retryMs).toBeLessThanOrEqual(2 * b.options.shutdownRetryMs);

  const refused = await fetch(`${b.url}/v1/quizzes/${quizId}/leaderboard/stream`);
  expect(refused.status).toBe(503);
  expect(refused.headers.get('retry-after')).toBe('1');
  expect(await refused.json()).toMatchObject({ error: { code: 'shutting_down' } });
  await b.stop();

  // The other instance is unaffected: a viewer reconnecting there resumes after what it had.
  const again = await connectSse(`${a.url}/v1/quizzes/${quizId}/leaderboard/stream`, { headers: { 'Last-Event-ID': '1' } });
  onCleanup(() => again.close());
  await out.snapshot({ quizId, seq: 2, players: 1, answers: 1, entries: entries(1) });
  expect((await again.nth(0)).id).toBe('2');
});
