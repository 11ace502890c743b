import { connect, type Socket } from 'node:net';
import { onCleanup } from '../helpers/cleanup';
import { metricValue, startTestPush, type TestPush } from '../helpers/push-app';
import { entries, processorOutputs, type ProcessorOutputs } from '../helpers/push-kafka';
import { existingQuiz } from '../helpers/quiz-rows';
import { connectSse } from '../helpers/sse-client';
import { waitUntil } from '../helpers/wait';

jest.setTimeout(180_000);

// Invariant 7: a client that stops reading must not make push buffer without bound. A raw socket
// that never reads sits next to a normal viewer while many large snapshots are published; the
// bytes push holds for it must stay near PUSH_VIEWER_SKIP_BYTES, the skips must be counted, and
// once it has been behind for PUSH_VIEWER_STALL_MS it must be disconnected and counted.

const SKIP_BYTES = 32 * 1024;
// Longer than publishing the snapshots takes on a loaded machine (about 14 s at a load average of
// 12 on two cores): a viewer dropped before the last snapshot would stop counting skips early.
const STALL_MS = 30_000;
const SNAPSHOTS = 240;
const PER_SEND = 5; // five ~100 KB records stay under the broker's 1 MB batch limit

let push: TestPush;
let out: ProcessorOutputs;

beforeAll(async () => {
  push = await startTestPush({ options: (o) => ({ ...o, viewer: { skipBytes: SKIP_BYTES, maxBytes: 1024 * 1024, stallMs: STALL_MS } }) });
  out = await processorOutputs(push.codec);
});

/** Sends the request and then never reads: the kernel buffers fill and push's writes back up. */
function stalledClient(path: string): Promise<Socket> {
  const { port } = push.server.address() as { port: number };
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
      socket.pause();
      resolve(socket);
    });
    socket.once('error', reject);
    onCleanup(() => socket.destroy());
  });
}

test('a stalled client is skipped forward, then dropped; its buffer stays bounded and a normal viewer gets everything', async () => {
  const quizId = await existingQuiz('stall');
  const path = `/v1/quizzes/${quizId}/leaderboard/stream`;
  await stalledClient(path);
  const reader = await connectSse(`${push.url}${path}`);
  onCleanup(() => reader.close());
  await waitUntil('both viewers to connect', () => push.deps.hub.connections === 2, 10_000);

  const big = entries(100, 1_000); // about 100 KB of JSON per snapshot
  const frameBytes = JSON.stringify({ quizId, seq: 1, players: 100, answers: 1, entries: big }).length + 64;

  let maxBuffered = 0;
  const sampler = setInterval(() => {
    maxBuffered = Math.max(maxBuffered, push.deps.hub.stats().maxViewerBufferedBytes);
  }, 10);
  const publishStarted = Date.now();
  try {
    for (let seq = 1; seq <= SNAPSHOTS; seq += PER_SEND) {
      const batch = [];
      for (let s = seq; s < seq + PER_SEND && s <= SNAPSHOTS; s++) batch.push({ quizId, seq: s, players: 100, answers: s, entries: big });
      await out.snapshots(batch);
    }
    await reader.waitFor((e) => e.id === String(SNAPSHOTS), 1, 60_000);
  } finally {
    clearInterval(sampler);
  }
  // Every snapshot reached the hub while the stalled viewer was still there, so each one it could
  // not take was a skip. (If this fails, publishing took longer than STALL_MS: raise it.)
  expect({ connections: push.deps.hub.connections, publishMs: Date.now() - publishStarted }).toEqual({
    connections: 2,
    publishMs: expect.any(Number),
  });

  // The normal viewer kept up: every id, in order (it may skip only if it too fell behind).
  const ids = reader.events.map((e) => Number(e.id));
  expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
  expect(ids[ids.length - 1]).toBe(SNAPSHOTS);

  // About 24 MB were published to the stalled client; push never held more than the threshold
  // plus one snapshot for any viewer (the kernel's socket buffers hold a few MB on top of that).
  const published = SNAPSHOTS * frameBytes;
  expect(published).toBeGreaterThan(20 * 1024 * 1024);
  expect(maxBuffered).toBeGreaterThan(0);
  expect(maxBuffered).toBeLessThanOrEqual(SKIP_BYTES + 2 * frameBytes);
  const skipped = await metricValue(push.metricsUrl, 'push_snapshots_skipped_total', { stream: 'leaderboard' });
  expect(skipped).toBeGreaterThan(SNAPSHOTS / 2);

  // Still behind after STALL_MS: disconnected, counted, and its slot and buffer are freed.
  await waitUntil(
    'the stalled viewer to be dropped',
    async () => (await metricValue(push.metricsUrl, 'push_viewers_dropped_total', { stream: 'leaderboard', reason: 'stalled' })) === 1,
    STALL_MS + 15_000,
  );
  await waitUntil('the slot to be freed', () => push.deps.hub.connections === 1, 5_000);
  expect(push.deps.hub.stats().maxViewerBufferedBytes).toBeLessThan(SKIP_BYTES);
  expect(await metricValue(push.metricsUrl, 'push_open_connections', { stream: 'leaderboard' })).toBe(1);

  // The normal viewer is unaffected and still live.
  await out.snapshot({ quizId, seq: SNAPSHOTS + 1, players: 1, answers: 1, entries: big.slice(0, 1) });
  await reader.waitFor((e) => e.id === String(SNAPSHOTS + 1));
});
