// The JSON that push serves to browsers (GET leaderboard, the SSE `snapshot` event, the standings
// reads and the personal stream's events), declared once: processors write the snapshot to Redis
// with snapshotJson (so the stored bytes are the bytes push serves), push checks them once and
// serves them as they are, and the pages import these as types. v1: fields may be added, never
// renamed. Types and pure serializers only (no imports), so the browser build can import them
// (web/tsconfig.json checks them too).

export interface LeaderboardEntryWire {
  rank: number;
  playerId: string;
  displayName: string;
  score: number;
}

export interface OpenQuestionCountWire {
  questionId: string;
  /** Players whose first answer to the question was counted so far. */
  answered: number;
}

/** The v1 leaderboard body (GET leaderboard and the SSE `snapshot` data), and the snapshot JSON in Redis. */
export interface SnapshotWire {
  quizId: string;
  seq: number;
  players: number;
  answers: number;
  /** Questions open now, with how many players have answered each (no points until they close, in onClose quizzes). */
  openQuestions: OpenQuestionCountWire[];
  entries: LeaderboardEntryWire[];
}

/** A page of the full standings (GET leaderboard?offset=): ranks offset + 1 .. offset + entries.length. */
export interface StandingsPageWire {
  quizId: string;
  /** Everyone on the board (the sorted set's size), so a client knows how many pages there are. */
  players: number;
  offset: number;
  entries: LeaderboardEntryWire[];
}

/** GET players/:playerId; `around` (with ?around=N) lists the ranks rank − N .. rank + N that exist, the player included. */
export interface PlayerStandingWire {
  playerId: string;
  displayName: string;
  score: number;
  rank: number;
  around?: LeaderboardEntryWire[];
}

// The serializers below copy each field in the order the interfaces declare it, whatever order the
// object was built in and whatever else it carries, so the same snapshot always becomes the same
// bytes (what processors store in Redis is byte for byte what push serves and streams).

function wireEntries(entries: readonly LeaderboardEntryWire[]): LeaderboardEntryWire[] {
  return entries.map((e) => ({ rank: e.rank, playerId: e.playerId, displayName: e.displayName, score: e.score }));
}

/** The snapshot as its v1 JSON: only the contract's fields, in the contract's order. */
export function snapshotJson(s: SnapshotWire): string {
  const wire: SnapshotWire = {
    quizId: s.quizId,
    seq: s.seq,
    players: s.players,
    answers: s.answers,
    openQuestions: s.openQuestions.map((q) => ({ questionId: q.questionId, answered: q.answered })),
    entries: wireEntries(s.entries),
  };
  return JSON.stringify(wire);
}

export function standingsPageJson(p: StandingsPageWire): string {
  const wire: StandingsPageWire = { quizId: p.quizId, players: p.players, offset: p.offset, entries: wireEntries(p.entries) };
  return JSON.stringify(wire);
}

export function playerStandingJson(p: PlayerStandingWire): string {
  const wire: PlayerStandingWire = { playerId: p.playerId, displayName: p.displayName, score: p.score, rank: p.rank };
  if (p.around !== undefined) wire.around = wireEntries(p.around);
  return JSON.stringify(wire);
}

/** `answer-received`: the answer is counted; nothing about whether it was right. */
export interface AnswerReceivedWire {
  answerId: string;
  questionId: string;
}

/** `answer-result`: in an onClose quiz only at the question's close, in a live quiz once scored. */
export interface AnswerResultWire {
  answerId: string;
  questionId: string;
  correct: boolean;
  /** Streak bonus included. */
  points: number;
  total: number;
  rank: number;
  late: boolean;
  /** The streak part of points; push always sends it (0 without one), an older push did not. */
  bonus?: number;
}

export type QuestionTypeWire = 'choice' | 'truefalse' | 'text';

/** `question-opened`: never carries the correct choices or accepted answers. */
export interface QuestionOpenedWire {
  questionId: string;
  type: QuestionTypeWire;
  /** Several choices are correct: the play page offers checkboxes (which ones stays secret). */
  multiple: boolean;
  prompt: string;
  /** Empty for a text question. */
  choices: Array<{ id: string; text: string }>;
  points: number;
  timeLimitMs: number;
  openedAt: string;
  closesAt: string;
}

/** `question-closed`: the reveal. */
export interface QuestionClosedWire {
  questionId: string;
  /** The correct choice ids; empty for a text question. */
  correct: string[];
  /** A text question's accepted spellings; empty otherwise. */
  accepted: string[];
  /** Per choice id; for a text question "correct" and "wrong". */
  counts: Record<string, number>;
  closedAt: string;
}

export type PersonalEventName = 'answer-received' | 'answer-result' | 'question-opened' | 'question-closed';
