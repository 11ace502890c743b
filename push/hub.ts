import { UnavailableError } from '../common/errors';
import type { AnswerReceived, AnswerScored, QuestionOpened, QuestionRevealed } from '../common/messages/events';
import type { Logger } from '../common/logger';
import type { SnapshotWire } from '../common/messages/wire';
import { LeaderboardFanOut } from './leaderboard-fan-out';
import type { PushMetrics, StreamKind } from './metrics';
import type { ViewerLimits } from './options';
import { PersonalFanOut } from './personal-fan-out';
import { answerReceived, answerResult, personalFrame, questionClosed, questionOpened } from './personal-events';
import { ALL_ENTRIES, SnapshotEdition } from './snapshot-edition';
import { commentFrame, retryFrame, sseFrame } from './sse-frames';
import { Viewer, type Frame, type SseSink, type ViewerObserver } from './viewer';

export interface HubOptions {
  viewer: ViewerLimits;
  maxConnections: number;
  heartbeatMs: number; // milliseconds of silence before a keep-alive comment
  retryMs: number; // reconnection advice sent on connect
}

export interface HubStats {
  leaderboardViewers: number;
  personalViewers: number;
  /** Sum over open streams of bytes written but not yet sent. */
  bufferedBytes: number;
  /** The largest single viewer's unsent bytes. */
  maxViewerBufferedBytes: number;
}

/** A snapshot read from Redis (served-snapshots.ts's ServedSnapshot): checked, with its JSON bytes. */
export interface StoredSnapshot {
  snapshot: SnapshotWire;
  createdAt?: number;
  body: Buffer;
}

// Housekeeping (stall checks, held snapshots, heartbeats) runs this often, whatever the heartbeat.
const TICK_MS = 1_000;

/**
 * Every open stream of this instance. Kafka events come in through publishSnapshot / answerReceived /
 * answerScored / questionOpened / questionRevealed; each is serialized once, only if someone is watching, and the
 * same bytes go to every viewer that should get them.
 */
export class StreamHub {
  readonly leaderboard = new LeaderboardFanOut();
  readonly personal = new PersonalFanOut();
  private readonly open: Record<StreamKind, number> = { leaderboard: 0, personal: 0 };
  private readonly heartbeat: Frame = sseFrame('heartbeat', commentFrame('hb'));
  private readonly hello: Frame;
  /** Viewers with `skipBytes` or more unsent: checked every tick until they catch up or stall. */
  private readonly behind = new Set<Viewer>();
  private timer: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(
    private readonly options: HubOptions,
    private readonly metrics: PushMetrics,
    private readonly log: Logger,
  ) {
    // One write at connect: a comment so the client sees bytes at once, then the retry advice.
    this.hello = sseFrame('hello', Buffer.concat([commentFrame('ok'), retryFrame(options.retryMs)]));
  }

  start(): void {
    this.timer ??= setInterval(() => this.tick(), Math.min(TICK_MS, this.options.heartbeatMs));
    this.timer.unref();
  }

  get connections(): number {
    return this.open.leaderboard + this.open.personal;
  }

  /**
   * Throws 503 when this instance is full or stopping. Call it before writing the response head,
   * and connect in the same synchronous turn so no other connection takes the slot in between.
   */
  ensureCapacity(stream: StreamKind): void {
    if (this.closing) {
      this.metrics.connectionsRejected.inc({ reason: 'shutting_down' });
      throw new UnavailableError('this instance is shutting down; reconnect to another', 1, 'shutting_down');
    }
    if (this.connections >= this.options.maxConnections) {
      this.metrics.connectionsRejected.inc({ reason: 'connection_limit' });
      this.log.warn({ stream, limit: this.options.maxConnections }, 'push: connection limit reached');
      throw new UnavailableError(`this instance already serves ${this.options.maxConnections} streams; retry shortly`, 2, 'too_many_connections');
    }
  }

  /** `limit`: the stream's ?limit, how many entries of each snapshot it gets (ALL_ENTRIES: every one). */
  connectLeaderboard(quizId: string, sink: SseSink, lastSeq = -1, limit = ALL_ENTRIES): Viewer {
    const viewer = this.createViewer('leaderboard', sink, lastSeq, (v) => this.leaderboard.remove(quizId, v, limit));
    this.leaderboard.add(quizId, viewer, limit);
    this.greet('leaderboard', viewer);
    return viewer;
  }

  connectPersonal(quizId: string, playerId: string, sink: SseSink): Viewer {
    const viewer = this.createViewer('personal', sink, -1, (v) => this.personal.remove(quizId, playerId, v));
    this.personal.add(quizId, playerId, viewer);
    this.greet('personal', viewer);
    return viewer;
  }

  private greet(stream: StreamKind, viewer: Viewer): void {
    if (viewer.send(this.hello)) this.metrics.forStream(stream).written(this.hello.kind, 1, this.hello.bytes.length);
  }

  /**
   * A new viewer's first snapshot: the newer of Redis's (`stored`, read after the viewer joined so
   * nothing published meanwhile is missed) and the newest this instance has seen from Kafka. The
   * viewer itself refuses anything not newer than its Last-Event-ID or than what it already got.
   */
  sendInitialSnapshot(quizId: string, viewer: Viewer, stored: StoredSnapshot | undefined, limit = ALL_ENTRIES): void {
    let latest = this.leaderboard.latest(quizId);
    if (stored && (!latest || stored.snapshot.seq > latest.seq)) {
      latest = this.leaderboard.remember(quizId, new SnapshotEdition(stored.snapshot, stored.createdAt, stored.body.toString('utf8')));
    }
    if (!latest) return;
    const frame = latest.frame(limit);
    if (viewer.sendSnapshot(frame) === 'written') this.metrics.forStream('leaderboard').written(frame.kind, 1, frame.bytes.length);
  }

  /** Quizzes someone watches on this instance. */
  watchedQuizzes(): string[] {
    return this.leaderboard.quizIds();
  }

  /** `json`: the snapshot's snapshotJson when already at hand (Redis's bytes). */
  publishSnapshot(snapshot: SnapshotWire, createdAt: number, json?: string): void {
    if (!this.leaderboard.has(snapshot.quizId)) {
      this.metrics.kafkaMessages.inc({ type: 'LeaderboardSnapshot', result: 'no_viewers' });
      return;
    }
    const result = this.leaderboard.publish(snapshot.quizId, new SnapshotEdition(snapshot, createdAt, json));
    if (!result.newer) {
      this.metrics.kafkaMessages.inc({ type: 'LeaderboardSnapshot', result: 'stale' });
      return;
    }
    // Bookkeeping once per broadcast, not per viewer.
    this.metrics.kafkaMessages.inc({ type: 'LeaderboardSnapshot', result: 'delivered' });
    if (result.written > 0) {
      this.metrics.forStream('leaderboard').written('snapshot', result.written, result.bytesWritten);
      this.metrics.snapshotDelay.observe(Math.max(0, Date.now() - createdAt) / 1000);
    }
  }

  answerReceived(e: AnswerReceived): void {
    this.toPlayer('AnswerReceived', e.quizId, e.playerId, () => personalFrame('answer-received', answerReceived(e)));
  }

  /** Sent when the processors release it: at once in a live quiz, at the question's close in an onClose one. */
  answerScored(e: AnswerScored): void {
    this.toPlayer('AnswerScored', e.quizId, e.playerId, () => personalFrame('answer-result', answerResult(e)));
  }

  questionOpened(e: QuestionOpened): void {
    this.toQuiz('QuestionOpened', e.quizId, () => personalFrame('question-opened', questionOpened(e)));
  }

  questionRevealed(e: QuestionRevealed): void {
    this.toQuiz('QuestionRevealed', e.quizId, () => personalFrame('question-closed', questionClosed(e)));
  }

  stats(): HubStats {
    let bufferedBytes = 0;
    let maxViewerBufferedBytes = 0;
    for (const viewer of this.allViewers()) {
      const b = viewer.bufferedBytes;
      bufferedBytes += b;
      if (b > maxViewerBufferedBytes) maxViewerBufferedBytes = b;
    }
    return { leaderboardViewers: this.open.leaderboard, personalViewers: this.open.personal, bufferedBytes, maxViewerBufferedBytes };
  }

  /**
   * Graceful stop: refuse new streams, tell every viewer to reconnect after a randomized delay
   * (so they spread over the remaining instances instead of arriving in one burst), and close.
   */
  closeAll(retryBaseMs: number): number {
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const viewers = [...this.allViewers()];
    for (const viewer of viewers) {
      viewer.close(sseFrame('retry', retryFrame(retryBaseMs + Math.random() * retryBaseMs)));
    }
    return viewers.length;
  }

  private toPlayer(type: 'AnswerReceived' | 'AnswerScored', quizId: string, playerId: string, frame: () => Frame): void {
    if (!this.personal.hasPlayer(quizId, playerId)) {
      this.metrics.kafkaMessages.inc({ type, result: 'no_viewers' });
      return;
    }
    const sent = frame();
    this.countWritten('personal', sent, this.personal.toPlayer(quizId, playerId, sent));
    this.metrics.kafkaMessages.inc({ type, result: 'delivered' });
  }

  private toQuiz(type: 'QuestionOpened' | 'QuestionRevealed', quizId: string, frame: () => Frame): void {
    if (!this.personal.hasQuiz(quizId)) {
      this.metrics.kafkaMessages.inc({ type, result: 'no_viewers' });
      return;
    }
    const sent = frame();
    this.countWritten('personal', sent, this.personal.toQuiz(quizId, sent));
    this.metrics.kafkaMessages.inc({ type, result: 'delivered' });
  }

  private countWritten(stream: StreamKind, frame: Frame, viewers: number): void {
    if (viewers > 0) this.metrics.forStream(stream).written(frame.kind, viewers, viewers * frame.bytes.length);
  }

  private createViewer(stream: StreamKind, sink: SseSink, lastSeq: number, leave: (v: Viewer) => void): Viewer {
    const counters = this.metrics.forStream(stream);
    const observer: ViewerObserver = {
      written: (frame) => counters.written(frame.kind, 1, frame.bytes.length),
      skipped: counters.skipped,
      behind: (v) => this.behind.add(v),
      dropped: (reason) => {
        counters.dropped(reason);
        this.log.info({ stream, reason }, 'push: slow viewer disconnected');
      },
      closed: (v) => {
        leave(v);
        this.behind.delete(v);
        this.open[stream] -= 1;
        this.metrics.connections.dec({ stream });
      },
    };
    this.open[stream] += 1;
    this.metrics.connections.inc({ stream });
    return new Viewer(sink, this.options.viewer, observer, lastSeq);
  }

  private *allViewers(): IterableIterator<Viewer> {
    yield* this.leaderboard.viewers();
    yield* this.personal.viewers();
  }

  /**
   * Housekeeping without a timer per viewer: the viewers behind (stall check, held snapshot), and
   * those a heartbeat may be due to, i.e. leaderboard viewers of quizzes without a broadcast for
   * heartbeatMs and personal viewers (their events are per player, so each keeps its own clock).
   */
  private tick(): void {
    const { heartbeat, options } = this;
    const ticked = new Set<Viewer>();
    const visit = (viewer: Viewer) => {
      if (ticked.has(viewer)) return;
      ticked.add(viewer);
      viewer.tick(heartbeat, options.heartbeatMs);
    };
    // Copies: a viewer dropped here removes itself from these collections.
    for (const viewer of [...this.behind]) {
      visit(viewer);
      if (!viewer.isBehind) this.behind.delete(viewer);
    }
    for (const viewer of [...this.leaderboard.idleViewers(options.heartbeatMs)]) visit(viewer);
    for (const viewer of [...this.personal.viewers()]) visit(viewer);
  }
}
