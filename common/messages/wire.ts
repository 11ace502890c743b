// The JSON that push serves to browsers (GET leaderboard, the SSE `snapshot` event and the personal
// stream's events), declared once: processors write the snapshot to Redis in this shape, push
// checks and serves it, and the pages import these as types. v1: fields may be added, never
// renamed. Pure types, so the browser build can import them (web/tsconfig.json checks them too).

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
  points: number;
  total: number;
  rank: number;
  late: boolean;
}

/** `question-opened`: never carries the correct choices. */
export interface QuestionOpenedWire {
  questionId: string;
  prompt: string;
  choices: Array<{ id: string; text: string }>;
  points: number;
  timeLimitMs: number;
  openedAt: string;
  closesAt: string;
}

/** `question-closed`: the reveal. */
export interface QuestionClosedWire {
  questionId: string;
  correct: string[];
  counts: Record<string, number>;
  closedAt: string;
}

export type PersonalEventName = 'answer-received' | 'answer-result' | 'question-opened' | 'question-closed';
