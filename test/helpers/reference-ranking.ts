// The ranking recomputed from the accepted answers alone: what Redis and Postgres must equal once
// the pipeline is idle. Written independently of processors/ (no shared code), straight from the
// game rules in the design, so a scoring or ranking bug in the processors cannot hide behind it.
// Drills reuse it: give it the quiz's questions, the joins and the answers in stream order.

export type ScoreVisibility = 'onClose' | 'live';

export interface RefQuestion {
  id: string;
  /** Default choice. */
  type?: 'choice' | 'truefalse' | 'text';
  points: number;
  timeLimitMs: number;
  correct: string[];
  /** Text questions. */
  accepted?: string[];
  ignoreAccents?: boolean;
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
  /** Several picks; when present and not empty, they are the answer (choiceId is their first). */
  choiceIds?: string[];
  text?: string | null;
  acceptedAt: number;
}

/** The quiz's scoring options; the defaults are speed, no streak, all-or-nothing. */
export interface RefRules {
  scoring?: 'speed' | 'flat';
  streak?: boolean;
  partial?: boolean;
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
  scored: Map<string, { points: number; bonus: number; correct: boolean; late: boolean; questionId: string; playerId: string }>;
  players: number;
  answers: number;
}

// Text answers compare after trimming and folding case (upper then lower, so ß meets SS), and,
// when the question ignores accents, with every combining mark of the decomposed text removed.
function fold(s: string, accents: boolean): string {
  const t = s.normalize('NFC').trim().toUpperCase().toLowerCase();
  return accents ? t.normalize('NFD').replace(/\p{Mn}|\p{Me}|\p{Mc}/gu, '').normalize('NFC') : t;
}

/** Share of the points earned before the speed rule: 1 fully right, 0 wrong, in between with partial credit. */
function share(q: RefQuestion, a: RefAnswer, partial: boolean): number {
  if (q.type === 'text') {
    const accents = q.ignoreAccents === true;
    return typeof a.text === 'string' && (q.accepted ?? []).some((s) => fold(s, accents) === fold(a.text!, accents)) ? 1 : 0;
  }
  const picks = new Set(a.choiceIds && a.choiceIds.length > 0 ? a.choiceIds : [a.choiceId]);
  let right = 0;
  for (const c of picks) if (q.correct.includes(c)) right++;
  const wrong = picks.size - right;
  if (wrong === 0 && right === q.correct.length) return 1;
  return partial && q.correct.length > 1 ? Math.max(0, (right - wrong) / q.correct.length) : 0;
}

export function referenceRanking(input: { questions: RefQuestion[]; joins: RefJoin[]; answers: RefAnswer[]; rules?: RefRules }): RefResult {
  const rules = input.rules ?? {};
  const questions = new Map(input.questions.map((q) => [q.id, q]));
  const players = new Map<string, { displayName: string; score: number; reachedAt: number; answers: number }>();
  for (const j of input.joins) {
    if (!players.has(j.playerId)) players.set(j.playerId, { displayName: j.displayName, score: 0, reachedAt: j.joinedAt, answers: 0 });
  }
  const scored: RefResult['scored'] = new Map();
  const firsts = new Map<string, RefAnswer>();
  for (const a of input.answers) {
    const q = questions.get(a.questionId);
    if (!q) continue;
    const key = `${a.questionId}\u0000${a.playerId}`;
    if (firsts.has(key)) continue; // only the first answer in stream order counts
    firsts.set(key, a);
    const deadline = Math.min(q.closesAt, q.closedAt ?? Infinity);
    const late = a.acceptedAt < q.openedAt || a.acceptedAt > deadline;
    const credit = share(q, a, rules.partial === true);
    const t = a.acceptedAt - q.openedAt;
    const speed = rules.scoring === 'flat' ? 1 : 1 - t / q.timeLimitMs / 2;
    const points = credit > 0 && !late ? Math.round(q.points * credit * speed) : 0;
    scored.set(a.answerId, { points, bonus: 0, correct: credit === 1, late, questionId: a.questionId, playerId: a.playerId });
  }
  if (rules.streak) {
    // In the order the questions were played: +100 per correct in-time answer in a row before this
    // one, at most +500; a wrong, late or missing answer starts the count over.
    const byPlayer = new Map<string, number>();
    for (const q of [...input.questions].sort((x, y) => x.openedAt - y.openedAt)) {
      for (const playerId of new Set([...players.keys(), ...[...scored.values()].map((s) => s.playerId)])) {
        const a = firsts.get(`${q.id}\u0000${playerId}`);
        const s = a ? scored.get(a.answerId)! : undefined;
        const run = byPlayer.get(playerId) ?? 0;
        if (s && s.correct && !s.late) {
          s.bonus = Math.min(run * 100, 500);
          s.points += s.bonus;
          byPlayer.set(playerId, run + 1);
        } else {
          byPlayer.set(playerId, 0);
        }
      }
    }
  }
  for (const a of firsts.values()) {
    const s = scored.get(a.answerId)!;
    let p = players.get(a.playerId);
    if (!p) {
      p = { displayName: a.playerId, score: 0, reachedAt: a.acceptedAt, answers: 0 };
      players.set(a.playerId, p);
    }
    p.answers += 1;
    if (s.points > 0) {
      p.score += s.points;
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
