import type { AnswerScored, DecodedEvent } from '../../common/messages/events';
import { topicNames } from '../../common/topics';
import { UnstorableRecordError } from '../../common/errors';
import { answerRow, toRow, topicRoles } from '../../sink/rows';

const scored: AnswerScored = {
  answerId: 'a1',
  quizId: 'quiz',
  questionId: 'q1',
  playerId: 'p1',
  choiceId: 'b',
  correct: true,
  late: false,
  points: 950,
  total: 1950,
  rank: 2,
  latencyMs: 1_000,
  acceptedAt: 1_700_000_001_999,
  scoredAt: 1_700_000_002_040,
};

describe('ClickHouse sink rows', () => {
  it('maps a scored answer to the answers columns, DateTime as whole unix seconds', () => {
    expect(toRow('results', { type: 'AnswerScored', payload: scored })).toEqual({
      table: 'answers',
      row: {
        quiz_id: 'quiz',
        question_id: 'q1',
        player_id: 'p1',
        answer_id: 'a1',
        choice_id: 'b',
        correct: 1,
        late: 0,
        points: 950,
        total: 1950,
        latency_ms: 1_000,
        accepted_ms: 1_700_000_001_999,
        scored_ms: 1_700_000_002_040,
        accepted_at: 1_700_000_001,
        scored_at: 1_700_000_002,
      },
    });
  });

  it('maps joins and lifecycle events to quiz_events kinds with empty strings for absent fields', () => {
    const joined = toRow('events', { type: 'PlayerJoined', payload: { eventId: 'e1', quizId: 'quiz', playerId: 'p1', displayName: 'Ann', joinedAt: 5_000 } });
    expect(joined).toEqual({
      table: 'quiz_events',
      row: { quiz_id: 'quiz', kind: 'joined', event_id: 'e1', question_id: '', player_id: 'p1', display_name: 'Ann', at_ms: 5_000, at: 5 },
    });
    const opened: DecodedEvent = {
      type: 'QuestionOpened',
      payload: { eventId: 'e2', quizId: 'quiz', questionId: 'q1', prompt: '?', choices: [], points: 1000, timeLimitMs: 20_000, openedAt: 6_000, closesAt: 26_000 },
    };
    expect(toRow('events', opened)).toMatchObject({ row: { kind: 'question_opened', question_id: 'q1', player_id: '', at_ms: 6_000 } });
    expect(toRow('events', { type: 'QuestionClosed', payload: { eventId: 'e3', quizId: 'quiz', questionId: 'q1', closedAt: 7_000 } })).toMatchObject({
      row: { kind: 'question_closed', question_id: 'q1', at_ms: 7_000 },
    });
    expect(toRow('events', { type: 'QuizClosed', payload: { eventId: 'e4', quizId: 'quiz', closedAt: 8_000 } })).toMatchObject({
      row: { kind: 'quiz_closed', question_id: '', at_ms: 8_000 },
    });
    expect(toRow('events', { type: 'PlayerKicked', payload: { eventId: 'e5', quizId: 'quiz', playerId: 'p1', kickedAt: 9_000 } })).toEqual({
      table: 'quiz_events',
      row: { quiz_id: 'quiz', kind: 'kicked', event_id: 'e5', question_id: '', player_id: 'p1', display_name: '', at_ms: 9_000, at: 9 },
    });
  });

  it('stores a snapshot with its entries as JSON', () => {
    const entries = [{ rank: 1, playerId: 'p1', displayName: 'Ann', score: 1950 }];
    expect(toRow('snapshots', { type: 'LeaderboardSnapshot', payload: { quizId: 'quiz', seq: 7, players: 2, answers: 3, entries, createdAt: 9_500 } })).toEqual({
      table: 'snapshots',
      row: { quiz_id: 'quiz', seq: 7, players: 2, answers: 3, entries: JSON.stringify(entries), created_ms: 9_500, created_at: 9 },
    });
  });

  it('skips what the sink does not store: submitted answers and what quiz.results relays', () => {
    expect(toRow('events', { type: 'AnswerSubmitted', payload: { answerId: 'a', quizId: 'q', questionId: 'q1', playerId: 'p', choiceId: 'a', acceptedAt: 1 } })).toBeNull();
    expect(toRow('results', { type: 'QuestionRevealed', payload: { quizId: 'q', questionId: 'q1', correct: ['a'], counts: {}, closedAt: 1 } })).toBeNull();
    expect(toRow('results', { type: 'QuestionClosed', payload: { eventId: 'e', quizId: 'q', questionId: 'q1', closedAt: 1 } })).toBeNull();
    // A scored answer on the wrong topic is not stored either: each table has one source topic.
    expect(toRow('events', { type: 'AnswerScored', payload: scored })).toBeNull();
  });

  it('stores a slightly negative latency as 0 rather than losing the answer', () => {
    expect(answerRow({ ...scored, latencyMs: -3 }).latency_ms).toBe(0);
  });

  it('refuses values ClickHouse would reject for the whole batch', () => {
    expect(() => answerRow({ ...scored, acceptedAt: -1 })).toThrow(UnstorableRecordError);
    expect(() => answerRow({ ...scored, scoredAt: 1.5 })).toThrow(UnstorableRecordError);
    expect(() => answerRow({ ...scored, points: Number.NaN })).toThrow(UnstorableRecordError);
    expect(() => toRow('snapshots', { type: 'LeaderboardSnapshot', payload: { quizId: 'q', seq: -1, players: 0, answers: 0, entries: [], createdAt: 1 } })).toThrow(UnstorableRecordError);
  });

  it('knows each topic by its role under any prefix', () => {
    const t = topicNames('x.');
    expect(topicRoles(t)).toEqual({ 'x.quiz.events': 'events', 'x.quiz.results': 'results', 'x.quiz.snapshots': 'snapshots' });
  });
});
