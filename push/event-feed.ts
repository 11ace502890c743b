import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Consumer, EachMessagePayload, Kafka } from 'kafkajs';
import { PoisonMessageError } from '../common/errors';
import type { Logger } from '../common/logger';
import type { EventCodec } from '../common/codec';
import { continueTrace } from '../common/tracing';
import type { StreamHub } from './hub';
import type { PushMetrics } from './metrics';
import type { ConsumerTimings } from './options';
import { snapshotFromEvent } from './snapshot-wire';

/**
 * A consumer group of its own per instance: every push instance must see every snapshot and every
 * result, whichever instance a viewer landed on, so instances must not share partitions. Nothing is
 * committed (a restarted instance starts from the latest offsets, and the initial snapshot comes
 * from Redis), which also lets Kafka forget the group as soon as the instance leaves it.
 */
export function instanceGroupId(prefix: string): string {
  return `${prefix}.${hostname()}.${process.pid}.${randomBytes(4).toString('hex')}`;
}

export interface EventFeedOptions {
  groupId: string;
  /**
   * Called on every join after the first (the consumer restarted after a crash, e.g. a broker
   * restart): it starts again from the latest offsets, so snapshots produced meanwhile are never
   * read and viewers must be brought up to date another way.
   */
  onRejoin?: () => void;
  /** The consumer's timings, and the wait before starting again after a failed start or a crash kafkajs will not restart from. */
  timings: ConsumerTimings;
}

/** Reads quiz.snapshots and quiz.results from the latest offsets and hands each event to the hub. */
export class EventFeed {
  private readonly consumer: Consumer;
  private joined = false;
  private crashed: Error | undefined;
  private readonly positioned = Promise.withResolvers<void>();
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly retryMs: number;

  constructor(
    kafka: Kafka,
    private readonly codec: EventCodec,
    private readonly hub: StreamHub,
    private readonly metrics: PushMetrics,
    private readonly log: Logger,
    readonly options: EventFeedOptions,
  ) {
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.timings.sessionTimeoutMs,
      heartbeatInterval: options.timings.heartbeatIntervalMs,
      maxWaitTimeInMs: options.timings.maxWaitMs,
      allowAutoTopicCreation: false,
    });
    this.retryMs = options.timings.restartDelayMs;
    const { GROUP_JOIN, FETCH, CRASH, STOP } = this.consumer.events;
    let awaitingFetch = false;
    let joins = 0;
    this.consumer.on(GROUP_JOIN, (e) => {
      this.joined = true;
      joins++;
      this.crashed = undefined;
      awaitingFetch = true;
      this.log.info({ groupId: e.payload.groupId, assigned: e.payload.memberAssignment }, 'push: consumer joined');
    });
    // kafkajs resolves the starting offsets of every assigned partition before its first fetch
    // after a join; once that fetch is done, anything produced from now on will be read.
    this.consumer.on(FETCH, () => {
      if (!awaitingFetch) return;
      awaitingFetch = false;
      this.positioned.resolve();
      // Positioned again after a restart: what was produced before this point is read from Redis.
      if (joins > 1) options.onRejoin?.();
    });
    this.consumer.on(CRASH, (e) => {
      this.joined = false;
      this.crashed = e.payload.error;
      this.log.error({ err: e.payload.error, restart: e.payload.restart }, 'push: consumer crashed');
      // kafkajs gives up on errors it deems non-retriable and leaves the consumer disconnected: a push
      // instance without its feed would keep its viewers on stale snapshots forever, so start again.
      if (!e.payload.restart) this.retryLater();
    });
    this.consumer.on(STOP, () => {
      this.joined = false;
    });
  }

  /**
   * Starts consuming in the background and keeps at it until stop(): a start that fails (Kafka
   * down) and a crash kafkajs does not restart from are both tried again after retryMs.
   */
  start(): void {
    this.stopped = false;
    this.launch();
  }

  private launch(): void {
    this.run().then(
      // stop() may have been called while connecting: leave nothing running behind it.
      () => (this.stopped ? this.consumer.disconnect() : undefined),
      (err: unknown) => {
        if (this.stopped) return;
        // Streams still open and get their first snapshot from Redis; /readyz says Kafka is missing.
        this.log.warn({ err }, `push: kafka consumer not started; retrying in ${this.retryMs} ms`);
        this.retryLater();
      },
    ).catch((err: unknown) => this.log.warn({ err }, 'push: could not disconnect the consumer after stop'));
  }

  private retryLater(): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.launch(), this.retryMs);
  }

  private async run(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.codec.topics.snapshots, this.codec.topics.results], fromBeginning: false });
    await this.consumer.run({
      autoCommit: false,
      // A result carries the trace of the answer that caused it: its delivery to viewers joins that trace.
      eachMessage: (payload) =>
        continueTrace(`${payload.topic} deliver`, payload.message.headers, { 'messaging.destination.name': payload.topic, 'messaging.kafka.offset': payload.message.offset }, () =>
          this.onMessage(payload),
        ),
    });
  }

  /** Resolves once the consumer has joined and taken its starting offsets (tests wait for it before producing). */
  whenPositioned(timeoutMs = 30_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const cause = this.crashed ? ` (last crash: ${this.crashed.message})` : '';
        reject(new Error(`push consumer not positioned within ${timeoutMs} ms${cause}`));
      }, timeoutMs);
    });
    return Promise.race([this.positioned.promise, timeout]).finally(() => clearTimeout(timer));
  }

  /** Readiness: joined, and the group coordinator answers (so the broker is reachable now). */
  async check(): Promise<void> {
    if (this.crashed) throw new Error(`consumer crashed: ${this.crashed.message}`);
    if (!this.joined) throw new Error('consumer has not joined its group');
    const group = await this.consumer.describeGroup();
    if (group.state !== 'Stable') throw new Error(`consumer group is ${group.state}`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.consumer.disconnect();
  }

  private async onMessage({ topic, partition, message }: EachMessagePayload): Promise<void> {
    let decoded;
    try {
      decoded = await this.codec.decode(message.value);
    } catch (err) {
      // Registry outages are rethrown: kafkajs retries the message, then restarts the consumer.
      if (!(err instanceof PoisonMessageError)) throw err;
      this.metrics.kafkaMessages.inc({ type: 'unknown', result: 'undecodable' });
      this.log.warn({ topic, partition, offset: message.offset, reason: err.message }, 'push: skipping a message it cannot decode');
      return;
    }
    try {
      switch (decoded.type) {
        case 'LeaderboardSnapshot':
          this.hub.publishSnapshot(snapshotFromEvent(decoded.payload), decoded.payload.createdAt);
          break;
        case 'AnswerReceived':
          this.hub.answerReceived(decoded.payload);
          break;
        case 'AnswerScored':
          this.hub.answerScored(decoded.payload);
          break;
        case 'QuestionOpened':
          this.hub.questionOpened(decoded.payload);
          break;
        case 'QuestionRevealed':
          this.hub.questionRevealed(decoded.payload);
          break;
        default:
          this.metrics.kafkaMessages.inc({ type: decoded.type, result: 'ignored' });
      }
    } catch (err) {
      // A bug in delivering one event must not stop every stream of this instance: log and go on.
      this.metrics.kafkaMessages.inc({ type: decoded.type, result: 'error' });
      this.log.error({ err, topic, partition, offset: message.offset, type: decoded.type }, 'push: failed to deliver an event');
    }
  }
}
