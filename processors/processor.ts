import type { Consumer, Kafka, Producer } from 'kafkajs';
import type Redis from 'ioredis';
import type { Pool } from 'pg';
import type { Registry } from 'prom-client';
import type { Config } from '../common/config';
import type { ReadinessCheck } from '../common/http';
import { createDurableProducer, createKafka } from '../common/kafka';
import type { Logger } from '../common/logger';
import { createMetricsRegistry } from '../common/metrics';
import { createPgPool } from '../common/postgres';
import { createRedis } from '../common/redis';
import { EventCodec, schemaReadiness, type SchemaReadiness } from '../common/registry';
import { EventApplier } from './event-applier';
import { LeaderboardStore } from './leaderboard-store';
import { ProcessorMetrics } from './metrics';
import type { ProcessorOptions } from './options';
import { PendingSnapshots } from './pending-snapshots';
import { QuestionAnswers } from './question-answers';
import { QuizCatalog } from './quiz-catalog';
import { QuizEventsHandler } from './quiz-events-handler';
import { RedisRebuild } from './redis-rebuild';
import { SerialLock } from './serial-lock';
import { SnapshotPublisher } from './snapshot-publisher';
import { SnapshotThrottle } from './snapshot-throttle';

// Wires one processor instance: a member of the PROCESSOR_GROUP_ID consumer group on quiz.events,
// with its Redis, Postgres and producer clients, the snapshot timer, and a readiness view.

export interface Processor {
  readonly metricsRegistry: Registry;
  readonly readiness: Record<string, ReadinessCheck>;
  start(): Promise<void>;
  /** Finishes and flushes the chunk in progress, commits, leaves the group, closes every client. */
  stop(): Promise<void>;
}

/**
 * `onFatal` runs when the consumer crashed and kafkajs will not restart it: the process should
 * exit so its supervisor starts a fresh one (its partitions move to the others meanwhile).
 */
export function createProcessor(config: Config, options: ProcessorOptions, log: Logger, onFatal: (err: unknown) => void = () => undefined): Processor {
  const metricsRegistry = createMetricsRegistry('processor');
  const metrics = new ProcessorMetrics(metricsRegistry);
  const pg: Pool = createPgPool(config.postgres, 5);
  pg.on('error', (err) => log.warn({ err }, 'postgres: idle client error'));
  const redis: Redis = createRedis(config.redis, 'processor');
  redis.on('error', (err: Error) => log.warn({ err: err.message }, 'redis: connection error'));
  const kafka: Kafka = createKafka(config.kafka, log, '-processor');
  const producer: Producer = createDurableProducer(kafka);
  const codec = new EventCodec(config.registry.url, config.kafka.topicPrefix, {}, log);
  let schemas: SchemaReadiness | undefined;
  const store = new LeaderboardStore(redis);
  const catalog = new QuizCatalog(pg, options.quizCacheSize);
  const throttle = new SnapshotThrottle(config.processing.snapshotThrottleMs, Date.now);
  const lock = new SerialLock();
  const pending = new PendingSnapshots(redis, codec.topics.quizEvents);
  const openQuestions = (quizId: string) => catalog.openQuestions(quizId);
  const publisher = new SnapshotPublisher(store, codec, producer, throttle, config.processing.snapshotTopN, metrics, log, openQuestions, (quizId, seq) =>
    pending.settled(quizId, seq),
  );
  const applier = new EventApplier(catalog, store, new QuestionAnswers(pg), codec, metrics);
  const rebuild = new RedisRebuild(redis, pg, store, config.processing.snapshotTopN, log, openQuestions);

  // A snapshot is only built once its quiz's state is known to be in Redis (see redis-rebuild.ts).
  const publishDue = () =>
    lock.run(async () => {
      if (await rebuild.readyToPublish(throttle.due().map((d) => d.quizId))) await publisher.publishDue();
    });
  const handler = new QuizEventsHandler(
    {
      codec,
      applier,
      producer,
      pg,
      lock,
      metrics,
      log,
      beforeCommit: (partition, changed) => {
        // Still under the lock: the snapshot timer must not read this chunk's state from Redis
        // before the throttle knows its seq, or it publishes newer state under an older seq.
        for (const [quizId, seq] of changed) throttle.changed(quizId, seq);
        rebuild.noteChanged(changed);
        return pending.mark(partition, changed);
      },
      onFlushed: async (changed) => {
        if (changed.size > 0) await publishDue();
      },
    },
    {
      groupId: config.kafka.groupId,
      maxMessages: config.processing.batchMaxMessages,
      maxWaitMs: config.processing.batchMaxWaitMs,
      retryMaxMs: options.retryMaxMs,
    },
  );

  const consumer: Consumer = kafka.consumer({
    groupId: config.kafka.groupId,
    sessionTimeout: options.sessionTimeoutMs,
    heartbeatInterval: options.heartbeatIntervalMs,
    rebalanceTimeout: Math.max(options.sessionTimeoutMs, 30_000),
    maxWaitTimeInMs: config.processing.batchMaxWaitMs,
    allowAutoTopicCreation: false,
  });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    joined = true;
    // Partitions may have moved: another member may have applied opens and closes for quizzes
    // this process cached, so question metadata is reloaded from Postgres on next use.
    catalog.clear();
    // Lag is reported per owned partition; the ones that moved away must not keep their last value.
    metrics.lag.reset();
    log.info({ assignment: e.payload.memberAssignment }, 'joined the consumer group');
    // Snapshots the previous owner of these partitions committed but never published.
    const partitions = e.payload.memberAssignment[codec.topics.quizEvents] ?? [];
    lock
      .run(async () => {
        for (const { quizId, seq } of await pending.recover(partitions)) throttle.changed(quizId, seq);
      })
      .catch((err: unknown) => log.warn({ err }, 'cannot read the pending snapshots of the assigned partitions'));
  });
  consumer.on(consumer.events.CRASH, (e) => {
    joined = false;
    log.error({ err: e.payload.error, restart: e.payload.restart }, 'consumer crashed');
    if (!e.payload.restart) onFatal(e.payload.error);
  });

  let ticker: NodeJS.Timeout | undefined;
  let ticking = false;
  let lastMarkerCheck = 0;
  const tick = () => {
    if (ticking) return;
    ticking = true;
    const checkMarker = Date.now() - lastMarkerCheck >= 1_000;
    if (checkMarker) lastMarkerCheck = Date.now();
    (checkMarker ? lock.run(() => rebuild.checkProcessMarker()) : Promise.resolve())
      .catch((err: unknown) => log.warn({ err }, 'redis state check failed'))
      .then(publishDue)
      .catch((err: unknown) => log.warn({ err }, 'snapshot tick failed'))
      .finally(() => {
        ticking = false;
      });
  };

  return {
    metricsRegistry,
    readiness: {
      kafka: async () => {
        if (!joined) throw new Error('not a member of the consumer group');
      },
      redis: async () => {
        await redis.ping();
      },
      postgres: async () => {
        await pg.query('SELECT 1');
      },
      'schema-registry': () => schemas?.check() ?? Promise.reject(new Error('not started')),
    },
    async start() {
      // Schemas are registered by migrate. The output ids are resolved in the background; until
      // then the tier is not ready, and an encode that needs one waits for the registry (retrying).
      schemas = schemaReadiness(codec, codec.typesOf(codec.topics.results, codec.topics.snapshots, codec.topics.deadLetter), log);
      await producer.connect();
      await consumer.connect();
      await consumer.subscribe({ topic: codec.topics.quizEvents, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: handler.eachBatch,
      });
      ticker = setInterval(tick, options.snapshotTickMs);
    },
    async stop() {
      if (ticker) clearInterval(ticker);
      await consumer.disconnect();
      // The last chunks' changes still deserve their trailing snapshot: wait out the window.
      const deadline = Date.now() + config.processing.snapshotThrottleMs + 1_000;
      while (throttle.pending() && Date.now() < deadline) {
        await publishDue().catch((err: unknown) => log.warn({ err }, 'final snapshots not published'));
        if (throttle.pending()) await new Promise((r) => setTimeout(r, options.snapshotTickMs));
      }
      await producer.disconnect();
      await redis.quit();
      await pg.end();
      schemas?.stop();
      codec.close();
    },
  };
}
