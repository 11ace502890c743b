import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { DurableSender } from '../common/durable-producer';
import type { Pool } from 'pg';
import { AbortedError, isPoison } from '../common/errors';
import type { Logger } from '../common/logger';
import type { EventCodec } from '../common/codec';
import { retryUntilDone } from '../common/retry';
import { SpanKind, activeSpanLink, contextFromHeaders, inSpan } from '../common/tracing';
import { BatchEffects } from './batch-effects';
import type { EventApplier } from './event-applier';
import type { ProcessorMetrics } from './metrics';
import { writePgBatch } from './pg-batch';
import type { SerialLock } from './serial-lock';

// The consumer's eachBatch. A fetched batch is cut into chunks of at most BATCH_MAX_MESSAGES
// messages or BATCH_MAX_WAIT_MS of processing; each chunk is applied (Redis at once), then flushed:
// Kafka outputs, one Postgres transaction, and only then the offset commit. A crash anywhere before
// the commit replays the chunk, and every effect is idempotent, so nothing is lost or counted twice.

export interface HandlerOptions {
  groupId: string;
  maxMessages: number;
  maxWaitMs: number;
  retryMaxMs: number;
}

export interface HandlerDeps {
  codec: EventCodec;
  applier: EventApplier;
  producer: DurableSender;
  pg: Pool;
  lock: SerialLock;
  metrics: ProcessorMetrics;
  log: Logger;
  /** Called after a chunk is durable, with the quizzes it changed and their seq. */
  onFlushed: (changed: Map<string, number>) => Promise<void>;
  /** Runs after the chunk's effects are durable and before its offset is committed. */
  beforeCommit: (partition: number, changed: Map<string, number>) => Promise<void>;
}

export class QuizEventsHandler {
  constructor(
    private readonly d: HandlerDeps,
    private readonly o: HandlerOptions,
  ) {}

  readonly eachBatch = async (p: EachBatchPayload): Promise<void> => {
    const { batch } = p;
    const alive = () => p.isRunning() && !p.isStale();
    let next = 0;
    try {
      while (next < batch.messages.length && alive()) {
        const effects = new BatchEffects();
        await this.d.lock.run(async () => {
          const started = Date.now();
          while (next < batch.messages.length && effects.messages < this.o.maxMessages && Date.now() - started < this.o.maxWaitMs && alive()) {
            const message = batch.messages[next]!;
            await this.traced(batch.topic, batch.partition, message, effects, () => this.processOne(batch.topic, batch.partition, message, effects, p, alive));
            next++;
          }
          if (effects.lastOffset !== undefined) {
            // A flush serves many messages (many traces): its span links to each message's span.
            await inSpan(`${batch.topic} flush`, { links: effects.traceLinks, attributes: { 'messaging.batch.message_count': effects.messages } }, () =>
              this.flush(batch.topic, batch.partition, effects, p),
            );
          }
        });
        if (effects.lastOffset === undefined) break;
        this.d.metrics.lag.set({ partition: String(batch.partition) }, Math.max(0, Number(batch.highWatermark) - Number(effects.lastOffset) - 1));
        await this.d.onFlushed(effects.changedQuizzes);
        await p.heartbeat();
      }
    } catch (err) {
      // Revoked or stopping while a dependency failed: whoever owns the partition next replays the
      // unflushed messages (nothing was committed for them).
      if (err instanceof AbortedError) {
        this.d.log.warn({ err: err.lastError, partition: batch.partition }, 'batch abandoned; its uncommitted messages will be replayed');
        return;
      }
      throw err;
    }
  };

  /** One consumer span per message, a child of the producer span whose context ingest put in its headers. */
  private traced(topic: string, partition: number, message: KafkaMessage, effects: BatchEffects, run: () => Promise<void>): Promise<void> {
    const attributes = { 'messaging.destination.name': topic, 'messaging.destination.partition.id': String(partition), 'messaging.kafka.offset': message.offset };
    return inSpan(`${topic} process`, { kind: SpanKind.CONSUMER, parent: contextFromHeaders(message.headers), attributes }, () => {
      const link = activeSpanLink();
      if (link) effects.traceLinks.push(link);
      return run();
    });
  }

  private async processOne(
    topic: string,
    partition: number,
    message: KafkaMessage,
    effects: BatchEffects,
    p: EachBatchPayload,
    alive: () => boolean,
  ): Promise<void> {
    effects.messages++;
    effects.lastOffset = message.offset;
    const seq = Number(message.offset) + 1;
    try {
      await this.retry('apply', alive, p, async () => {
        const event = await this.d.codec.decode(message.value);
        this.d.metrics.consumed.inc({ type: event.type });
        await inSpan(`apply ${event.type}`, { attributes: { 'quizstream.seq': seq } }, () => this.d.applier.apply(event, { seq, effects }));
      });
    } catch (err) {
      if (!isPoison(err)) throw err;
      await this.deadLetter(topic, partition, message, (err as Error).message, effects, p, alive);
    }
  }

  private async deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    reason: string,
    effects: BatchEffects,
    p: EachBatchPayload,
    alive: () => boolean,
  ): Promise<void> {
    this.d.log.warn({ topic, partition, offset: message.offset, reason }, 'dead-lettering message');
    const dl = this.d.codec.topics.deadLetter;
    const value = await this.retry('dead-letter', alive, p, () =>
      this.d.codec.encode(dl, 'DeadLetter', {
        topic,
        partition,
        offset: message.offset,
        key: message.key ?? null,
        value: message.value ?? null,
        reason,
        failedAt: Date.now(),
      }),
    );
    effects.output(dl, message.key?.toString() ?? '', value);
    this.d.metrics.consumed.inc({ type: 'poison' });
    this.d.metrics.deadLettered.inc({ reason: reason.startsWith('not in the Confluent') || reason.startsWith('cannot decode') ? 'undecodable' : 'unappliable' });
  }

  private async flush(topic: string, partition: number, effects: BatchEffects, p: EachBatchPayload): Promise<void> {
    const timer = this.d.metrics.flushDuration.startTimer();
    // A stopping process still finishes the chunk it has applied; only a revoked partition gives up.
    const alive = () => !p.isStale();
    const nextOffset = String(Number(effects.lastOffset) + 1);
    const topicMessages = [...effects.outputs].map(([t, messages]) => ({ topic: t, messages }));
    if (topicMessages.length > 0) {
      await this.retry('produce', alive, p, () => this.d.producer.sendBatch({ topicMessages, acks: -1 }));
    }
    await this.retry('postgres', alive, p, () => writePgBatch(this.d.pg, this.o.groupId, effects.toPgBatch([{ topic, partition, nextOffset }])));
    await this.retry('before-commit', alive, p, () => this.d.beforeCommit(partition, effects.changedQuizzes));
    p.resolveOffset(effects.lastOffset!);
    await this.retry('commit', alive, p, () => p.commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: nextOffset }] }] }));
    this.d.metrics.batchSize.observe(effects.messages);
    timer();
  }

  /** Retries a step while its dependency fails; gives up (AbortedError) once `alive` says so. */
  private retry<T>(stage: string, alive: () => boolean, p: EachBatchPayload, step: () => Promise<T>): Promise<T> {
    return retryUntilDone(stage, step, {
      initialMs: 100,
      maxMs: this.o.retryMaxMs,
      alive,
      between: () => p.heartbeat(),
      onFailure: (err, attempt) => {
        this.d.metrics.retries.inc({ stage });
        this.d.log.warn({ err, stage, attempt }, 'dependency failed; retrying');
      },
    });
  }
}
