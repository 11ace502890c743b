import type { Producer } from 'kafkajs';
import { UnavailableError } from '../common/errors';
import type { PlayerJoined, QuestionClosed, QuestionOpened, AnswerSubmitted, QuizClosed } from '../common/events';
import type { Logger } from '../common/logger';
import type { EventCodec } from '../common/registry';
import type { IngestMetrics } from './metrics';

/** What ingest writes to quiz.events; everything is keyed by quizId so one partition keeps a quiz's order. */
export type QuizEvent =
  | { type: 'PlayerJoined'; payload: PlayerJoined }
  | { type: 'QuestionOpened'; payload: QuestionOpened }
  | { type: 'QuestionClosed'; payload: QuestionClosed }
  | { type: 'AnswerSubmitted'; payload: AnswerSubmitted }
  | { type: 'QuizClosed'; payload: QuizClosed };

export interface EventWriterOptions {
  /** Kafka must acknowledge within this many milliseconds, else the caller gets a 503. */
  timeoutMs: number;
  /** Writes still waiting for Kafka (including ones whose caller already got a 503). */
  maxPending: number;
}

/**
 * Encodes events with their registered Avro schemas and writes them with acks=all through the
 * idempotent producer. A write either is acknowledged within the timeout or fails with a 503
 * (retriable): never a hang, never a 500 for an outage.
 */
export class EventWriter {
  private pending = 0;
  private connected = false;
  private connecting: Promise<void> | undefined;

  constructor(
    private readonly codec: EventCodec,
    private readonly producer: Producer,
    private readonly options: EventWriterOptions,
    private readonly metrics: IngestMetrics,
    private readonly log: Logger,
  ) {
    producer.on(producer.events.CONNECT, () => {
      this.connected = true;
    });
    producer.on(producer.events.DISCONNECT, () => {
      this.connected = false;
    });
  }

  get pendingWrites(): number {
    return this.pending;
  }

  /** Several events in one call go out in one request, so they land together and in this order. */
  async write(quizId: string, events: QuizEvent[]): Promise<void> {
    if (this.pending >= this.options.maxPending) {
      this.metrics.produceRejected.inc();
      throw new UnavailableError(`kafka: ${this.pending} writes already waiting for an acknowledgement`, 1, 'kafka_unavailable');
    }
    const started = process.hrtime.bigint();
    const work = this.send(quizId, events);
    this.pending++;
    this.metrics.pendingSends.set(this.pending);
    let timedOut = false;
    const settle = (outcome: 'ok' | 'error') => {
      this.pending--;
      this.metrics.pendingSends.set(this.pending);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.produceDuration.observe({ result: outcome }, seconds);
      if (timedOut && outcome === 'ok') {
        // The client was told 503; the event landed anyway. The processors' first-answer-wins
        // rule (and a retry that reuses the answerId) keeps this from counting twice.
        this.log.warn({ quizId, types: events.map((e) => e.type), seconds }, 'kafka acknowledged a write after its caller timed out');
      }
    };
    work.then(
      () => settle('ok'),
      () => settle('error'),
    );
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        reject(new UnavailableError(`kafka did not acknowledge within ${this.options.timeoutMs} ms`, 1, 'kafka_unavailable'));
      }, this.options.timeoutMs);
    });
    try {
      await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async send(quizId: string, events: QuizEvent[]): Promise<void> {
    const topic = this.codec.topics.quizEvents;
    // An encode error is either the registry being down (already a 503) or an event that does not
    // fit its schema: our bug, left to surface as a 500.
    const messages = await Promise.all(
      events.map(async (e) => ({
        key: quizId,
        value: await this.codec.encode(topic, e.type, e.payload),
        headers: { 'event-type': e.type },
      })),
    );
    try {
      if (!this.connected) await this.connect();
      await this.producer.send({ topic, acks: -1, messages });
    } catch (err) {
      throw new UnavailableError(`kafka cannot take the write: ${(err as Error).message}`, 1, 'kafka_unavailable');
    }
  }

  /** One connect at a time; a failed one is forgotten so the next write tries again. */
  private connect(): Promise<void> {
    this.connecting ??= this.producer.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }
}
