import type { LeaderboardEntryWire, SnapshotWire } from '../../../common/messages/wire';
import type { AnswerResult } from './messages';
import type { ScoreVisibility } from './quiz';

// What the pages say and in which order they show it. No DOM here, so unit tests run these in Node.

/** What the player sees once their answer is in, before any result. */
export function lockedInText(choiceText: string, visibility: ScoreVisibility | undefined): string {
  return visibility === 'live'
    ? `Locked in: “${choiceText}”. Waiting for the result…`
    : `Answer locked in: “${choiceText}”. You'll see whether it was right when the question closes.`;
}

/** Accepts a snapshot only if it is newer than the last one shown (ids only grow for a viewer). */
export function isNewer(next: SnapshotWire, shown: SnapshotWire | undefined): boolean {
  return shown === undefined || next.seq > shown.seq;
}

export function ordinal(n: number): string {
  const mod100 = n % 100;
  if (mod100 >= 11 && mod100 <= 13) return `${n}th`;
  return `${n}${({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th'}`;
}

/** The first N rows of a snapshot, at most `limit` (snapshots already come ranked). */
export function topN(s: SnapshotWire, limit: number): LeaderboardEntryWire[] {
  return [...s.entries].sort((a, b) => a.rank - b.rank).slice(0, limit);
}

/** An answer's result in a sentence; the streak bonus is named when there is one. */
export function resultText(r: Pick<AnswerResult, 'correct' | 'points' | 'bonus' | 'late' | 'total' | 'rank'>): string {
  const bonus = r.bonus > 0 ? ` (with a +${r.bonus} streak bonus)` : '';
  // Several correct choices in a quiz with partial points: some right picks, not all.
  const verdict = r.correct
    ? `Correct! +${r.points} points${bonus}.`
    : r.late
      ? 'Too late: no points.'
      : r.points > 0
        ? `Partly right: +${r.points} points${bonus}.`
        : 'Wrong: no points.';
  return `${verdict} Total ${r.total}, ${ordinal(r.rank)} place.`;
}

/** A text question's accepted spellings, quoted. */
export function acceptedText(accepted: readonly string[]): string {
  return accepted.length === 0 ? '' : `Accepted: ${accepted.map((a) => `“${a}”`).join(', ')}`;
}

/** How many typed a right answer and how many a wrong one (a text question's reveal counts). */
export function rightWrongText(counts: Record<string, number>): string {
  const right = counts.correct ?? 0;
  const wrong = counts.wrong ?? 0;
  return `${right} right · ${wrong} wrong`;
}
