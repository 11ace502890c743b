import type { Consumer } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { ReadinessCheck } from '../common/http';
import { schemaReadiness, type SchemaReadiness } from '../common/codec';
import type { ProcessorDeps } from './deps';
import { EventApplier } from './event-applier';
import { GroupSuccession } from './group-succession';
import { LeaderboardWriter } from './leaderboard-writer';
import { PendingSnapshots } from './pending-snapshots';
import { QuestionAnswers } from './question-answers';
import { QuizCatalog } from './quiz-catalog';
import { QuizEventsHandler } from './quiz-events-handler';
import { RedisRebuild } from './redis-rebuild';
import { SerialLock } from './serial-lock';
import { WriteBehind } from './write-behind';
import { SnapshotPublisher } from './snapshot-publisher';
import { SnapshotScheduler } from './snapshot-scheduler';
import { SnapshotThrottle } from './snapshot-throttle';

// Wires one processor instance onto its clients: a member of the PROCESSOR_GROUP_ID consumer group
// on quiz.events, the snapshot path (snapshot-scheduler.ts) on a timer, and a readiness view.

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
export function createProcessorApp(deps: ProcessorDeps, onFatal: (err: unknown) => void = () => undefined): Processor {
  const { options, log, pg, redis, kafka, producer, codec, metrics } = deps;
  let schemas: SchemaReadiness | undefined;
  const leaderboard = new LeaderboardWriter(redis);
  // Postgres is read only behind the chunks' queued transactions (write-behind.ts).
  const writes = new WriteBehind(pg);
  const catalog = new QuizCatalog(writes.reader, options.quizCacheSize);
  const throttle = new SnapshotThrottle(options.snapshotThrottleMs, Date.now);
  const lock = new SerialLock();
  const pending = new PendingSnapshots(redis, codec.topics.quizEvents);
  const openQuestions = (quizId: string) => catalog.openQuestions(quizId);
  const publisher = new SnapshotPublisher(leaderboard, codec, producer, throttle, options.snapshotTopN, metrics, log, openQuestions, (quizId, seq) =>
    pending.settled(quizId, seq),
  );
  const rebuild = new RedisRebuild(redis, writes.reader, leaderboard, options.snapshotTopN, log, openQuestions);
  const snapshots = new SnapshotScheduler(throttle, pending, rebuild, publisher, lock, log);
  const handler = new QuizEventsHandler(
    {
      codec,
      applier: new EventApplier(catalog, leaderboard, new QuestionAnswers(writes.reader), codec, metrics),
      producer,
      pg,
      writes,
      lock,
      metrics,
      log,
      beforeCommit: (partition, changed) => snapshots.changed(partition, changed),
      snapshotWaiting: () => snapshots.waiting,
      onFlushed: async (changed) => {
        if (changed.size > 0) await snapshots.publishDue();
      },
    },
    {
      groupId: options.groupId,
      maxMessages: options.batchMaxMessages,
      maxWaitMs: options.batchMaxWaitMs,
      retryMaxMs: options.retryMaxMs,
    },
  );

  const consumer: Consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: options.sessionTimeoutMs,
    heartbeatInterval: options.heartbeatIntervalMs,
    rebalanceTimeout: options.rebalanceTimeoutMs,
    maxWaitTimeInMs: options.batchMaxWaitMs,
    maxBytesPerPartition: options.fetchMaxBytes,
    allowAutoTopicCreation: false,
  });
  const succession = new GroupSuccession(redis, deps.config.kafka.brokers, `${deps.config.kafka.clientId}-processor`, options.groupId, options.instanceId, log);
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    joined = true;
    void succession.joined(e.payload.memberId);
    // Partitions may have moved: another member may have applied opens and closes for quizzes
    // this process cached, so question metadata is reloaded from Postgres on next use.
    catalog.clear();
    // Lag is reported per owned partition; the ones that moved away must not keep their last value.
    metrics.lag.reset();
    log.info({ assignment: e.payload.memberAssignment }, 'joined the consumer group');
    const partitions = e.payload.memberAssignment[codec.topics.quizEvents] ?? [];
    snapshots.recover(partitions).catch((err: unknown) => log.warn({ err }, 'cannot read the pending snapshots of the assigned partitions'));
  });
  consumer.on(consumer.events.CRASH, (e) => {
    joined = false;
    log.error({ err: e.payload.error, restart: e.payload.restart }, 'consumer crashed');
    if (!e.payload.restart) onFatal(e.payload.error);
  });

  let ticker: NodeJS.Timeout | undefined;
  return {
    metricsRegistry: deps.metricsRegistry,
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
      // All at once: a restarted processor joins the group (and takes partitions over) sooner. The
      // predecessor is removed before this incarnation joins, never after (it would remove itself).
      await Promise.all([producer.connect(), consumer.connect(), succession.evictPredecessor()]);
      await consumer.subscribe({ topic: codec.topics.quizEvents, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: handler.eachBatch,
      });
      ticker = setInterval(() => snapshots.tick(), options.snapshotTickMs);
    },
    async stop() {
      if (ticker) clearInterval(ticker);
      snapshots.stop();
      await consumer.disconnect();
      await snapshots.drain(options.snapshotThrottleMs, options.snapshotTickMs);
      schemas?.stop();
      await deps.close();
    },
  };
}
