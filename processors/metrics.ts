import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export class ProcessorMetrics {
  readonly consumed: Counter<'type'>;
  readonly answers: Counter<'outcome'>;
  readonly deadLettered: Counter<'reason'>;
  readonly batchSize: Histogram;
  readonly flushDuration: Histogram;
  readonly roundSize: Histogram;
  readonly roundDuration: Histogram;
  readonly lag: Gauge<'partition'>;
  readonly snapshots: Counter<'result'>;
  readonly snapshotPublishDuration: Histogram;
  readonly retries: Counter<'stage'>;

  constructor(registry: Registry) {
    this.consumed = new Counter({
      name: 'processor_messages_consumed_total',
      help: 'quiz.events messages read, by event type (undecodable ones as "undecodable")',
      labelNames: ['type'],
      registers: [registry],
    });
    this.answers = new Counter({
      name: 'processor_answers_total',
      help: 'Answers by outcome: scored (first answer, applied now), duplicate (a later answer to the same question), replay (already applied before a crash or rebalance)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.deadLettered = new Counter({
      name: 'processor_dead_lettered_total',
      help: 'Messages sent to the dead-letter topic, by kind of failure',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.batchSize = new Histogram({
      name: 'processor_batch_messages',
      help: 'Messages per flushed batch (one Postgres transaction and one offset commit)',
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
      registers: [registry],
    });
    this.flushDuration = new Histogram({
      name: 'processor_flush_duration_seconds',
      help: 'Time to make a chunk durable: Kafka outputs, then its Postgres transaction and offset commit (queued behind the previous chunk\'s)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    this.roundSize = new Histogram({
      name: 'processor_redis_round_commands',
      help: 'Redis commands per pipelined part of a round (up to 500 of the writes a chunk queued; fewer at its end or before a close)',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
      registers: [registry],
    });
    this.roundDuration = new Histogram({
      name: 'processor_redis_round_duration_seconds',
      help: 'Time for one pipelined part of a round of Redis writes, sent to last reply',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    });
    this.lag = new Gauge({
      name: 'processor_consumer_lag_messages',
      help: 'Messages in quiz.events after the last one this process flushed, per partition it owns',
      labelNames: ['partition'],
      registers: [registry],
    });
    this.snapshots = new Counter({
      name: 'processor_snapshots_total',
      help: 'Ranking snapshots: published, or superseded (Redis already held a newer seq)',
      labelNames: ['result'],
      registers: [registry],
    });
    this.snapshotPublishDuration = new Histogram({
      name: 'processor_snapshot_publish_duration_seconds',
      help: 'Time to publish one due ranking snapshot: read the ranking from Redis, store it, produce it to quiz.snapshots',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    this.retries = new Counter({
      name: 'processor_retries_total',
      help: 'Retries while a dependency was failing, by stage',
      labelNames: ['stage'],
      registers: [registry],
    });
  }
}
