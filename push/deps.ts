import type { Config } from '../common/config';
import { createKafka } from '../common/kafka';
import type { Logger } from '../common/logger';
import { createMetricsRegistry } from '../common/metrics';
import { createPgPool } from '../common/postgres';
import { createRedis } from '../common/redis';
import { EventCodec, schemaReadiness, type SchemaReadiness } from '../common/codec';
import type { PushDeps } from './app';
import { EventFeed, instanceGroupId } from './event-feed';
import { StreamHub } from './hub';
import { LeaderboardReader } from './leaderboard-reader';
import { PushMetrics } from './metrics';
import type { PushOptions } from './options';
import { QuizDirectory } from './quiz-directory';

export interface OwnedPushDeps extends PushDeps {
  feed: EventFeed;
  /** Starts the heartbeat timer and the Kafka consumer (retrying in the background while Kafka is down). */
  start(): void;
  /** Tells every viewer to reconnect elsewhere and closes the streams; returns how many there were. */
  closeStreams(): number;
  /** Stops the consumer and closes Redis and Postgres. */
  close(): Promise<void>;
}

export function buildPushDeps(config: Config, options: PushOptions, log: Logger): OwnedPushDeps {
  const redis = createRedis(config.redis, 'push', { autoPipelining: true });
  // Without a listener a lost connection's 'error' would crash the process; ioredis reconnects by itself.
  redis.on('error', (err: Error) => log.warn({ err: err.message }, 'redis: connection error'));
  const leaderboard = new LeaderboardReader(redis, options.snapshotCacheQuizzes);
  // Only to tell a quiz that exists from a made-up id when Redis does not know it (quiz-directory.ts).
  const pg = createPgPool(config.postgres, 2, log);
  const metricsRegistry = createMetricsRegistry('push');
  // The buffered-bytes gauge asks the hub on each scrape; the hub needs the metrics to exist first.
  const bufferedBytes = { read: (): number => 0 };
  const metrics = new PushMetrics(metricsRegistry, () => bufferedBytes.read());
  const hub = new StreamHub(
    { viewer: options.viewer, maxConnections: options.maxConnections, heartbeatMs: options.heartbeatMs, retryMs: options.retryMs },
    metrics,
    log,
  );
  const codec = new EventCodec(config.registry.url, config.kafka.topicPrefix, {}, log);
  let schemas: SchemaReadiness | undefined;
  const kafka = createKafka(config.kafka, log, '-push');
  // After a consumer restart, each watched quiz's latest snapshot comes from Redis instead (the hub
  // sends it only to viewers who do not have it or something newer).
  const catchUp = async (): Promise<void> => {
    for (const quizId of hub.watchedQuizzes()) {
      const stored = await leaderboard.snapshot(quizId);
      if (stored) hub.publishSnapshot(stored.snapshot, stored.createdAt ?? Date.now(), stored.body.toString('utf8'));
    }
  };
  const feed = new EventFeed(kafka, codec, hub, metrics, log, {
    groupId: instanceGroupId(options.groupIdPrefix),
    timings: options.consumer,
    onRejoin: () => void catchUp().catch((err: unknown) => log.warn({ err }, 'push: could not refresh viewers from redis after a consumer restart')),
  });
  bufferedBytes.read = () => hub.stats().bufferedBytes;

  return {
    config,
    options,
    log,
    store: leaderboard,
    quizzes: new QuizDirectory(redis, pg, log),
    hub: hub,
    feed,
    metrics,
    metricsRegistry,
    readiness: {
      kafka: () => feed.check(),
      redis: () => leaderboard.ping(),
      'schema-registry': () => schemas?.check() ?? Promise.reject(new Error('not started')),
    },
    start: () => {
      schemas = schemaReadiness(codec, codec.typesOf(codec.topics.results, codec.topics.snapshots), log);
      hub.start();
      feed.start();
    },
    closeStreams: () => hub.closeAll(options.shutdownRetryMs),
    close: async () => {
      await feed.stop();
      await redis.quit();
      await pg.end();
      schemas?.stop();
      codec.close();
    },
  };
}
