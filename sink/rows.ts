import type { AnswerScored, DecodedEvent, LeaderboardSnapshot } from '../common/messages/events';
import { UnstorableRecordError } from '../common/errors';
import type { Topics } from '../common/topics';

// What each Kafka record becomes in ClickHouse: the column layout of infra/clickhouse/001 and 002.
// Timestamps arrive as epoch milliseconds; each table keeps them as UInt64 *_ms columns plus a
// DateTime (whole seconds, sent as a unix timestamp so the server's time zone cannot shift it).

export type Table = 'answers' | 'snapshots' | 'quiz_events';
export const TABLES: readonly Table[] = ['answers', 'snapshots', 'quiz_events'];

export type TopicRole = 'events' | 'results' | 'snapshots';

export interface AnswerRow {
  quiz_id: string;
  question_id: string;
  player_id: string;
  answer_id: string;
  choice_id: string;
  correct: number;
  late: number;
  points: number;
  total: number;
  latency_ms: number;
  accepted_ms: number;
  scored_ms: number;
  accepted_at: number;
  scored_at: number;
}

export interface SnapshotRow {
  quiz_id: string;
  seq: number;
  players: number;
  answers: number;
  entries: string;
  created_ms: number;
  created_at: number;
}

export interface QuizEventRow {
  quiz_id: string;
  kind: 'joined' | 'kicked' | 'question_opened' | 'question_closed' | 'quiz_closed';
  event_id: string;
  question_id: string;
  player_id: string;
  display_name: string;
  at_ms: number;
  at: number;
}

export type SinkRow =
  | { table: 'answers'; row: AnswerRow }
  | { table: 'snapshots'; row: SnapshotRow }
  | { table: 'quiz_events'; row: QuizEventRow };

export function topicRoles(topics: Topics): Record<string, TopicRole> {
  return { [topics.quizEvents]: 'events', [topics.results]: 'results', [topics.snapshots]: 'snapshots' };
}

/** Epoch milliseconds that fit UInt64 and a DateTime (UInt32 seconds). */
function epochMs(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 0 || value / 1000 > 0xffff_ffff) {
    throw new UnstorableRecordError(`${field} is not an epoch millisecond timestamp: ${value}`);
  }
  return value;
}

function nonNegativeInt(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new UnstorableRecordError(`${field} must be a non-negative integer: ${value}`);
  return value;
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

export function answerRow(a: AnswerScored): AnswerRow {
  const acceptedMs = epochMs(a.acceptedAt, 'acceptedAt');
  const scoredMs = epochMs(a.scoredAt, 'scoredAt');
  if (!Number.isSafeInteger(a.points) || !Number.isSafeInteger(a.total) || !Number.isSafeInteger(a.latencyMs)) {
    throw new UnstorableRecordError('points, total and latencyMs must be integers');
  }
  return {
    quiz_id: a.quizId,
    question_id: a.questionId,
    player_id: a.playerId,
    answer_id: a.answerId,
    choice_id: a.choiceId,
    correct: a.correct ? 1 : 0,
    late: a.late ? 1 : 0,
    points: a.points,
    total: a.total,
    // latency_ms is UInt64. A negative latency can only come from clocks disagreeing by a few ms
    // around the question opening; the answer itself matters more than dropping it, so it counts as 0.
    latency_ms: Math.max(0, a.latencyMs),
    accepted_ms: acceptedMs,
    scored_ms: scoredMs,
    accepted_at: seconds(acceptedMs),
    scored_at: seconds(scoredMs),
  };
}

export function snapshotRow(s: LeaderboardSnapshot): SnapshotRow {
  const createdMs = epochMs(s.createdAt, 'createdAt');
  return {
    quiz_id: s.quizId,
    seq: nonNegativeInt(s.seq, 'seq'),
    players: nonNegativeInt(s.players, 'players'),
    answers: nonNegativeInt(s.answers, 'answers'),
    entries: JSON.stringify(s.entries),
    created_ms: createdMs,
    created_at: seconds(createdMs),
  };
}

function quizEventRow(
  kind: QuizEventRow['kind'],
  e: { eventId: string; quizId: string; questionId?: string; playerId?: string; displayName?: string },
  atMs: number,
): QuizEventRow {
  const at = epochMs(atMs, 'timestamp');
  return {
    quiz_id: e.quizId,
    kind,
    event_id: e.eventId,
    question_id: e.questionId ?? '',
    player_id: e.playerId ?? '',
    display_name: e.displayName ?? '',
    at_ms: at,
    at: seconds(at),
  };
}

/**
 * The row a decoded record becomes, or null for records the sink does not store: AnswerSubmitted
 * (only scored answers count), and the QuestionOpened/QuestionRevealed relayed on quiz.results
 * (quiz.events already carries the opening; reveals are derived from answers).
 */
export function toRow(role: TopicRole, event: DecodedEvent): SinkRow | null {
  switch (role) {
    case 'results':
      return event.type === 'AnswerScored' ? { table: 'answers', row: answerRow(event.payload) } : null;
    case 'snapshots':
      return event.type === 'LeaderboardSnapshot' ? { table: 'snapshots', row: snapshotRow(event.payload) } : null;
    case 'events':
      switch (event.type) {
        case 'PlayerJoined':
          return { table: 'quiz_events', row: quizEventRow('joined', event.payload, event.payload.joinedAt) };
        case 'QuestionOpened':
          return { table: 'quiz_events', row: quizEventRow('question_opened', event.payload, event.payload.openedAt) };
        case 'QuestionClosed':
          return { table: 'quiz_events', row: quizEventRow('question_closed', event.payload, event.payload.closedAt) };
        case 'QuizClosed':
          return { table: 'quiz_events', row: quizEventRow('quiz_closed', event.payload, event.payload.closedAt) };
        case 'PlayerKicked':
          return { table: 'quiz_events', row: quizEventRow('kicked', event.payload, event.payload.kickedAt) };
        default:
          return null;
      }
  }
}
