// Pure helpers shared by the pages; no DOM here, so unit tests run them in Node.

export interface LeaderboardEntry {
  rank: number;
  playerId: string;
  displayName: string;
  score: number;
}

export interface OpenQuestionCount {
  questionId: string;
  answered: number;
}

export interface Snapshot {
  quizId: string;
  seq: number;
  players: number;
  answers: number;
  /** Questions open now and how many have answered each (none from an older push). */
  openQuestions: OpenQuestionCount[];
  entries: LeaderboardEntry[];
}

export interface AnswerResult {
  answerId: string;
  questionId: string;
  correct: boolean;
  points: number;
  total: number;
  rank: number;
  late?: boolean;
}

export interface Choice {
  id: string;
  text: string;
}

export interface QuestionReveal {
  questionId: string;
  correct: string[];
  counts: Record<string, number>;
}

/** A question as the public quiz view (GET /v1/quizzes/:id) or question-opened shows it. */
export interface OpenQuestion {
  questionId: string;
  prompt: string;
  choices: Choice[];
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
}

export type ScoreVisibility = 'onClose' | 'live';

export interface PublicQuiz {
  id: string;
  title: string;
  status: 'open' | 'closed';
  /** onClose: results come when each question closes; live: as soon as an answer is scored. */
  scoreVisibility?: ScoreVisibility;
  questions: PublicQuestion[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Checks a `snapshot` event's data; anything else is ignored rather than half-rendered. */
export function parseSnapshot(data: unknown): Snapshot | undefined {
  if (!isObject(data) || typeof data.quizId !== 'string' || !isInt(data.seq) || !isInt(data.players) || !isInt(data.answers)) {
    return undefined;
  }
  if (!Array.isArray(data.entries)) return undefined;
  const entries: LeaderboardEntry[] = [];
  for (const e of data.entries) {
    if (!isObject(e) || !isInt(e.rank) || typeof e.playerId !== 'string' || typeof e.displayName !== 'string' || !isInt(e.score)) {
      return undefined;
    }
    entries.push({ rank: e.rank, playerId: e.playerId, displayName: e.displayName, score: e.score });
  }
  const openQuestions: OpenQuestionCount[] = [];
  for (const q of Array.isArray(data.openQuestions) ? data.openQuestions : []) {
    if (isObject(q) && typeof q.questionId === 'string' && isInt(q.answered)) openQuestions.push({ questionId: q.questionId, answered: q.answered });
  }
  return { quizId: data.quizId, seq: data.seq, players: data.players, answers: data.answers, openQuestions, entries };
}

/** "3 of 12 answered" for the question opened last, while one is open; undefined otherwise. */
export function answeredLine(s: Snapshot): string | undefined {
  const q = s.openQuestions.at(-1);
  return q ? `${q.answered} of ${s.players} answered` : undefined;
}

/** What the player sees once their answer is in, before any result. */
export function lockedInText(choiceText: string, visibility: ScoreVisibility | undefined): string {
  return visibility === 'live'
    ? `Locked in: “${choiceText}”. Waiting for the result…`
    : `Answer locked in: “${choiceText}”. You'll see whether it was right when the question closes.`;
}

export function parseAnswerResult(data: unknown): AnswerResult | undefined {
  if (!isObject(data) || typeof data.answerId !== 'string' || typeof data.questionId !== 'string' || typeof data.correct !== 'boolean') {
    return undefined;
  }
  if (!isInt(data.points) || !isInt(data.total) || !isInt(data.rank)) return undefined;
  return {
    answerId: data.answerId,
    questionId: data.questionId,
    correct: data.correct,
    points: data.points,
    total: data.total,
    rank: data.rank,
    ...(typeof data.late === 'boolean' ? { late: data.late } : {}),
  };
}

export function parseAnswerReceived(data: unknown): { answerId: string; questionId: string } | undefined {
  if (!isObject(data) || typeof data.answerId !== 'string' || typeof data.questionId !== 'string') return undefined;
  return { answerId: data.answerId, questionId: data.questionId };
}

function parseChoices(v: unknown): Choice[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: Choice[] = [];
  for (const c of v) {
    if (!isObject(c) || typeof c.id !== 'string' || typeof c.text !== 'string') return undefined;
    out.push({ id: c.id, text: c.text });
  }
  return out;
}

export function parseQuestionOpened(data: unknown): OpenQuestion | undefined {
  if (!isObject(data) || typeof data.questionId !== 'string' || typeof data.prompt !== 'string') return undefined;
  const choices = parseChoices(data.choices);
  if (!choices) return undefined;
  return {
    questionId: data.questionId,
    prompt: data.prompt,
    choices,
    ...(isInt(data.points) ? { points: data.points } : {}),
    ...(isInt(data.timeLimitMs) ? { timeLimitMs: data.timeLimitMs } : {}),
    ...(typeof data.openedAt === 'string' ? { openedAt: data.openedAt } : {}),
    ...(typeof data.closesAt === 'string' ? { closesAt: data.closesAt } : {}),
  };
}

export function parseReveal(data: unknown): QuestionReveal | undefined {
  if (!isObject(data) || typeof data.questionId !== 'string' || !Array.isArray(data.correct) || !isObject(data.counts)) return undefined;
  const correct = data.correct.filter((c): c is string => typeof c === 'string');
  const counts: Record<string, number> = {};
  for (const [k, v] of Object.entries(data.counts)) if (isInt(v)) counts[k] = v;
  return { questionId: data.questionId, correct, counts };
}

/** The open question of a public quiz view, if any (prompt and choices are shown once opened). */
export function openQuestionOf(quiz: PublicQuiz, now: number): OpenQuestion | undefined {
  for (const q of quiz.questions) {
    if (q.state !== 'open' || !q.prompt || !q.choices) continue;
    if (q.closesAt && Date.parse(q.closesAt) < now) continue;
    return {
      questionId: q.id,
      prompt: q.prompt,
      choices: q.choices,
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

/** Accepts a snapshot only if it is newer than the last one shown (ids only grow for a viewer). */
export function isNewer(next: Snapshot, shown: Snapshot | undefined): boolean {
  return shown === undefined || next.seq > shown.seq;
}

/** Dev-token player ids: 1-64 of A-Z a-z 0-9 _ -. */
export function randomPlayerId(random: (bytes: Uint8Array) => Uint8Array): string {
  const bytes = random(new Uint8Array(8));
  return `p-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** An answer id ingest accepts (the same id makes a retry idempotent). */
export function randomAnswerId(random: (bytes: Uint8Array) => Uint8Array): string {
  const bytes = random(new Uint8Array(12));
  return `a-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export function ordinal(n: number): string {
  const mod100 = n % 100;
  if (mod100 >= 11 && mod100 <= 13) return `${n}th`;
  return `${n}${({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th'}`;
}

/** The first N rows of a snapshot, at most `limit` (snapshots already come ranked). */
export function topN(s: Snapshot, limit: number): LeaderboardEntry[] {
  return [...s.entries].sort((a, b) => a.rank - b.rank).slice(0, limit);
}

/** Builds a create-quiz body from the host form's simple fields; throws a message for the user. */
export interface FormQuestion {
  prompt: string;
  choices: string[];
  correctIndex: number;
  timeLimitSeconds: number;
}

export function quizFromForm(title: string, id: string, questions: FormQuestion[], scoreVisibility: ScoreVisibility = 'onClose'): Record<string, unknown> {
  if (!title.trim()) throw new Error('Give the quiz a title.');
  if (questions.length === 0) throw new Error('Add at least one question.');
  return {
    ...(id.trim() ? { id: id.trim() } : {}),
    title: title.trim(),
    scoreVisibility,
    questions: questions.map((q, i) => {
      const choices = q.choices.map((text, j) => ({ id: String.fromCharCode(97 + j), text: text.trim() })).filter((c) => c.text);
      if (!q.prompt.trim()) throw new Error(`Question ${i + 1} has no prompt.`);
      if (choices.length < 2) throw new Error(`Question ${i + 1} needs at least two choices.`);
      const correct = String.fromCharCode(97 + q.correctIndex);
      if (!choices.some((c) => c.id === correct)) throw new Error(`Question ${i + 1}: the correct choice is empty.`);
      return { id: `q${i + 1}`, prompt: q.prompt.trim(), choices, correct: [correct], timeLimitMs: Math.round(q.timeLimitSeconds * 1000) };
    }),
  };
}
