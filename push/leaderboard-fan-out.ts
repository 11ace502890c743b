import { ALL_ENTRIES, SnapshotEdition } from './snapshot-edition';
import type { SnapshotFrame, Viewer } from './viewer';

interface Audience {
  /** The quiz's viewers by the entry limit they asked for (ALL_ENTRIES: every entry). */
  byLimit: Map<number, Set<Viewer>>;
  size: number;
  /** The newest snapshot seen for the quiz while it had viewers; what a new viewer can get without Redis. */
  latest?: SnapshotEdition;
  /** When the last broadcast reached the quiz's viewers (epoch ms): an audience written to lately needs no heartbeat. */
  lastBroadcastAt: number;
}

export interface PublishResult {
  /** false when the snapshot is not newer than one already seen (a processor replay). */
  newer: boolean;
  viewers: number;
  written: number;
  /** Bytes of the frames written (each viewer's event, without the chunk framing). */
  bytesWritten: number;
  deferred: number;
}

/**
 * Leaderboard viewers by quiz and entry limit. Maps of Sets: adding and removing a viewer costs
 * O(1), and a quiz with no viewers left is forgotten, so memory follows the viewers, not the number
 * of quizzes seen.
 */
export class LeaderboardFanOut {
  private readonly quizzes = new Map<string, Audience>();

  constructor(private readonly now: () => number = Date.now) {}

  add(quizId: string, viewer: Viewer, limit = ALL_ENTRIES): void {
    let audience = this.quizzes.get(quizId);
    if (!audience) {
      audience = { byLimit: new Map(), size: 0, lastBroadcastAt: this.now() };
      this.quizzes.set(quizId, audience);
    }
    let group = audience.byLimit.get(limit);
    if (!group) {
      group = new Set();
      audience.byLimit.set(limit, group);
    }
    if (!group.has(viewer)) {
      group.add(viewer);
      audience.size += 1;
    }
  }

  remove(quizId: string, viewer: Viewer, limit = ALL_ENTRIES): void {
    const audience = this.quizzes.get(quizId);
    const group = audience?.byLimit.get(limit);
    if (!audience || !group?.delete(viewer)) return;
    audience.size -= 1;
    if (group.size === 0) audience.byLimit.delete(limit);
    if (audience.size === 0) this.quizzes.delete(quizId);
  }

  has(quizId: string): boolean {
    return this.quizzes.has(quizId);
  }

  /** Quizzes with at least one viewer here. */
  quizIds(): string[] {
    return [...this.quizzes.keys()];
  }

  latest(quizId: string): SnapshotEdition | undefined {
    return this.quizzes.get(quizId)?.latest;
  }

  /** Keeps `edition` as the quiz's latest if it is newer; returns whichever is the latest now. */
  remember(quizId: string, edition: SnapshotEdition): SnapshotEdition {
    const audience = this.quizzes.get(quizId);
    if (!audience) return edition;
    if (!audience.latest || edition.seq > audience.latest.seq) audience.latest = edition;
    return audience.latest;
  }

  /**
   * Writes the snapshot to every viewer of the quiz: each limit's frame is built once, and the same
   * bytes go to every viewer of that limit; each viewer decides whether it can take them now.
   */
  publish(quizId: string, edition: SnapshotEdition): PublishResult {
    const audience = this.quizzes.get(quizId);
    const result: PublishResult = { newer: false, viewers: 0, written: 0, bytesWritten: 0, deferred: 0 };
    if (!audience) return result;
    if (audience.latest && edition.seq <= audience.latest.seq) return result;
    audience.latest = edition;
    audience.lastBroadcastAt = this.now();
    result.newer = true;
    result.viewers = audience.size;
    for (const [limit, group] of audience.byLimit) {
      const frame: SnapshotFrame = edition.frame(limit);
      let written = 0;
      // A viewer dropped during the loop deletes itself from the set, which a Set's iteration
      // allows (entries deleted ahead are not visited); nothing is added synchronously.
      for (const viewer of group) {
        const outcome = viewer.sendSnapshot(frame);
        if (outcome === 'written') written += 1;
        else if (outcome === 'deferred') result.deferred += 1;
      }
      result.written += written;
      result.bytesWritten += written * frame.bytes.length;
    }
    return result;
  }

  /** Viewers of quizzes that got no broadcast for `idleMs`: the only ones a heartbeat may be due to. */
  *idleViewers(idleMs: number): IterableIterator<Viewer> {
    const now = this.now();
    for (const audience of this.quizzes.values()) {
      if (now - audience.lastBroadcastAt < idleMs) continue;
      for (const group of audience.byLimit.values()) yield* group;
    }
  }

  *viewers(): IterableIterator<Viewer> {
    for (const audience of this.quizzes.values()) for (const group of audience.byLimit.values()) yield* group;
  }

  get quizCount(): number {
    return this.quizzes.size;
  }
}
