// TypeScript shapes of the Avro records in schemas/, declared by hand and checked field for field
// against the .avsc files by test/common/messages/events.test.ts. Timestamps are epoch milliseconds.

export interface PlayerJoined {
  eventId: string;
  quizId: string;
  playerId: string;
  displayName: string;
  joinedAt: number;
}

export interface PlayerKicked {
  eventId: string;
  quizId: string;
  playerId: string;
  kickedAt: number;
}

export interface Choice {
  id: string;
  text: string;
}

export interface QuestionOpened {
  eventId: string;
  quizId: string;
  questionId: string;
  prompt: string;
  choices: Choice[];
  points: number;
  timeLimitMs: number;
  openedAt: number;
  closesAt: number;
  /** "choice" (the Avro default), "truefalse" or "text". */
  type?: string;
  /** Several choices are correct; never which. */
  multiple?: boolean;
}

export interface QuestionClosed {
  eventId: string;
  quizId: string;
  questionId: string;
  closedAt: number;
}

export interface AnswerSubmitted {
  answerId: string;
  quizId: string;
  questionId: string;
  playerId: string;
  /** The one choice picked; for several picks the first of choiceIds, '' for a text answer. */
  choiceId: string;
  acceptedAt: number;
  /** Every choice picked; [] (the Avro default) from clients that sent only choiceId. */
  choiceIds?: string[];
  /** The typed answer of a text question. */
  text?: string | null;
}

export interface QuizClosed {
  eventId: string;
  quizId: string;
  closedAt: number;
}

export interface AnswerScored {
  answerId: string;
  quizId: string;
  questionId: string;
  playerId: string;
  choiceId: string;
  correct: boolean;
  late: boolean;
  points: number;
  total: number;
  rank: number;
  latencyMs: number;
  acceptedAt: number;
  scoredAt: number;
  /** The streak bonus included in points. */
  bonus?: number;
}

export interface AnswerReceived {
  answerId: string;
  quizId: string;
  questionId: string;
  playerId: string;
  acceptedAt: number;
}

export interface QuestionRevealed {
  quizId: string;
  questionId: string;
  correct: string[];
  /** Per choice id; for a text question "correct" and "wrong". */
  counts: Record<string, number>;
  closedAt: number;
  /** Text questions: the accepted spellings. */
  accepted?: string[];
}

export interface LeaderboardEntry {
  rank: number;
  playerId: string;
  displayName: string;
  score: number;
}

export interface OpenQuestionCount {
  questionId: string;
  /** Players whose first answer to the question was counted so far. */
  answered: number;
}

export interface LeaderboardSnapshot {
  quizId: string;
  seq: number;
  players: number;
  answers: number;
  entries: LeaderboardEntry[];
  createdAt: number;
  /** Absent in records written before the field existed (its Avro default is []). */
  openQuestions?: OpenQuestionCount[];
}

export interface DeadLetter {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  reason: string;
  failedAt: number;
}

/** Event type name (the Avro record name) to its payload. */
export interface EventMap {
  PlayerJoined: PlayerJoined;
  PlayerKicked: PlayerKicked;
  QuestionOpened: QuestionOpened;
  QuestionClosed: QuestionClosed;
  AnswerSubmitted: AnswerSubmitted;
  QuizClosed: QuizClosed;
  AnswerScored: AnswerScored;
  AnswerReceived: AnswerReceived;
  QuestionRevealed: QuestionRevealed;
  LeaderboardSnapshot: LeaderboardSnapshot;
  DeadLetter: DeadLetter;
}

export type EventType = keyof EventMap;

export type DecodedEvent = { [K in EventType]: { type: K; payload: EventMap[K] } }[EventType];

export const AVRO_NAMESPACE = 'quizstream.events';
