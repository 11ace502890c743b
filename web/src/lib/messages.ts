import type {
  AnswerReceivedWire,
  AnswerResultWire,
  LeaderboardEntryWire,
  OpenQuestionCountWire,
  PlayerStandingWire,
  SnapshotWire,
  StandingsPageWire,
} from '../../../common/messages/wire';
import type { Choice, OpenQuestion, QuestionType } from './quiz';

// What push sends, checked before a page shows it: the shapes are push's (common/messages/wire.ts,
// imported as types only); anything else is ignored rather than half-rendered. No DOM here, so
// unit tests run these in Node.

/**
 * A closed question's reveal (question-closed, or ingest's GET …/reveal): the correct choice ids
 * (empty for a text question), the accepted spellings (text questions only, empty otherwise) and
 * the counts: per choice id, or `correct` and `wrong` for a text question.
 */
export interface QuestionReveal {
  questionId: string;
  correct: string[];
  accepted: string[];
  counts: Record<string, number>;
}

/** An answer's result: `points` includes the streak bonus, `bonus` is that part (0 when none). */
export interface AnswerResult extends AnswerResultWire {
  bonus: number;
}

const QUESTION_TYPES: readonly string[] = ['choice', 'truefalse', 'text'] satisfies QuestionType[];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** A list of leaderboard entries, or undefined if any entry is malformed. */
function parseEntries(v: unknown): LeaderboardEntryWire[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const entries: LeaderboardEntryWire[] = [];
  for (const e of v) {
    if (!isObject(e) || !isInt(e.rank) || typeof e.playerId !== 'string' || typeof e.displayName !== 'string' || !isInt(e.score)) {
      return undefined;
    }
    entries.push({ rank: e.rank, playerId: e.playerId, displayName: e.displayName, score: e.score });
  }
  return entries;
}

/** Checks a `snapshot` event's data; anything else is ignored rather than half-rendered. */
export function parseSnapshot(data: unknown): SnapshotWire | undefined {
  if (!isObject(data) || typeof data.quizId !== 'string' || !isInt(data.seq) || !isInt(data.players) || !isInt(data.answers)) {
    return undefined;
  }
  const entries = parseEntries(data.entries);
  if (!entries) return undefined;
  const openQuestions: OpenQuestionCountWire[] = [];
  for (const q of Array.isArray(data.openQuestions) ? data.openQuestions : []) {
    if (isObject(q) && typeof q.questionId === 'string' && isInt(q.answered)) openQuestions.push({ questionId: q.questionId, answered: q.answered });
  }
  return { quizId: data.quizId, seq: data.seq, players: data.players, answers: data.answers, openQuestions, entries };
}

/** GET leaderboard?offset=: a page of the full standings. */
export function parseStandingsPage(data: unknown): StandingsPageWire | undefined {
  if (!isObject(data) || typeof data.quizId !== 'string' || !isInt(data.players) || !isInt(data.offset)) return undefined;
  const entries = parseEntries(data.entries);
  return entries ? { quizId: data.quizId, players: data.players, offset: data.offset, entries } : undefined;
}

/** GET players/:playerId (?around=N adds `around`). */
export function parsePlayerStanding(data: unknown): PlayerStandingWire | undefined {
  if (!isObject(data) || typeof data.playerId !== 'string' || typeof data.displayName !== 'string' || !isInt(data.score) || !isInt(data.rank)) {
    return undefined;
  }
  const standing: PlayerStandingWire = { playerId: data.playerId, displayName: data.displayName, score: data.score, rank: data.rank };
  if (data.around !== undefined) {
    const around = parseEntries(data.around);
    if (!around) return undefined;
    standing.around = around;
  }
  return standing;
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
    // Push always sends it; a result without it (an older push) was not late.
    late: typeof data.late === 'boolean' ? data.late : false,
    // A push from before streaks sends none: no bonus.
    bonus: isInt(data.bonus) ? data.bonus : 0,
  };
}

export function parseAnswerReceived(data: unknown): AnswerReceivedWire | undefined {
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
  if (data.type !== undefined && !(typeof data.type === 'string' && QUESTION_TYPES.includes(data.type))) return undefined;
  const type = data.type as QuestionType | undefined;
  // A text question has nothing to pick from; it may come with an empty list or none.
  const choices = type === 'text' && data.choices === undefined ? [] : parseChoices(data.choices);
  if (!choices) return undefined;
  return {
    questionId: data.questionId,
    prompt: data.prompt,
    choices,
    ...(type ? { type } : {}),
    ...(typeof data.multiple === 'boolean' ? { multiple: data.multiple } : {}),
    ...(isInt(data.points) ? { points: data.points } : {}),
    ...(isInt(data.timeLimitMs) ? { timeLimitMs: data.timeLimitMs } : {}),
    ...(typeof data.openedAt === 'string' ? { openedAt: data.openedAt } : {}),
    ...(typeof data.closesAt === 'string' ? { closesAt: data.closesAt } : {}),
  };
}

export function parseReveal(data: unknown): QuestionReveal | undefined {
  if (!isObject(data) || typeof data.questionId !== 'string' || !Array.isArray(data.correct) || !isObject(data.counts)) return undefined;
  const correct = data.correct.filter((c): c is string => typeof c === 'string');
  const accepted = Array.isArray(data.accepted) ? data.accepted.filter((a): a is string => typeof a === 'string') : [];
  const counts: Record<string, number> = {};
  for (const [k, v] of Object.entries(data.counts)) if (isInt(v)) counts[k] = v;
  return { questionId: data.questionId, correct, accepted, counts };
}
