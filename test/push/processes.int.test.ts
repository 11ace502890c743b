import { onCleanup } from '../helpers/cleanup';
import { testTopics } from '../helpers/ingest-app';
import { metricValue } from '../helpers/push-app';
import { entries, processorOutputs } from '../helpers/push-kafka';
import { existingQuiz } from '../helpers/quiz-rows';
import { connectSse, type SseConnection } from '../helpers/sse-client';
import { startTierProcesses } from '../helpers/tier-processes';

// PUSH_PROCESSES: several push processes behind one port, each with its own Kafka feed. Runs the
// real entry point (node --import tsx push/main.ts), as a deployment would.

jest.setTimeout(180_000);

test('two processes share the port, each gets viewers and every snapshot; SIGTERM ends every stream with a retry hint', async () => {
  const { prefix, codec } = await testTopics();
  const out = await processorOutputs(codec);
  const { child, exited, port, metricsUrls } = await startTierProcesses('push', 2, {
    TOPIC_PREFIX: prefix,
    // Far from the shutdown hint's 1-2 s, so the test can tell the two apart.
    PUSH_RETRY_MS: '60000',
  });

  const quizId = await existingQuiz('procs');
  const streams: SseConnection[] = [];
  for (let i = 0; i < 24; i++) streams.push(await connectSse(`http://127.0.0.1:${port}/v1/quizzes/${quizId}/leaderboard/stream`));
  for (const s of streams) onCleanup(() => s.close());
  // The kernel spreads connections by their addresses and ports: with 24, both processes get some
  // (the odds of one getting all are 2 in 2^24).
  const held = await Promise.all(metricsUrls.map((u) => metricValue(u, 'push_open_connections', { stream: 'leaderboard' })));
  expect(held[0]! + held[1]!).toBe(24);
  expect(Math.min(...held)).toBeGreaterThan(0);

  await out.snapshot({ quizId, seq: 5, players: 3, answers: 5, openQuestions: [], entries: entries(3) });
  for (const s of streams) await s.waitFor((e) => e.id === '5');

  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  for (const s of streams) await s.ended;
  for (const s of streams) expect(s.parser.retryMs).toBeLessThan(2_001); // the shutdown hint, not the connect advice

});
