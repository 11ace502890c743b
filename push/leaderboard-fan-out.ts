import type { SnapshotFrame, Viewer } from './viewer';

interface Audience {
  viewers: Set<Viewer>;
  /** The newest snapshot seen for the quiz while it had viewers; what a new viewer can get without Redis. */
  latest?: SnapshotFrame;
}

export interface PublishResult {
  /** false when the snapshot is not newer than one already seen (a processor replay). */
  newer: boolean;
  viewers: number;
  written: number;
  deferred: number;
}

/**
 * Leaderboard viewers by quiz. A Map of Sets: adding and removing a viewer costs O(1), and a quiz
 * with no viewers left is forgotten, so memory follows the viewers, not the number of quizzes seen.
 */
export class LeaderboardFanOut {
  private readonly quizzes = new Map<string, Audience>();

  add(quizId: string, viewer: Viewer): void {
    let audience = this.quizzes.get(quizId);
    if (!audience) {
      audience = { viewers: new Set() };
      this.quizzes.set(quizId, audience);
    }
    audience.viewers.add(viewer);
  }

  remove(quizId: string, viewer: Viewer): void {
    const audience = this.quizzes.get(quizId);
    if (!audience) return;
    audience.viewers.delete(viewer);
    if (audience.viewers.size === 0) this.quizzes.delete(quizId);
  }

  has(quizId: string): boolean {
    return this.quizzes.has(quizId);
  }

  /** Quizzes with at least one viewer here. */
  quizIds(): string[] {
    return [...this.quizzes.keys()];
  }

  latest(quizId: string): SnapshotFrame | undefined {
    return this.quizzes.get(quizId)?.latest;
  }

  /** Keeps `snapshot` as the quiz's latest if it is newer; returns whichever is the latest now. */
  remember(quizId: string, snapshot: SnapshotFrame): SnapshotFrame {
    const audience = this.quizzes.get(quizId);
    if (!audience) return snapshot;
    if (!audience.latest || snapshot.seq > audience.latest.seq) audience.latest = snapshot;
    return audience.latest;
  }

  /** Writes the same bytes to every viewer of the quiz; each viewer decides whether it can take them now. */
  publish(quizId: string, snapshot: SnapshotFrame): PublishResult {
    const audience = this.quizzes.get(quizId);
    const result: PublishResult = { newer: false, viewers: 0, written: 0, deferred: 0 };
    if (!audience) return result;
    if (audience.latest && snapshot.seq <= audience.latest.seq) return result;
    audience.latest = snapshot;
    result.newer = true;
    result.viewers = audience.viewers.size;
    // Copy first: a viewer dropped during the loop removes itself from the set.
    for (const viewer of [...audience.viewers]) {
      const outcome = viewer.sendSnapshot(snapshot);
      if (outcome === 'written') result.written += 1;
      else if (outcome === 'deferred') result.deferred += 1;
    }
    return result;
  }

  *viewers(): IterableIterator<Viewer> {
    for (const audience of this.quizzes.values()) yield* audience.viewers;
  }

  get quizCount(): number {
    return this.quizzes.size;
  }
}
