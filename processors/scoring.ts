// The game rules, as pure functions: Kahoot's speed rule for one answer. No I/O here, so the
// unit tests and the crash drills can trust that a replay computes exactly the same points.

/** What scoring needs to know about a question; times are epoch milliseconds. */
export interface QuestionRules {
  points: number;
  timeLimitMs: number;
  correct: readonly string[];
  /** Undefined while the stream and Postgres have not shown the question open. */
  openedAt?: number;
  closesAt?: number;
  closedAt?: number;
}

export interface AnswerFacts {
  choiceId: string;
  acceptedAt: number;
}

export interface AnswerScore {
  correct: boolean;
  /** Accepted outside the open window (after closesAt or closedAt, before openedAt, or never opened). */
  late: boolean;
  points: number;
  /** From question open to acceptance at ingest; 0 when the question was never seen open. */
  latencyMs: number;
}

/** round(points × (1 − (t/T)/2)) for a correct, in-time answer; 0 otherwise. No streak bonus. */
export function scoreAnswer(q: QuestionRules, a: AnswerFacts): AnswerScore {
  const correct = q.correct.includes(a.choiceId);
  const latencyMs = q.openedAt === undefined ? 0 : Math.max(0, a.acceptedAt - q.openedAt);
  const late = !isWithinWindow(q, a.acceptedAt);
  if (!correct || late) return { correct, late, points: 0, latencyMs };
  const fraction = Math.min(1, latencyMs / q.timeLimitMs);
  return { correct, late, points: Math.round(q.points * (1 - fraction / 2)), latencyMs };
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
