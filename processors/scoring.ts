// The game rules, as pure functions: how much of a question an answer got right (per question
// type), the speed or flat rule for its points, and the answer streak. No I/O here, so the unit
// tests and the crash drills can trust that a replay computes exactly the same points. The streak
// itself is kept in Redis by the answer script (leaderboard-writer.ts), which mirrors
// `advanceStreak` and `missedQuestion` so that it moves exactly once per answer; the functions here
// are the rule it follows, and what a rebuild from Postgres replays (redis-rebuild.ts).

export type QuestionType = 'choice' | 'truefalse' | 'text';
export type ScoringRule = 'speed' | 'flat';

/** The quiz's scoring options (design.md "Scoring options"). */
export interface QuizRules {
  scoring: ScoringRule;
  /** +STREAK_STEP per consecutive correct answer before this one, at most STREAK_CAP. */
  streak: boolean;
  /** Several correct choices: points × (right − wrong picks) / correct picks instead of all-or-nothing. */
  partial: boolean;
}

export const DEFAULT_RULES: QuizRules = { scoring: 'speed', streak: false, partial: false };

/** What scoring needs to know about a question; times are epoch milliseconds. */
export interface QuestionRules {
  points: number;
  timeLimitMs: number;
  /** Absent on questions stored before types existed: a choice question. */
  type?: QuestionType;
  /** Choice ids (choice and truefalse); empty for text. */
  correct: readonly string[];
  /** Text questions: the accepted spellings. */
  accepted?: readonly string[];
  ignoreAccents?: boolean;
  /** Undefined while the stream and Postgres have not shown the question open. */
  openedAt?: number;
  closesAt?: number;
  closedAt?: number;
}

/** One answer as AnswerSubmitted carries it: `choiceIds` when given, else `choiceId`, or `text`. */
export interface AnswerFacts {
  choiceId?: string;
  choiceIds?: readonly string[];
  text?: string | null;
  acceptedAt: number;
}

export interface AnswerScore {
  /** Fully right: every correct choice and no other, or an accepted spelling. */
  correct: boolean;
  /** Accepted outside the open window (after closesAt or closedAt, before openedAt, or never opened). */
  late: boolean;
  /** Without any streak bonus (the answer script adds that). */
  points: number;
  /** From question open to acceptance at ingest; 0 when the question was never seen open. */
  latencyMs: number;
}

/** The choices an answer picked: `choiceIds` (the new form) or the single `choiceId` of old clients. */
export function pickedChoices(a: AnswerFacts): string[] {
  if (a.choiceIds && a.choiceIds.length > 0) return [...new Set(a.choiceIds)];
  return a.choiceId ? [a.choiceId] : [];
}

/**
 * How an answer is compared with an accepted spelling: trimmed, case folded (upper then lower
 * case, so "STRASSE" meets "straße"), and with `ignoreAccents` decomposed (NFD) with its combining
 * marks dropped, so "élève" meets "eleve".
 */
export function foldText(text: string, ignoreAccents: boolean): string {
  const folded = text.normalize('NFC').trim().toUpperCase().toLowerCase();
  return ignoreAccents ? folded.normalize('NFD').replace(/\p{M}/gu, '').normalize('NFC') : folded;
}

export function matchesAccepted(text: string, accepted: readonly string[], ignoreAccents: boolean): boolean {
  const answer = foldText(text, ignoreAccents);
  return accepted.some((spelling) => foldText(spelling, ignoreAccents) === answer);
}

/**
 * The share of the question's points an answer earned before the speed rule: 1 when fully right,
 * 0 when wrong; with `partial`, a choice answer to a question with several correct choices gets
 * (right picks − wrong picks) / correct choices, floored at 0.
 */
export function creditOf(q: QuestionRules, a: AnswerFacts, partial: boolean): number {
  if ((q.type ?? 'choice') === 'text') {
    return typeof a.text === 'string' && matchesAccepted(a.text, q.accepted ?? [], q.ignoreAccents === true) ? 1 : 0;
  }
  const correct = new Set(q.correct);
  const picks = pickedChoices(a);
  const right = picks.filter((id) => correct.has(id)).length;
  const wrong = picks.length - right;
  if (wrong === 0 && right === correct.size && right > 0) return 1;
  if (!partial || correct.size < 2) return 0;
  return Math.max(0, (right - wrong) / correct.size);
}

/**
 * Speed (default): round(points × credit × (1 − (t/T)/2)), Kahoot's rule; flat: round(points ×
 * credit). Wrong, late or never opened: 0. No streak bonus here.
 */
export function scoreAnswer(q: QuestionRules, a: AnswerFacts, rules: QuizRules = DEFAULT_RULES): AnswerScore {
  const credit = creditOf(q, a, rules.partial);
  const correct = credit === 1;
  const latencyMs = q.openedAt === undefined ? 0 : Math.max(0, a.acceptedAt - q.openedAt);
  const late = !isWithinWindow(q, a.acceptedAt);
  if (credit === 0 || late) return { correct, late, points: 0, latencyMs };
  const speed = rules.scoring === 'flat' ? 1 : 1 - Math.min(1, latencyMs / q.timeLimitMs) / 2;
  return { correct, late, points: Math.round(q.points * credit * speed), latencyMs };
}

/**
 * Ingest only accepts answers while the question is open, but the stream is judged on its own:
 * an answer accepted after closesAt, after the close the host pressed, or before the open is late.
 */
export function isWithinWindow(q: QuestionRules, acceptedAt: number): boolean {
  if (q.openedAt === undefined || acceptedAt < q.openedAt) return false;
  if (q.closesAt !== undefined && acceptedAt > q.closesAt) return false;
  if (q.closedAt !== undefined && acceptedAt > q.closedAt) return false;
  return true;
}

// The answer streak. A player's streak is how many answers in a row were correct and in time; it
// is stamped with the `version` of the question that last moved it: the time that question opened,
// so the streak follows the order questions were played in, whatever their position. A question the
// player did not answer is noticed at their next answer: the streak carries on only if it was
// last moved by the question opened just before this one (`previous`); otherwise a question was
// missed in between and it starts over. Nothing happens at a close, so an answer accepted in time
// but read after its question's close counts like any other, and a replayed close changes nothing.
// An answer to a question opened before the one that last moved the streak (two questions open at
// once) neither earns nor moves it.

export const STREAK_STEP = 100;
export const STREAK_CAP = 500;

export interface StreakState {
  /** Consecutive correct answers so far. */
  count: number;
  /** openedAt of the question that last moved it; 0 for none. */
  version: number;
}

export const NO_STREAK: StreakState = { count: 0, version: 0 };

/** The bonus an answer earns with `count` correct answers in a row before it. */
export function streakBonus(count: number): number {
  return Math.min(count * STREAK_STEP, STREAK_CAP);
}

/**
 * An answer to the question opened at `version`, `previous` being when the question played just
 * before it opened (0 for the first): the bonus it earns (0 unless `earned`, i.e. correct and in
 * time) and the streak after it.
 */
export function advanceStreak(s: StreakState, version: number, previous: number, earned: boolean): { bonus: number; next: StreakState } {
  if (version < s.version) return { bonus: 0, next: s };
  const before = s.version >= previous ? s.count : 0;
  if (!earned) return { bonus: 0, next: { count: 0, version } };
  return { bonus: streakBonus(before), next: { count: before + 1, version } };
}

/** When the question played just before the one opened at `version` opened; 0 if none. */
export function previousOpening(openings: Iterable<number | undefined>, version: number): number {
  let previous = 0;
  for (const at of openings) if (at !== undefined && at < version && at > previous) previous = at;
  return previous;
}

/** The Redis form of a StreakState ("count:version"). */
export function streakField(s: StreakState): string {
  return `${s.count}:${s.version}`;
}

/**
 * The reveal's counters an answer adds to: each choice it picked, or for a text question
 * "correct" or "wrong" (whether it matched, in time or not, as the choice counts count every pick).
 */
export function revealTally(q: QuestionRules, a: AnswerFacts): string[] {
  if ((q.type ?? 'choice') === 'text') return [creditOf(q, a, false) === 1 ? 'correct' : 'wrong'];
  return pickedChoices(a);
}
