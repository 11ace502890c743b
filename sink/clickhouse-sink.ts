import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { AbortedError, PoisonMessageError, UnstorableRecordError } from '../common/errors';
import type { Logger } from '../common/logger';
import type { EventCodec } from '../common/codec';
import { retryUntilDone, sleep } from '../common/retry';
import type { ClickHouseWriter } from './clickhouse-writer';
import type { SinkMetrics } from './metrics';
import { SINK_DEFAULTS, type SinkOptions } from './options';
import { PendingBatch } from './pending-batch';
import { toRow, topicRoles, type SinkRow, type TopicRole } from './rows';

export interface SinkDeps {
  kafka: Kafka;
  codec: EventCodec;
  writer: ClickHouseWriter;
  log: Logger;
  metrics: SinkMetrics;
  options: SinkOptions;
  /**
   * Runs when the consumer crashed and kafkajs will not restart it: the process should exit so its
   * supervisor starts a fresh one (what was not committed is read again and deduplicated).
   */
  onFatal?: (err: unknown) => void;
}

/**
 * Copies quiz.results, quiz.snapshots and quiz.events into ClickHouse. Rows are buffered and
 * inserted at `batchMaxRows` rows or after `batchMaxWaitMs`; a partition's offset is committed only
 * once every row read before it is in ClickHouse, so a crash loses nothing (a replay re-inserts rows
 * the tables deduplicate). While ClickHouse is down the insert is retried with backoff and the
 * buffer stops growing at `batchMaxRows`, so the consumer waits instead of reading ahead.
 */
export class ClickHouseSink {
  private readonly consumer: Consumer;
  private readonly roles: Record<string, TopicRole>;
  private pending = new PendingBatch();
  private flushChain: Promise<void> = Promise.resolve();
  private queuedFlush: Promise<void> | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private batchInProgress: Promise<void> = Promise.resolve();
  private readonly abort = new AbortController();
  private stopping = false;
  private joined = false;

  constructor(private readonly deps: SinkDeps) {
    this.roles = topicRoles(deps.codec.topics);
    this.consumer = deps.kafka.consumer({
      groupId: deps.options.groupId,
      sessionTimeout: SINK_DEFAULTS.consumer.sessionTimeoutMs,
      heartbeatInterval: deps.options.heartbeatMs,
      maxWaitTimeInMs: SINK_DEFAULTS.consumer.maxWaitMs,
      minBytes: SINK_DEFAULTS.consumer.minBytes,
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => {
      this.joined = true;
      this.deps.log.info({ memberAssignment: e.payload.memberAssignment }, 'joined the consumer group');
    });
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      this.joined = false;
      this.deps.log.error({ err: e.payload.error, restart: e.payload.restart }, 'Kafka consumer crashed');
      if (!e.payload.restart && !this.stopping) this.deps.onFatal?.(e.payload.error);
    });
    this.consumer.on(this.consumer.events.STOP, () => {
      this.joined = false;
    });
  }

  async start(): Promise<void> {
    const { topics } = this.deps.codec;
    await this.consumer.connect();
    // A new group reads each topic from its beginning: analytics wants every record still in Kafka.
    await this.consumer.subscribe({ topics: [topics.results, topics.snapshots, topics.quizEvents], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false, // commits happen in flush(), after the insert
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.trackBatch(this.handleBatch(payload)),
    });
  }

  /** Whether the consumer is in its group (for /readyz). */
  get inGroup(): boolean {
    return this.joined;
  }

  /**
   * Stops reading, inserts what is buffered, commits, leaves the group. If ClickHouse does not take
   * the rows within `graceMs`, gives up on them: their offsets stay uncommitted, so the next sink
   * in the group reads them again.
   */
  async stop(graceMs = this.deps.options.stopGraceMs): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const { topics } = this.deps.codec;
    // A consumer that crashed for good is no longer running: there is nothing to pause.
    if (this.joined) this.consumer.pause([{ topic: topics.results }, { topic: topics.snapshots }, { topic: topics.quizEvents }]);
    const giveUp = setTimeout(() => this.abort.abort(), graceMs);
    try {
      await this.batchInProgress;
      await this.flush();
    } catch (err) {
      // An abandoned flush was logged with its rows in flushNow(); anything else is a real failure.
      if (!(err instanceof AbortedError)) throw err;
      this.deps.log.info({ graceMs }, 'stopped without flushing everything');
    } finally {
      clearTimeout(giveUp);
      if (this.flushTimer) clearTimeout(this.flushTimer);
      await this.consumer.disconnect();
    }
  }

  /** Inserts whatever is buffered, then commits its offsets. Flushes run one at a time, in order. */
  flush(): Promise<void> {
    // A flush that is queued but has not started yet drains everything buffered when it starts, so
    // it serves this caller too; during a long outage the queue stays one flush deep.
    if (this.queuedFlush) return this.queuedFlush;
    const run = this.flushChain.then(() => {
      this.queuedFlush = null;
      return this.flushNow();
    });
    this.queuedFlush = run;
    // A flush that failed (only on abort) must not block the ones after it; the caller sees its error.
    this.flushChain = run.catch((err: unknown) => {
      this.deps.log.debug({ err }, 'flush abandoned');
    });
    return run;
  }

  /** Remembers the batch in progress so stop() can wait for it; kafkajs gets (and handles) its error. */
  private trackBatch(work: Promise<void>): Promise<void> {
    this.batchInProgress = work.then(
      () => undefined,
      () => undefined,
    );
    return work;
  }

  private async handleBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const role = this.roles[batch.topic];
    if (!role) throw new Error(`subscribed to unexpected topic ${batch.topic}`);
    for (const message of batch.messages) {
      if (!isRunning() || isStale() || this.stopping) return;
      const row = await this.rowFor(role, batch.topic, batch.partition, message, heartbeat);
      this.pending.add(batch.topic, batch.partition, message.offset, row);
      resolveOffset(message.offset);
      this.deps.metrics.bufferedRows.set(this.pending.rowCount);
      if (this.pending.rowCount >= this.deps.options.batchMaxRows) {
        // Backpressure: one insert in flight while the next batch is decoded, never more. Wait for
        // the previous insert to finish, then start this one and keep reading.
        await this.whileHeartbeating(this.flushChain, heartbeat);
        this.flushInBackground();
      } else {
        this.scheduleFlush();
      }
    }
    this.deps.metrics.lag.set({ topic: role, partition: String(batch.partition) }, Number(batch.offsetLag()));
  }

  /** Decodes a message into its row; null when it is skipped. Retries while the registry is down. */
  private async rowFor(role: TopicRole, topic: string, partition: number, message: KafkaMessage, heartbeat: () => Promise<void>): Promise<SinkRow | null> {
    const { codec, metrics, log, options } = this.deps;
    try {
      const event = await retryUntilDone('decode', () => codec.decode(message.value), {
        initialMs: options.retryInitialMs,
        maxMs: options.retryMaxMs,
        signal: this.abort.signal,
        isRetriable: (err) => !(err instanceof PoisonMessageError),
        onFailure: (err, attempt, nextDelayMs) => {
          log.warn({ topic, partition, offset: message.offset, attempt, nextDelayMs, err: (err as Error).message }, 'schema registry unavailable: retrying decode');
          void heartbeat().catch((hbErr: unknown) => log.debug({ err: hbErr }, 'heartbeat during decode retry failed'));
        },
      });
      const row = toRow(role, event);
      metrics.messages.inc({ topic: role, outcome: row ? 'row' : 'ignored' });
      return row;
    } catch (err) {
      if (!(err instanceof PoisonMessageError) && !(err instanceof UnstorableRecordError)) throw err;
      // Poison on quiz.events is already dead-lettered by the processors; here it is only counted.
      metrics.messages.inc({ topic: role, outcome: 'undecodable' });
      log.error({ topic, partition, offset: message.offset, err: err.message }, 'skipping a message that cannot be decoded or stored');
      return null;
    }
  }

  private scheduleFlush(): void {
    if (this.flushTimer || this.stopping) return;
    const wait = Math.max(0, this.deps.options.batchMaxWaitMs - this.pending.ageMs());
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.flushInBackground();
    }, wait);
  }

  /** Starts a flush nobody awaits; stop() and the next full batch wait for it through flushChain. */
  private flushInBackground(): void {
    this.flush().catch((err: unknown) => {
      if (!(err instanceof AbortedError)) this.deps.log.error({ err }, 'background flush failed');
    });
  }

  private async flushNow(): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    if (this.pending.isEmpty) return;
    const batch = this.pending.drain();
    this.deps.metrics.bufferedRows.set(0);
    try {
      await this.deps.writer.insertAll(batch, this.abort.signal);
    } catch (err) {
      if (err instanceof AbortedError) {
        this.deps.log.warn({ rows: batch.rowCount, commits: batch.commits }, 'stopping before ClickHouse took these rows: offsets stay uncommitted, the group reads them again');
      }
      throw err;
    }
    try {
      await this.consumer.commitOffsets(batch.commits);
    } catch (err) {
      // Typically a rebalance took the partition away. The rows are in ClickHouse; whoever reads
      // the partition next inserts them again and the tables deduplicate. A later commit for the
      // same partition supersedes this one.
      this.deps.metrics.commitFailures.inc();
      this.deps.log.warn({ err: (err as Error).message, commits: batch.commits }, 'offset commit failed after insert');
    }
  }

  /** Waits for `work`, heartbeating so the group does not drop this member during a long outage. */
  private async whileHeartbeating(work: Promise<void>, heartbeat: () => Promise<void>): Promise<void> {
    let done = false;
    const finished = work.finally(() => {
      done = true;
    });
    // If a heartbeat error ends this wait early, the flush still settles later; its error is
    // reported by whoever awaits the flush chain, so here it is only noted.
    finished.catch((err: unknown) => this.deps.log.debug({ err }, 'flush settled after the batch stopped waiting'));
    while (!done) {
      await Promise.race([finished, sleep(this.deps.options.heartbeatMs)]);
      // A rebalance surfaces here as an error; kafkajs expects it to propagate so it can rejoin.
      if (!done) await heartbeat();
    }
    await finished;
  }
}
