import type { Producer, ProducerBatch, ProducerRecord, RecordMetadata } from 'kafkajs';
import type { Logger } from './logger';

/** What the tiers need of a producer; kafkajs' own Producer has it too (tests pass one). */
export type DurableSender = Pick<Producer, 'connect' | 'disconnect' | 'send' | 'sendBatch'>;

/**
 * Invariant 1 (a 202 means the answer is durably in Kafka exactly once) on a replicated cluster:
 * acks=all through an idempotent producer, which is replaced after any failed send.
 *
 * Why replaced: kafkajs keeps the idempotent producer's sequence numbers per partition and moves
 * them on only when a request succeeds. When a broker dies while a request is out, the request may
 * have reached the partition's replicas anyway; the next send then repeats or skips a sequence and
 * the new leader refuses it (DUPLICATE_SEQUENCE_NUMBER / OUT_OF_ORDER_SEQUENCE_NUMBER) on every
 * retry: the partition is stuck for that producer. A fresh producer gets a new producer id, whose
 * sequences start over. The failed send's callers got an error (ingest: a 503); when they retry
 * with the same answerId, a record that did land is a duplicate the processors' first-answer-wins
 * rule ignores, so nothing is lost and nothing counts twice.
 */
export class DurableProducer implements DurableSender {
  private current: Producer;
  private connecting: Promise<void> | undefined;
  private connected = false;
  private stopped = false;
  /** Producers replaced so far (a metric for tests and logs). */
  replacements = 0;

  constructor(
    /** A new idempotent producer (common/kafka.ts' createDurableProducer), not connected. */
    private readonly newProducer: () => Producer,
    private readonly log: Logger,
  ) {
    this.current = this.make();
  }

  private make(): Producer {
    const p = this.newProducer();
    p.on(p.events.DISCONNECT, () => {
      if (p === this.current) this.connected = false;
    });
    return p;
  }

  /** One connect at a time; a failed one is forgotten so the next send tries again. */
  connect(): Promise<void> {
    if (this.connected) return Promise.resolve();
    const p = this.current;
    this.connecting ??= p
      .connect()
      .then(() => {
        if (p === this.current) this.connected = true;
      })
      .finally(() => {
        this.connecting = undefined;
      });
    return this.connecting;
  }

  async disconnect(): Promise<void> {
    this.stopped = true;
    this.connected = false;
    await this.current.disconnect();
  }

  send(record: ProducerRecord): Promise<RecordMetadata[]> {
    return this.attempt((p) => p.send(record));
  }

  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    return this.attempt((p) => p.sendBatch(batch));
  }

  private async attempt(fn: (p: Producer) => Promise<RecordMetadata[]>): Promise<RecordMetadata[]> {
    await this.connect();
    const p = this.current;
    try {
      return await fn(p);
    } catch (err) {
      this.replace(p, err);
      throw err;
    }
  }

  /** Swaps in a new producer unless another failed send already did; the old one is closed in the background. */
  private replace(failed: Producer, err: unknown): void {
    if (failed !== this.current || this.stopped) return;
    this.current = this.make();
    this.connected = false;
    this.replacements++;
    this.log.warn({ err: (err as Error).message, replacements: this.replacements }, 'kafka: a send failed; the idempotent producer is replaced (new producer id)');
    failed.disconnect().catch((e: unknown) => this.log.debug({ err: (e as Error).message }, 'kafka: closing the replaced producer failed'));
  }
}
