import type { Frame, Viewer } from './viewer';

/**
 * Personal-stream viewers by quiz, then by player (one player may have several tabs open). A
 * player's result goes to that player's viewers only; question events go to everyone in the quiz.
 */
export class PersonalFanOut {
  private readonly quizzes = new Map<string, Map<string, Set<Viewer>>>();

  add(quizId: string, playerId: string, viewer: Viewer): void {
    let players = this.quizzes.get(quizId);
    if (!players) {
      players = new Map();
      this.quizzes.set(quizId, players);
    }
    let viewers = players.get(playerId);
    if (!viewers) {
      viewers = new Set();
      players.set(playerId, viewers);
    }
    viewers.add(viewer);
  }

  remove(quizId: string, playerId: string, viewer: Viewer): void {
    const players = this.quizzes.get(quizId);
    const viewers = players?.get(playerId);
    if (!players || !viewers) return;
    viewers.delete(viewer);
    if (viewers.size === 0) players.delete(playerId);
    if (players.size === 0) this.quizzes.delete(quizId);
  }

  hasQuiz(quizId: string): boolean {
    return this.quizzes.has(quizId);
  }

  hasPlayer(quizId: string, playerId: string): boolean {
    return this.quizzes.get(quizId)?.has(playerId) ?? false;
  }

  /** Returns how many viewers took the frame. */
  toPlayer(quizId: string, playerId: string, frame: Frame): number {
    const viewers = this.quizzes.get(quizId)?.get(playerId);
    return viewers ? sendAll([...viewers], frame) : 0;
  }

  toQuiz(quizId: string, frame: Frame): number {
    const players = this.quizzes.get(quizId);
    if (!players) return 0;
    const all: Viewer[] = [];
    for (const viewers of players.values()) all.push(...viewers);
    return sendAll(all, frame);
  }

  *viewers(): IterableIterator<Viewer> {
    for (const players of this.quizzes.values()) for (const viewers of players.values()) yield* viewers;
  }
}

// The caller copies the set: a viewer dropped for its buffer removes itself while we iterate.
function sendAll(viewers: Viewer[], frame: Frame): number {
  let sent = 0;
  for (const viewer of viewers) if (viewer.send(frame)) sent += 1;
  return sent;
}
