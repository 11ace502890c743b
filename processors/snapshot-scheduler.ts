import type { Logger } from '../common/logger';
import type { PendingSnapshots } from './pending-snapshots';
import type { RedisRebuild } from './redis-rebuild';
import type { SerialLock } from './serial-lock';
import type { SnapshotPublisher } from './snapshot-publisher';
import type { SnapshotThrottle } from './snapshot-throttle';

// The snapshot path of one processor: which quizzes changed (the throttle), which of those a
// killed predecessor left unpublished (pending marks in Redis), whether Redis still holds each
// quiz's state (the rebuild check), and the publishing itself, on a timer and after each flush.
// Everything that reads or writes the ranking runs under the processor's serial lock, so the timer
// never reads a chunk's state from Redis before the throttle knows that chunk's seq. A trailing
// snapshot is timed to its window's end (a one-shot timer at the earliest due time); the periodic
// tick is the safety net and runs the once-a-second Redis state check.

export class SnapshotScheduler {
  private ticking = false;
  private lastMarkerCheck = 0;
  /** A one-shot timer for the earliest trailing snapshot, so it goes out when its window ends rather than at the next tick. */
  private dueTimer: NodeJS.Timeout | undefined;
  private dueTimerAt = Infinity;
  private stopped = false;
  /** publishDue calls waiting for the lock. */
  private queued = 0;

  constructor(
    private readonly throttle: SnapshotThrottle,
    private readonly pending: PendingSnapshots,
    private readonly rebuild: RedisRebuild,
    private readonly publisher: SnapshotPublisher,
    private readonly lock: SerialLock,
    private readonly log: Logger,
  ) {}

  /**
   * A chunk's state is in Redis and its outputs in Kafka; its Postgres transaction and offset commit
   * come after. Runs still under the lock, so the timer must not read this chunk's state from Redis
   * before the throttle knows its seq, or it publishes newer state under an older seq.
   */
  changed(partition: number, changed: Map<string, number>): Promise<void> {
    for (const [quizId, seq] of changed) {
      this.throttle.changed(quizId, seq);
      this.wakeAt(this.throttle.dueAt(quizId));
    }
    this.rebuild.noteChanged(changed);
    return this.pending.mark(partition, changed);
  }

  /** Whether a publish is queued behind the lock (a chunk in progress then gives way, quiz-events-handler.ts). */
  get waiting(): boolean {
    return this.queued > 0;
  }

  /** A snapshot is only built once its quiz's state is known to be in Redis (see redis-rebuild.ts). */
  publishDue(): Promise<void> {
    this.queued += 1;
    return this.lock.run(async () => {
      this.queued -= 1;
      if (await this.rebuild.readyToPublish(this.throttle.due().map((d) => d.quizId))) await this.publisher.publishDue();
    });
  }

  /** Snapshots the previous owner of these partitions committed but never published. */
  recover(partitions: number[]): Promise<void> {
    return this.lock.run(async () => {
      for (const { quizId, seq } of await this.pending.recover(partitions)) this.throttle.changed(quizId, seq);
    });
  }

  /**
   * A turn of the one-shot timer or the periodic tick: at most once a second, whether Redis lost
   * this process's state; then what is due. A turn with nothing due takes neither the lock nor a
   * Redis round trip, except the once-a-second one that also forgets quizzes gone quiet.
   */
  tick(): void {
    if (this.ticking) return;
    const checkMarker = Date.now() - this.lastMarkerCheck >= 1_000;
    const next = this.throttle.nextDueAt();
    if (!checkMarker && (next === undefined || next > Date.now())) {
      // A timer that fired a millisecond early (Date.now's granularity) tries again at the due time.
      this.wakeAt(next);
      return;
    }
    this.ticking = true;
    if (checkMarker) this.lastMarkerCheck = Date.now();
    (checkMarker ? this.lock.run(() => this.rebuild.checkProcessMarker()) : Promise.resolve())
      .catch((err: unknown) => this.log.warn({ err }, 'redis state check failed'))
      .then(() => this.publishDue())
      .catch((err: unknown) => this.log.warn({ err }, 'snapshot tick failed'))
      .finally(() => {
        this.ticking = false;
        this.wakeAt(this.throttle.nextDueAt());
      });
  }

  /** No more wake-ups (the periodic tick is the caller's to stop). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.dueTimer);
    this.dueTimer = undefined;
    this.dueTimerAt = Infinity;
  }

  /**
   * Ticks at `at` (epoch ms) unless a tick is already set for then or earlier. A time already past is
   * left to the flush that follows a chunk and to the periodic tick: it is a leading edge (published
   * after the flush) or a publish that failed, which must not be retried in a tight loop.
   */
  private wakeAt(at: number | undefined): void {
    if (at === undefined || at >= this.dueTimerAt || this.stopped || at <= Date.now()) return;
    clearTimeout(this.dueTimer);
    this.dueTimerAt = at;
    this.dueTimer = setTimeout(() => {
      this.dueTimer = undefined;
      this.dueTimerAt = Infinity;
      this.tick();
    }, Math.max(0, at - Date.now()));
    this.dueTimer.unref();
  }

  /** On stop: the last chunks' changes still deserve their trailing snapshot, so wait out the window. */
  async drain(windowMs: number, tickMs: number): Promise<void> {
    const deadline = Date.now() + windowMs + 1_000;
    while (this.throttle.pending() && Date.now() < deadline) {
      await this.publishDue().catch((err: unknown) => this.log.warn({ err }, 'final snapshots not published'));
      if (this.throttle.pending()) await new Promise((r) => setTimeout(r, tickMs));
    }
  }
}
