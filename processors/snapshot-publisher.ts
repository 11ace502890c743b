import type { DurableSender } from '../common/durable-producer';
import type { Logger } from '../common/logger';
import type { EventCodec } from '../common/codec';
import type { LeaderboardWriter } from './leaderboard-writer';
import type { ProcessorMetrics } from './metrics';
import type { SnapshotThrottle } from './snapshot-throttle';

// Builds and publishes the ranking snapshots the throttle lets through: stored in Redis first
// (only if no newer seq is there), then on quiz.snapshots. A snapshot Redis refuses is not
// produced either, so a processor replaying old offsets never publishes an older ranking.

export class SnapshotPublisher {
  constructor(
    private readonly store: LeaderboardWriter,
    private readonly codec: EventCodec,
    private readonly producer: DurableSender,
    private readonly throttle: SnapshotThrottle,
    private readonly topN: number,
    private readonly metrics: ProcessorMetrics,
    private readonly log: Logger,
    /** The quiz's questions that are open now (the snapshot says how many have answered each). */
    private readonly openQuestions: (quizId: string) => Promise<string[]>,
    /** After a quiz's snapshot with this seq is in Redis (published, or a newer one was there). */
    private readonly onSettled: (quizId: string, seq: number) => Promise<void> = async () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Publishes every due snapshot; a failure leaves the quiz due, so the next tick retries it. */
  async publishDue(): Promise<void> {
    for (const { quizId, seq } of this.throttle.due()) {
      try {
        const startedAt = this.now();
        await this.publish(quizId, seq, startedAt);
        this.throttle.emitted(quizId, seq, startedAt);
        await this.onSettled(quizId, seq);
      } catch (err) {
        this.metrics.retries.inc({ stage: 'snapshot' });
        this.log.warn({ err, quizId, seq }, 'snapshot not published; will retry');
      }
    }
    this.throttle.prune();
  }

  /** `madeAt`: when the ranking is read, the snapshot's createdAt (consecutive ones are a window apart by it). */
  private async publish(quizId: string, seq: number, madeAt: number): Promise<void> {
    const timer = this.metrics.snapshotPublishDuration.startTimer();
    const view = await this.store.ranking(quizId, this.topN, await this.openQuestions(quizId));
    const snapshot = { quizId, seq, players: view.players, answers: view.answers, openQuestions: view.openQuestions, entries: view.entries };
    if (!(await this.store.storeSnapshot(snapshot))) {
      this.metrics.snapshots.inc({ result: 'superseded' });
      return;
    }
    const topic = this.codec.topics.snapshots;
    const value = await this.codec.encode(topic, 'LeaderboardSnapshot', { ...snapshot, createdAt: madeAt });
    await this.producer.send({ topic, messages: [{ key: quizId, value }] });
    this.metrics.snapshots.inc({ result: 'published' });
    timer();
  }
}
