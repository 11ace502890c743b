import type { AnswerReceived, AnswerScored, QuestionOpened, QuestionRevealed } from '../../common/messages/events';
import { ConfigError, SnapshotFormatError } from '../../common/errors';
import { loadPushOptions } from '../../push/options';
import { answerReceived, answerResult, personalFrame, questionClosed, questionOpened } from '../../push/personal-events';
import { parseStoredSnapshot, snapshotFrame, snapshotFromEvent } from '../../push/snapshot-wire';
import { SseParser } from '../helpers/sse-client';

const stored = {
  quizId: 'q1',
  seq: 12,
  players: 3,
  answers: 5,
  openQuestions: [{ questionId: 'q3', answered: 2 }],
  entries: [
    { rank: 1, playerId: 'a', displayName: 'Ann', score: 1900 },
    { rank: 2, playerId: 'b', displayName: 'Bob', score: 800 },
    { rank: 3, playerId: 'c', displayName: 'Cy', score: 0 },
  ],
};

describe('snapshot wire shape', () => {
  test('Redis JSON and the Kafka record serialize to the same bytes (the v1 fields only)', () => {
    const fromRedis = parseStoredSnapshot(JSON.stringify({ ...stored, createdAt: 1_700_000_000_000, extra: 'x' }));
    expect(fromRedis.createdAt).toBe(1_700_000_000_000);
    const fromKafka = snapshotFromEvent({ ...stored, createdAt: 1_700_000_000_000 });
    expect(snapshotFrame(fromRedis).bytes.equals(snapshotFrame(fromKafka).bytes)).toBe(true);
    const [event] = new SseParser().push(snapshotFrame(fromKafka).bytes.toString());
    expect(event).toEqual({ event: 'snapshot', id: '12', data: JSON.stringify(stored) });
  });

  test('a snapshot written before openQuestions existed lists none, from Redis and from Kafka', () => {
    const { openQuestions: _dropped, ...older } = stored;
    expect(parseStoredSnapshot(JSON.stringify(older)).openQuestions).toEqual([]);
    expect(snapshotFromEvent({ ...older, createdAt: 1 }).openQuestions).toEqual([]);
  });

  test('a stored snapshot that is not JSON or not the v1 shape is a clear error', () => {
    expect(() => parseStoredSnapshot('{nope')).toThrow(SnapshotFormatError);
    expect(() => parseStoredSnapshot(JSON.stringify({ ...stored, seq: -1 }))).toThrow(/seq/);
    expect(() => parseStoredSnapshot(JSON.stringify({ ...stored, entries: [{ rank: 1 }] }))).toThrow(/entries/);
  });
});

describe('personal events', () => {
  test('answer-received says only which answer was counted', () => {
    const e: AnswerReceived = { answerId: 'ans1', quizId: 'q', questionId: 'q1', playerId: 'p', acceptedAt: 5 };
    expect(answerReceived(e)).toEqual({ answerId: 'ans1', questionId: 'q1' });
  });

  test('answer-result carries the v1 fields', () => {
    const e: AnswerScored = {
      answerId: 'ans1', quizId: 'q', questionId: 'q1', playerId: 'p', choiceId: 'a', correct: true, late: false,
      points: 750, total: 1750, rank: 2, latencyMs: 10_000, acceptedAt: 1, scoredAt: 2,
    };
    expect(answerResult(e)).toEqual({ answerId: 'ans1', questionId: 'q1', correct: true, points: 750, total: 1750, rank: 2, late: false, bonus: 0 });
    expect(answerResult({ ...e, points: 1050, bonus: 300 })).toMatchObject({ points: 1050, bonus: 300 });
  });

  test('question-opened copies only what a player may see, even if the record carries more', () => {
    const e = {
      eventId: 'e', quizId: 'q', questionId: 'q1', prompt: 'Capital of France?', choices: [{ id: 'a', text: 'Paris' }],
      points: 1000, timeLimitMs: 20_000, openedAt: 0, closesAt: 20_000, correct: ['a'],
    } as QuestionOpened & { correct: string[] };
    const wire = questionOpened(e);
    expect(wire).toEqual({
      questionId: 'q1', type: 'choice', multiple: false, prompt: 'Capital of France?', choices: [{ id: 'a', text: 'Paris' }], points: 1000, timeLimitMs: 20_000,
      openedAt: '1970-01-01T00:00:00.000Z', closesAt: '1970-01-01T00:00:20.000Z',
    });
    expect(personalFrame('question-opened', wire).bytes.toString()).not.toContain('correct');
  });

  test('question-opened of a text question says its type and never its accepted answers', () => {
    const e = {
      eventId: 'e', quizId: 'q', questionId: 'q2', prompt: 'Translate "cheval"', choices: [], points: 1000, timeLimitMs: 20_000,
      openedAt: 0, closesAt: 20_000, type: 'text', multiple: false, accepted: ['horse'],
    } as QuestionOpened & { accepted: string[] };
    const wire = questionOpened(e);
    expect(wire).toMatchObject({ type: 'text', multiple: false, choices: [] });
    expect(personalFrame('question-opened', wire).bytes.toString()).not.toMatch(/accepted|horse/);
    expect(questionOpened({ ...e, type: 'choice', multiple: true })).toMatchObject({ type: 'choice', multiple: true });
  });

  test('question-closed has the reveal: correct choices and counts', () => {
    const e: QuestionRevealed = { quizId: 'q', questionId: 'q1', correct: ['a'], counts: { a: 3, b: 1 }, closedAt: 1_000 };
    expect(questionClosed(e)).toEqual({ questionId: 'q1', correct: ['a'], accepted: [], counts: { a: 3, b: 1 }, closedAt: '1970-01-01T00:00:01.000Z' });
    const text: QuestionRevealed = { quizId: 'q', questionId: 'q2', correct: [], accepted: ['horse', 'a horse'], counts: { correct: 2, wrong: 1 }, closedAt: 1_000 };
    expect(questionClosed(text)).toMatchObject({ correct: [], accepted: ['horse', 'a horse'], counts: { correct: 2, wrong: 1 } });
  });
});

describe('push options', () => {
  test('defaults', () => {
    const o = loadPushOptions({});
    expect(o).toMatchObject({ corsOrigins: ['*'], heartbeatMs: 15_000, maxConnections: 10_000, viewer: { skipBytes: 65_536, maxBytes: 1_048_576 } });
  });

  test('lists and numbers parse; nonsense is a ConfigError naming the variable', () => {
    expect(loadPushOptions({ PUSH_CORS_ORIGINS: 'https://a.example, https://b.example' }).corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(() => loadPushOptions({ PUSH_HEARTBEAT_MS: '0' })).toThrow(/PUSH_HEARTBEAT_MS/);
    expect(() => loadPushOptions({ PUSH_MAX_CONNECTIONS: 'many' })).toThrow(ConfigError);
    expect(() => loadPushOptions({ PUSH_VIEWER_SKIP_BYTES: '2000', PUSH_VIEWER_MAX_BYTES: '1000' })).toThrow(/PUSH_VIEWER_MAX_BYTES/);
  });
});
