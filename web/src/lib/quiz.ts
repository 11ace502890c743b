// A quiz as ingest's public view (GET /v1/quizzes/:id) shows it, and the question a player can
// answer now. No DOM here, so unit tests run these in Node.

export interface Choice {
  id: string;
  text: string;
}

/** choice: pick one (or, with `multiple`, several); truefalse: two fixed choices; text: type the answer. */
export type QuestionType = 'choice' | 'truefalse' | 'text';

/** A question as the public quiz view (GET /v1/quizzes/:id) or question-opened shows it. */
export interface OpenQuestion {
  questionId: string;
  prompt: string;
  /** Empty for a text question. */
  choices: Choice[];
  /** Absent from an older ingest or push: a choice question. */
  type?: QuestionType;
  /** Several choices are correct: the player may pick more than one. */
  multiple?: boolean;
  points?: number;
  timeLimitMs?: number;
  openedAt?: string;
  closesAt?: string;
}

export interface PublicQuestion {
  id: string;
  position: number;
  state: 'pending' | 'open' | 'closed';
  points: number;
  timeLimitMs: number;
  openedAt: string | null;
  closesAt: string | null;
  closedAt: string | null;
  prompt?: string;
  choices?: Choice[];
  type?: QuestionType;
  multiple?: boolean;
}

export type ScoreVisibility = 'onClose' | 'live';

export interface PublicQuiz {
  id: string;
  title: string;
  status: 'open' | 'closed';
  /** onClose: results come when each question closes; live: as soon as an answer is scored. */
  scoreVisibility?: ScoreVisibility;
  /** The game PIN while the quiz runs; null once it closed (or for an old quiz that never had one). */
  pin?: string | null;
  closeWhenAllAnswered?: boolean;
  scoring?: 'speed' | 'flat';
  streak?: boolean;
  partial?: boolean;
  questions: PublicQuestion[];
}

/** The open question of a public quiz view, if any (prompt and choices are shown once opened). */
export function openQuestionOf(quiz: PublicQuiz, now: number): OpenQuestion | undefined {
  for (const q of quiz.questions) {
    // A text question may come without choices; any other without them is not shown yet.
    if (q.state !== 'open' || !q.prompt || (!q.choices && q.type !== 'text')) continue;
    if (q.closesAt && Date.parse(q.closesAt) < now) continue;
    return {
      questionId: q.id,
      prompt: q.prompt,
      choices: q.choices ?? [],
      ...(q.type ? { type: q.type } : {}),
      ...(q.multiple !== undefined ? { multiple: q.multiple } : {}),
      points: q.points,
      timeLimitMs: q.timeLimitMs,
      ...(q.openedAt ? { openedAt: q.openedAt } : {}),
      ...(q.closesAt ? { closesAt: q.closesAt } : {}),
    };
  }
  return undefined;
}

/**
 * Milliseconds left to answer. Clocks of browser and server differ, so the time limit caps it:
 * a phone whose clock runs behind still never shows more time than the question has.
 */
export function remainingMs(q: Pick<OpenQuestion, 'closesAt' | 'timeLimitMs'>, now: number, receivedAt: number): number {
  const byClock = q.closesAt ? Date.parse(q.closesAt) - now : Infinity;
  const byLimit = q.timeLimitMs !== undefined ? receivedAt + q.timeLimitMs - now : Infinity;
  const left = Math.min(byClock, byLimit);
  return Number.isFinite(left) ? Math.max(0, left) : 0;
}
