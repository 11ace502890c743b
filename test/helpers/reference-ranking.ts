// The ranking recomputed from the accepted answers alone: what Redis and Postgres must equal once
// the pipeline is idle. Written independently of processors/ (no shared code), straight from the
// game rules in the design, so a scoring or ranking bug in the processors cannot hide behind it.
// Drills reuse it: give it the quiz's questions, the joins and the answers in stream order.

export type ScoreVisibility = 'onClose' | 'live';

export interface RefQuestion {
  id: string;
  points: number;
  timeLimitMs: number;
  correct: string[];
  openedAt: number;
  closesAt: number;
  /** When the host closed it, if before closesAt matters. */
  closedAt?: number;
}

export interface RefJoin {
  playerId: string;
  displayName: string;
  joinedAt: number;
}

export interface RefAnswer {
  answerId: string;
  questionId: string;
  playerId: string;
  choiceId: string;
  acceptedAt: number;
}

export interface RefEntry {
  rank: number;
  playerId: string;
  displayName: string;
  score: number;
  /** When the player reached `score`: latest acceptance of an answer that scored, else the join. */
  reachedAt: number;
  /** First answers counted for the player (wrong and late ones included). */
  answers: number;
}

export interface RefResult {
  entries: RefEntry[];
  /** Every counted (first) answer with its points, by answerId. */
  scored: Map<string, { points: number; correct: boolean; late: boolean; questionId: string; playerId: string }>;
  players: number;
  answers: number;
}

export function referenceRanking(input: { questions: RefQuestion[]; joins: RefJoin[]; answers: RefAnswer[] }): RefResult {
  const questions = new Map(input.questions.map((q) => [q.id, q]));
  const players = new Map<string, { displayName: string; score: number; reachedAt: number; answers: number }>();
  for (const j of input.joins) {
    if (!players.has(j.playerId)) players.set(j.playerId, { displayName: j.displayName, score: 0, reachedAt: j.joinedAt, answers: 0 });
  }
  const scored: RefResult['scored'] = new Map();
  const answered = new Set<string>();
  for (const a of input.answers) {
    const q = questions.get(a.questionId);
    if (!q) continue;
    const key = `${a.questionId}\u0000${a.playerId}`;
    if (answered.has(key)) continue; // only the first answer in stream order counts
    answered.add(key);
    const deadline = Math.min(q.closesAt, q.closedAt ?? Infinity);
    const late = a.acceptedAt < q.openedAt || a.acceptedAt > deadline;
    const correct = q.correct.includes(a.choiceId);
    const t = a.acceptedAt - q.openedAt;
    const points = correct && !late ? Math.round(q.points * (1 - t / q.timeLimitMs / 2)) : 0;
    scored.set(a.answerId, { points, correct, late, questionId: a.questionId, playerId: a.playerId });
    let p = players.get(a.playerId);
    if (!p) {
      p = { displayName: a.playerId, score: 0, reachedAt: a.acceptedAt, answers: 0 };
      players.set(a.playerId, p);
    }
    p.answers += 1;
    if (points > 0) {
      p.score += points;
      p.reachedAt = Math.max(p.reachedAt, a.acceptedAt);
    }
  }
  // Score desc, then who reached it first; a tie to the millisecond goes to the playerId that sorts
  // last (the order Redis gives equal scores under ZREVRANGE), so the order is total.
  const entries = [...players]
    .sort(([ida, a], [idb, b]) => b.score - a.score || a.reachedAt - b.reachedAt || (ida < idb ? 1 : ida > idb ? -1 : 0))
    .map(([playerId, p], i) => ({ rank: i + 1, playerId, displayName: p.displayName, score: p.score, reachedAt: p.reachedAt, answers: p.answers }));
  return { entries, scored, players: players.size, answers: scored.size };
}

/**
 * The answers whose points a ranking at stream position `seq` shows (their offsets < seq). `live`:
 * all of them. `onClose`: only those whose question's first QuestionClosed is before `seq`; the
 * others are held (counted as answers, not yet as points).
 */
export function answersShownAt<A extends { offset: number; value: RefAnswer }>(
  visibility: ScoreVisibility,
  answers: A[],
  closeOffsets: Map<string, number>,
  seq: number,
): A[] {
  return answers.filter((a) => {
    if (a.offset >= seq) return false;
    if (visibility === 'live') return true;
    const closedAt = closeOffsets.get(a.value.questionId);
    return closedAt !== undefined && closedAt < seq;
  });
}
