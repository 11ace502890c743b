import type { Message } from 'kafkajs';
import type { DurableSender } from '../common/durable-producer';
import { UnavailableError } from '../common/errors';
import type { AnswerSubmitted, PlayerJoined, PlayerKicked, QuestionClosed, QuestionOpened, QuizClosed } from '../common/messages/events';
import type { Logger } from '../common/logger';
import type { EventCodec } from '../common/codec';
import { SpanKind, inSpan, traceHeaders } from '../common/tracing';
import type { IngestMetrics } from './metrics';

/** What ingest writes to quiz.events; everything is keyed by quizId so one partition keeps a quiz's order. */
export type QuizEvent =
  | { type: 'PlayerJoined'; payload: PlayerJoined }
  | { type: 'PlayerKicked'; payload: PlayerKicked }
  | { type: 'QuestionOpened'; payload: QuestionOpened }
  | { type: 'QuestionClosed'; payload: QuestionClosed }
  | { type: 'AnswerSubmitted'; payload: AnswerSubmitted }
  | { type: 'QuizClosed'; payload: QuizClosed };

export interface EventWriterOptions {
  /** Kafka must acknowledge within this many milliseconds, else the caller gets a 503. */
  timeoutMs: number;
  /** Writes queued or in flight; past this, new writes get a 503 at once instead of piling up. */
  maxPending: number;
  /** Most messages in one produce request. */
  maxBatch?: number;
}

type Encoded = { ok: true; messages: Message[] } | { ok: false; error: unknown };

interface Entry {
  quizId: string;
  started: bigint;
  /** When the caller gets its 503 if Kafka has not acknowledged by then (performance.now() ms). */
  deadline: number;
  encoded: Promise<Encoded>;
  /** queued: waiting for its batch; sending: in a produce request; abandoned: its caller gave up first; settled: acknowledged or failed. */
  state: 'queued' | 'sending' | 'abandoned' | 'settled';
  resolve: () => void;
  reject: (err: unknown) => void;
  timedOut: boolean;
}

/**
 * Encodes events with their registered Avro schemas and writes them with acks=all through the
 * idempotent producer. A write is acknowledged within the timeout or fails with a 503 (retriable):
 * never a hang, never a 500 for an outage.
 *
 * Writes are group-committed: the idempotent producer allows one request in flight, so writes
 * that arrive while one is out go together in the next request (in arrival order, which keeps each
 * quiz's order), and a request started when none was out also takes the writes made in the
 * microtasks queued before it. Each caller still gets its answer only after Kafka acknowledged its
 * own message. A write whose caller already timed out before its batch left is dropped, never sent
 * late.
 */
export class EventWriter {
  private readonly queue: Entry[] = [];
  /**
   * Every write whose caller still waits, oldest first (and some already answered, dropped from the
   * front as they come up): one timer for the oldest
   * deadline serves them all (writes settle in arrival order, batch by batch), where a timer and a
   * race of two promises per write cost more than the rest of the write's bookkeeping.
   */
  private readonly watched: Entry[] = [];
  private deadlineTimer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private flushing = false;
  private readonly maxBatch: number;

  constructor(
    private readonly codec: EventCodec,
    private readonly producer: DurableSender,
    private readonly options: EventWriterOptions,
    private readonly metrics: IngestMetrics,
    private readonly log: Logger,
  ) {
    this.maxBatch = options.maxBatch ?? 1_000;
  }

  get pendingWrites(): number {
    return this.queue.length + this.inFlight;
  }

  /** Several events in one call go out in one request, so they land together and in this order. */
  write(quizId: string, events: QuizEvent[]): Promise<void> {
    // The producer span: its context goes into each message's headers (see encode), so the
    // processor's span for the message continues this trace.
    const topic = this.codec.topics.quizEvents;
    const attributes = { 'messaging.system': 'kafka', 'messaging.destination.name': topic, 'quizstream.quiz_id': quizId, 'quizstream.event_types': events.map((e) => e.type) };
    return inSpan(`${topic} publish`, { kind: SpanKind.PRODUCER, attributes }, () => this.writeNow(quizId, events));
  }

  private writeNow(quizId: string, events: QuizEvent[]): Promise<void> {
    if (this.pendingWrites >= this.options.maxPending) {
      this.metrics.produceRejected.inc();
      return Promise.reject(new UnavailableError(`kafka: ${this.pendingWrites} writes already waiting for an acknowledgement`, 1, 'kafka_unavailable'));
    }
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const entry: Entry = {
      quizId,
      started: process.hrtime.bigint(),
      deadline: performance.now() + this.options.timeoutMs,
      encoded: this.encode(quizId, events),
      state: 'queued',
      resolve,
      reject,
      timedOut: false,
    };
    this.queue.push(entry);
    this.watched.push(entry);
    this.watchFrom();
    this.kick();
    return promise;
  }

  /** Answers every write past its deadline with a 503; one still queued is dropped, never sent late. */
  private expire(): void {
    this.deadlineTimer = undefined;
    const now = performance.now();
    for (const entry of this.watched) {
      if (entry.deadline > now) break;
      if (!waiting(entry)) continue;
      entry.timedOut = true;
      if (entry.state === 'queued') this.abandon(entry);
      entry.reject(new UnavailableError(`kafka did not acknowledge within ${this.options.timeoutMs} ms`, 1, 'kafka_unavailable'));
    }
    this.watchFrom();
  }

  /** Drops the answered writes at the front and sets the timer for the oldest one still waiting. */
  private watchFrom(): void {
    let head = 0;
    while (head < this.watched.length && !waiting(this.watched[head]!)) head++;
    if (head > 0) this.watched.splice(0, head);
    const oldest = this.watched[0];
    if (!oldest) {
      clearTimeout(this.deadlineTimer);
      this.deadlineTimer = undefined;
    } else if (!this.deadlineTimer) {
      this.deadlineTimer = setTimeout(() => this.expire(), Math.max(0, oldest.deadline - performance.now()));
    }
  }

  /** Never rejects: an encoding error belongs to its own write only, not to the batch. */
  private async encode(quizId: string, events: QuizEvent[]): Promise<Encoded> {
    const topic = this.codec.topics.quizEvents;
    try {
      const messages = await Promise.all(
        events.map(async (e) => ({ key: quizId, value: await this.codec.encode(topic, e.type, e.payload), headers: { 'event-type': e.type, ...traceHeaders() } })),
      );
      return { ok: true, messages };
    } catch (error) {
      // The registry being down is already a 503; an event that does not fit its schema is our
      // bug and surfaces as a 500.
      return { ok: false, error };
    }
  }

  private abandon(entry: Entry): void {
    entry.state = 'abandoned';
    this.queue.splice(this.queue.indexOf(entry), 1);
    this.metrics.pendingSends.set(this.pendingWrites);
    this.observe(entry, 'timeout');
  }

  private kick(): void {
    if (this.flushing) return;
    this.flushing = true;
    // The first write after an idle moment starts the request once the microtasks already queued
    // have run: the answers one Redis reply lets through resume one after another there, and they
    // go in this request rather than the first alone and the rest a Kafka round trip later.
    queueMicrotask(() => {
      void this.flush().finally(() => {
        this.flushing = false;
        if (this.queue.length > 0) this.kick();
      });
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      for (const e of batch) e.state = 'sending';
      this.inFlight = batch.length;
      this.metrics.pendingSends.set(this.pendingWrites);
      const encoded = await Promise.all(batch.map((e) => e.encoded));
      const ready: Array<{ entry: Entry; messages: Message[] }> = [];
      batch.forEach((entry, i) => {
        const result = encoded[i]!;
        if (result.ok) ready.push({ entry, messages: result.messages });
        else this.settle(entry, 'error', result.error);
      });
      if (ready.length > 0) await this.send(ready);
      this.inFlight = 0;
      this.metrics.pendingSends.set(this.pendingWrites);
      this.watchFrom();
    }
  }

  private async send(ready: Array<{ entry: Entry; messages: Message[] }>): Promise<void> {
    try {
      // A no-op when connected; after a failed send the DurableProducer has a new producer to connect.
      await this.producer.connect();
      await this.producer.send({ topic: this.codec.topics.quizEvents, acks: -1, messages: ready.flatMap((r) => r.messages) });
    } catch (err) {
      const error = new UnavailableError(`kafka cannot take the write: ${(err as Error).message}`, 1, 'kafka_unavailable');
      for (const { entry } of ready) this.settle(entry, 'error', error);
      return;
    }
    const late = ready.filter((r) => r.entry.timedOut);
    if (late.length > 0) {
      // Those callers were told 503, yet their events are in Kafka. The processors' "first answer
      // wins" rule, and clients retrying with the same answerId, keep this from counting twice.
      this.log.warn({ count: late.length, quizIds: [...new Set(late.map((r) => r.entry.quizId))] }, 'kafka acknowledged writes after their callers timed out');
    }
    for (const { entry } of ready) this.settle(entry, 'ok');
  }

  /** A caller already told 503 (timed out) is not answered again. */
  private settle(entry: Entry, outcome: 'ok' | 'error', error?: unknown): void {
    entry.state = 'settled';
    this.observe(entry, outcome);
    if (outcome === 'ok') entry.resolve();
    else entry.reject(error);
  }

  private observe(entry: Entry, result: 'ok' | 'error' | 'timeout'): void {
    this.metrics.produceDuration.observe({ result }, Number(process.hrtime.bigint() - entry.started) / 1e9);
  }
}

/** Whether a write's caller still waits for its answer: not settled, and not told 503 by the deadline. */
function waiting(entry: Entry): boolean {
  return entry.state !== 'settled' && !entry.timedOut;
}
