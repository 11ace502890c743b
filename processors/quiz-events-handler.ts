import { setImmediate as yieldToIo } from 'node:timers/promises';
import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { DurableSender } from '../common/durable-producer';
import type { Pool } from 'pg';
import { AbortedError, isPoison } from '../common/errors';
import type { Logger } from '../common/logger';
import type { EventCodec } from '../common/codec';
import { retryUntilDone, type RetryOptions } from '../common/retry';
import type { DecodedEvent } from '../common/messages/events';
import { SpanKind, activeContext, activeSpanLink, contextFromHeaders, inContext, inSpan, type Context } from '../common/tracing';
import { BatchEffects } from './batch-effects';
import type { EventApplier, Finish } from './event-applier';
import type { WriteRound } from './leaderboard-writer';
import type { ProcessorMetrics } from './metrics';
import { writePgBatch } from './pg-batch';
import type { SerialLock } from './serial-lock';
import type { WriteBehind } from './write-behind';

// The consumer's eachBatch. A fetched batch is cut into chunks of at most BATCH_MAX_MESSAGES
// messages or BATCH_MAX_WAIT_MS of processing, so chunk sizes follow the load: a backlog fills
// whole chunks, a trickle is flushed as soon as the fetch that brought it is applied. A snapshot
// that falls due mid-chunk waits for the lock, so the chunk then stops early (snapshotWaiting):
// the board a viewer sees is late by one short chunk at most, not by a whole one. A chunk is
// applied in three steps: its messages are decoded, checked and scored in order in JavaScript,
// their Redis scripts queued on one round; the round goes to Redis in pipelined parts of
// SUB_ROUND_SIZE, each sent once queued, so Redis runs them while the rest is planned, and after
// each the event loop turns, so the previous chunk's Postgres transaction moves on (a
// QuestionClosed, which reads what came before it, ends one round and is applied alone); the
// replies, in order, give the outputs and the Postgres rows. Then the flush: the Kafka outputs, the
// snapshot path told the chunk's seq, and, queued behind the lock (write-behind.ts), one Postgres
// transaction and only then the offset commit, which run while the next chunk is planned; one chunk
// at most waits on its transaction while another is applied. A crash anywhere before the commit
// replays the chunk, and every effect is idempotent, so nothing is lost or counted twice.

/** Half the brokers' default message.max.bytes: one produce request never carries a record batch they refuse. */
const PRODUCE_REQUEST_MAX_BYTES = 512 * 1024;

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
  /** The chunks' Postgres transactions and offset commits, in order, behind the lock. */
  writes: WriteBehind;
  lock: SerialLock;
  metrics: ProcessorMetrics;
  log: Logger;
  /** Called after a chunk is flushed (its Postgres transaction may still be queued), with the quizzes it changed and their seq. */
  onFlushed: (changed: Map<string, number>) => Promise<void>;
  /** Runs under the lock once the chunk's state is in Redis and its outputs in Kafka, before its Postgres transaction and offset commit. */
  beforeCommit: (partition: number, changed: Map<string, number>) => Promise<void>;
  /** True while a due snapshot waits for the lock: a chunk that has run CHUNK_MIN_MS stops taking messages and flushes. */
  snapshotWaiting?: () => boolean;
}

// A chunk gives way to a waiting snapshot only after this long, so a processor whose many quizzes
// fall due at different moments still flushes in chunks of some size, not one per due snapshot.
const CHUNK_MIN_MS = 50;

// A chunk's round goes to Redis in parts of this many commands, each as soon as it is queued, so
// Redis runs one part while the processor plans the messages after it and finishes those before.
const SUB_ROUND_SIZE = 500;

export class QuizEventsHandler {
  constructor(
    private readonly d: HandlerDeps,
    private readonly o: HandlerOptions,
  ) {}

  readonly eachBatch = async (p: EachBatchPayload): Promise<void> => {
    const { batch } = p;
    const alive = () => p.isRunning() && !p.isStale();
    const retrying = this.retrying(alive, p);
    let next = 0;
    let failure: { err: unknown } | undefined;
    try {
      while (next < batch.messages.length && alive() && !this.d.writes.failed) {
        // One chunk's transaction outstanding while the next is applied, no more: with Postgres
        // down, Redis runs ahead by one chunk, not by the backlog.
        await this.d.writes.room();
        if (this.d.writes.failed) break;
        const effects = new BatchEffects();
        await this.d.lock.run(async () => {
          const started = Date.now();
          const chunk = new Chunk(this.d.applier.round());
          const giveWay = () => this.d.snapshotWaiting?.() === true && Date.now() - started >= CHUNK_MIN_MS;
          while (next < batch.messages.length && effects.messages < this.o.maxMessages && Date.now() - started < this.o.maxWaitMs && alive() && !giveWay()) {
            const message = batch.messages[next]!;
            await this.traced(batch.topic, batch.partition, message, effects, () => this.planOne(batch.topic, batch.partition, message, effects, chunk, retrying));
            next++;
          }
          await this.runRound(chunk, retrying);
          if (effects.lastOffset !== undefined) {
            // A flush serves many messages (many traces): its span links to each message's span.
            await inSpan(`${batch.topic} flush`, { links: effects.traceLinks, attributes: { 'messaging.batch.message_count': effects.messages } }, () =>
              this.flush(batch, effects, p),
            );
          }
        });
        if (effects.lastOffset === undefined) break;
        await this.d.onFlushed(effects.changedQuizzes);
        await p.heartbeat();
      }
    } catch (err) {
      failure = { err };
    }
    // The chunks applied so far finish their transactions and commits whatever stopped the loop.
    try {
      await this.d.writes.drain();
    } catch (err) {
      failure ??= { err };
    }
    if (!failure) return;
    // Revoked or stopping while a dependency failed: whoever owns the partition next replays the
    // uncommitted messages.
    if (failure.err instanceof AbortedError) {
      this.d.log.warn({ err: failure.err.lastError, partition: batch.partition }, 'batch abandoned; its uncommitted messages will be replayed');
      return;
    }
    throw failure.err;
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

  /** Decodes and plans one message onto the chunk's round; a QuestionClosed first runs the round, then is applied alone. */
  private async planOne(
    topic: string,
    partition: number,
    message: KafkaMessage,
    effects: BatchEffects,
    chunk: Chunk,
    retrying: RetryOptions,
  ): Promise<void> {
    effects.messages++;
    effects.lastOffset = message.offset;
    const seq = Number(message.offset) + 1;
    let event: DecodedEvent;
    try {
      event = this.d.codec.decodeKnown(message.value) ?? (await retryUntilDone('decode', () => this.d.codec.decode(message.value), retrying));
    } catch (err) {
      if (!isPoison(err)) throw err;
      return this.deadLetter(topic, partition, message, (err as Error).message, effects, retrying);
    }
    this.d.metrics.consumed.inc({ type: event.type });
    // The round before a close runs outside the try below: its failures are not this message's.
    if (this.d.applier.needsOwnRound(event)) await this.runRound(chunk, retrying);
    try {
      if (this.d.applier.needsOwnRound(event)) {
        await retryUntilDone(
          'apply',
          () => inSpan(`apply ${event.type}`, { attributes: { 'quizstream.seq': seq } }, () => this.d.applier.applyClose(event.payload, { seq, effects })),
          retrying,
        );
        return;
      }
      // A failed plan queued nothing (its writes are queued after its last await), so it is retried
      // whole. Its finish runs later in the context of its span, so the outputs carry its trace on.
      const planned = await retryUntilDone(
        'apply',
        () =>
          inSpan(`apply ${event.type}`, { attributes: { 'quizstream.seq': seq } }, async () => {
            const finish = await this.d.applier.plan(event, { seq, effects }, chunk.round);
            return finish && { finish, context: activeContext() };
          }),
        retrying,
      );
      if (planned) chunk.planned.push(planned);
      // Redis runs this part of the round while the rest of the chunk is planned and finished.
      if (chunk.round.size >= SUB_ROUND_SIZE) {
        this.launch(chunk);
        // Planning awaits only settled promises, so without this a whole chunk is one turn of the
        // event loop, and each round trip of the previous chunk's Postgres transaction waits for
        // that turn to end (in a backlog, BEGIN alone took 16-45 ms).
        await yieldToIo();
      }
    } catch (err) {
      if (!isPoison(err)) throw err;
      await this.deadLetter(topic, partition, message, (err as Error).message, effects, retrying);
    }
  }

  /** Sends what is queued on the chunk's round as one pipeline, without waiting for the replies. */
  private launch(chunk: Chunk): void {
    if (chunk.planned.length === 0 && chunk.round.size === 0) return;
    const round = chunk.round;
    const timer = this.d.metrics.roundDuration.startTimer();
    const replies = round.exec().finally(() => timer());
    // Awaited in runRound; handled here too, for a chunk abandoned before it gets there.
    replies.catch(() => undefined);
    this.d.metrics.roundSize.observe(round.size);
    chunk.launched.push({ round, planned: chunk.planned, replies });
    chunk.round = this.d.applier.round();
    chunk.planned = [];
  }

  /**
   * Sends the rest of the chunk's round, then finishes each planned message from its part's
   * replies, in order: a part's messages are finished while Redis runs the parts after it. Once a
   * part has failed, it and every part after it are sent again, in order (the later ones may have
   * run already; every script is idempotent, as for a whole round sent twice).
   */
  private async runRound(chunk: Chunk, retrying: RetryOptions): Promise<void> {
    this.launch(chunk);
    const parts = chunk.launched;
    chunk.launched = [];
    let resend = false;
    for (const part of parts) {
      let replies: unknown[] | undefined;
      if (!resend) {
        try {
          replies = await part.replies;
        } catch (err) {
          resend = true;
          this.d.metrics.retries.inc({ stage: 'redis' });
          this.d.log.warn({ err }, 'dependency failed; sending the rest of the round again');
          await Promise.allSettled(parts.map((x) => x.replies));
        }
      }
      replies ??= await retryUntilDone('redis', () => part.round.exec(), retrying);
      for (const { finish, context } of part.planned) {
        await retryUntilDone('apply', () => inContext(context, () => finish(replies)), retrying);
      }
    }
  }

  private async deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    reason: string,
    effects: BatchEffects,
    retrying: RetryOptions,
  ): Promise<void> {
    this.d.log.warn({ topic, partition, offset: message.offset, reason }, 'dead-lettering message');
    const dl = this.d.codec.topics.deadLetter;
    const encode = () =>
      this.d.codec.encode(dl, 'DeadLetter', { topic, partition, offset: message.offset, key: message.key ?? null, value: message.value ?? null, reason, failedAt: Date.now() });
    const value = await retryUntilDone('dead-letter', encode, retrying);
    effects.output(dl, message.key?.toString() ?? '', value);
    this.d.metrics.consumed.inc({ type: 'poison' });
    this.d.metrics.deadLettered.inc({ reason: reason.startsWith('not in the Confluent') || reason.startsWith('cannot decode') ? 'undecodable' : 'unappliable' });
  }

  /**
   * Produces the chunk's outputs and tells the snapshot path its seq, then queues its Postgres
   * transaction and offset commit (this.d.writes).
   */
  private async flush(batch: EachBatchPayload['batch'], effects: BatchEffects, p: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    const timer = this.d.metrics.flushDuration.startTimer();
    // A stopping process still finishes the chunk it has applied; only a revoked partition gives up.
    const retrying = this.retrying(() => !p.isStale(), p);
    const nextOffset = String(Number(effects.lastOffset) + 1);
    const produce = async () => {
      for (const topicMessages of effects.outputRequests(PRODUCE_REQUEST_MAX_BYTES)) {
        await retryUntilDone('produce', () => this.d.producer.sendBatch({ topicMessages, acks: -1 }), retrying);
      }
    };
    // Outputs before rows. The Postgres batch records the questions this chunk released, and a
    // replay that finds a question released there reveals nothing again (quiz-catalog.ts); were the
    // rows in while the outputs were not (Kafka failed, the partition moved, the chunk was
    // replayed), that close's reveal and held results would never be sent. The other way round, a
    // replay sends the outputs again, which their consumers take as repeats.
    await produce();
    // Redis holds the chunk's state now: a snapshot may be built from it under this seq (a replay
    // after a crash rebuilds the same state, every script being idempotent).
    await retryUntilDone('before-commit', () => this.d.beforeCommit(partition, effects.changedQuizzes), retrying);
    void this.d.writes.queue(async () => {
      await retryUntilDone('postgres', () => writePgBatch(this.d.pg, this.o.groupId, effects.toPgBatch([{ topic, partition, nextOffset }])), retrying);
      p.resolveOffset(effects.lastOffset!);
      await retryUntilDone('commit', () => p.commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: nextOffset }] }] }), retrying);
      this.d.metrics.lag.set({ partition: String(partition) }, Math.max(0, Number(batch.highWatermark) - Number(effects.lastOffset) - 1));
      this.d.metrics.batchSize.observe(effects.messages);
      timer();
    });
  }

  /**
   * How each step of a batch is retried while its dependency fails, giving up (AbortedError) once
   * `alive` says so. Made once per batch and per flush, not per step: a step runs several times per
   * message, and tsx names every function an object literal holds (esbuild's keepNames, a
   * defineProperty each), which cost ~2 µs per message when these were made per step.
   */
  private retrying(alive: () => boolean, p: EachBatchPayload): RetryOptions {
    return {
      initialMs: 100,
      maxMs: this.o.retryMaxMs,
      alive,
      between: () => p.heartbeat(),
      onFailure: (err, attempt, _delay, stage) => {
        this.d.metrics.retries.inc({ stage });
        this.d.log.warn({ err, stage, attempt }, 'dependency failed; retrying');
      },
    };
  }
}

interface Planned {
  finish: Finish;
  context: Context;
}

/** A part of a chunk's round on its way to Redis, with the messages planned onto it. */
interface LaunchedPart {
  round: WriteRound;
  planned: Planned[];
  replies: Promise<unknown[]>;
}

/** The messages of a chunk planned since its last part was sent, the round their writes are queued on, and the parts sent. */
class Chunk {
  planned: Planned[] = [];
  launched: LaunchedPart[] = [];

  constructor(public round: WriteRound) {}
}
