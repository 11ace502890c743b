// Decides when a quiz's ranking snapshot may go out: at most one per quiz per window, and only
// after something changed. Pure (the clock is injected) so the rule is unit-tested on a fake clock.
//
// The first change after a quiet window goes out at once (leading edge); changes inside a window
// are folded into one snapshot at the window's end (trailing edge), so the final ranking is always
// published even when the stream stops.

interface QuizState {
  /** Seq of the latest change seen (Kafka offset + 1 of the last quiz.events message applied). */
  seq: number;
  /** Seq of the latest snapshot that went out, 0 if none yet. */
  emittedSeq: number;
  /** Time of the latest snapshot that went out; -Infinity if none. */
  emittedAt: number;
}

export interface DueSnapshot {
  quizId: string;
  seq: number;
}

export class SnapshotThrottle {
  private readonly quizzes = new Map<string, QuizState>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** The quiz's ranking may have changed; `seq` identifies the state it is in now. */
  changed(quizId: string, seq: number): void {
    const s = this.quizzes.get(quizId);
    if (!s) this.quizzes.set(quizId, { seq, emittedSeq: 0, emittedAt: -Infinity });
    else if (seq > s.seq) s.seq = seq;
  }

  /** Quizzes with an unpublished change whose window has passed. */
  due(): DueSnapshot[] {
    const now = this.now();
    const out: DueSnapshot[] = [];
    for (const [quizId, s] of this.quizzes) if (this.isDue(s, now)) out.push({ quizId, seq: s.seq });
    return out;
  }

  /** Whether some quiz has a snapshot due now (what `due()` would list), without building the list. */
  hasDue(): boolean {
    const next = this.nextDueAt();
    return next !== undefined && next <= this.now();
  }

  /** When the quiz's unpublished change may go out, or undefined when everything it changed is out. */
  private dueTime(s: QuizState): number | undefined {
    return s.seq > s.emittedSeq ? s.emittedAt + this.windowMs : undefined;
  }

  private isDue(s: QuizState, now: number): boolean {
    const at = this.dueTime(s);
    return at !== undefined && at <= now;
  }

  /**
   * A snapshot with this seq went out (or was superseded by a newer one another process stored).
   * `startedAt`: when its publish began (it read the ranking then). The window runs from there, not
   * from when Kafka acknowledged it, so snapshots follow one another every window and not every
   * window plus a publish's round trips; two publishes still start at least a window apart.
   */
  emitted(quizId: string, seq: number, startedAt: number = this.now()): void {
    const s = this.quizzes.get(quizId);
    if (!s) return;
    s.emittedAt = Math.max(s.emittedAt, startedAt);
    s.emittedSeq = Math.max(s.emittedSeq, seq);
  }

  /** When the quiz's unpublished change may go out (epoch ms; now or earlier if due), or undefined when it has none. */
  dueAt(quizId: string): number | undefined {
    const s = this.quizzes.get(quizId);
    return s && this.dueTime(s);
  }

  /** The earliest dueAt over every quiz, or undefined when nothing is unpublished. */
  nextDueAt(): number | undefined {
    let next: number | undefined;
    for (const s of this.quizzes.values()) {
      const at = this.dueTime(s);
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    return next;
  }

  /** True while some quiz has a change no snapshot has published yet. */
  pending(): boolean {
    for (const s of this.quizzes.values()) if (s.seq > s.emittedSeq) return true;
    return false;
  }

  /** Drops quizzes that are settled and whose window is over, so memory stays bounded. */
  prune(): void {
    const now = this.now();
    for (const [quizId, s] of this.quizzes) {
      if (s.seq <= s.emittedSeq && now - s.emittedAt >= this.windowMs) this.quizzes.delete(quizId);
    }
  }

  get size(): number {
    return this.quizzes.size;
  }
}
