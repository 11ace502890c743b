import { createKafka } from '../../common/kafka';
import { createMetricsRegistry } from '../../common/metrics';
import { EventCodec } from '../../common/codec';
import { EventFeed, instanceGroupId } from '../../push/event-feed';
import { StreamHub } from '../../push/hub';
import { PushMetrics } from '../../push/metrics';
import { loadPushOptions } from '../../push/options';
import { onCleanup } from '../helpers/cleanup';
import { uniqueId } from '../helpers/ids';
import { testTopics } from '../helpers/ingest-app';
import { entries, processorOutputs } from '../helpers/push-kafka';
import { testConfig, testLog } from '../helpers/stack';
import { waitUntil } from '../helpers/wait';

// kafkajs does not restart a consumer after an error it deems non-retriable; the feed must.

/** Decodes like the real codec, except that its first call fails with an error kafkajs will not retry. */
class FailsOnceCodec extends EventCodec {
  failures = 1;
  override async decode(buffer: Buffer | null) {
    if (this.failures-- > 0) throw Object.assign(new Error('injected non-retriable failure'), { retriable: false });
    return super.decode(buffer);
  }
}

test('after a crash kafkajs will not restart from, the feed starts again and delivers what comes next', async () => {
  const { prefix, codec } = await testTopics();
  const options = loadPushOptions({});
  const metrics = new PushMetrics(createMetricsRegistry('push-test'), () => 0);
  const hub = new StreamHub({ viewer: options.viewer, maxConnections: 10, heartbeatMs: options.heartbeatMs, retryMs: options.retryMs }, metrics, testLog);
  const published: number[] = [];
  const publish = hub.publishSnapshot.bind(hub);
  hub.publishSnapshot = (snapshot, createdAt) => {
    published.push(snapshot.seq);
    return publish(snapshot, createdAt);
  };
  let rejoins = 0;
  const feed = new EventFeed(createKafka(testConfig.kafka, testLog, '-push-test'), new FailsOnceCodec(testConfig.registry.url, prefix), hub, metrics, testLog, {
    groupId: instanceGroupId('quizstream-push-test'),
    onRejoin: () => rejoins++,
    timings: { ...options.consumer, restartDelayMs: 200 },
  });
  const crashes: boolean[] = [];
  feed['consumer'].on('consumer.crash', (e) => crashes.push(e.payload.restart));
  onCleanup(() => feed.stop());
  feed.start();
  await feed.whenPositioned(60_000);

  const out = await processorOutputs(codec);
  const quizId = uniqueId('crash');
  await out.snapshot({ quizId, seq: 1, players: 1, answers: 1, entries: entries(1) });
  await waitUntil('a crash without restart', () => crashes.includes(false));
  await waitUntil('the feed to join again', () => rejoins >= 1);

  await out.snapshot({ quizId, seq: 2, players: 1, answers: 2, entries: entries(1) });
  await waitUntil('snapshot 2 to reach the hub', () => published.includes(2));
  // The message that crashed the consumer was not delivered by Kafka (push starts from the latest
  // offsets); onRejoin is how the deps bring viewers up to date from Redis instead.
  expect(published).toEqual([2]);
  await expect(feed.check()).resolves.toBeUndefined();
});
