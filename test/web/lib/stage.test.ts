import type { SnapshotWire } from '../../../common/messages/wire';
import type { PublicQuestion, PublicQuiz } from '../../../web/src/lib/quiz';
import { answeredOf, answerHintOf, podiumOf, revealRowsOf, shares, stageOf } from '../../../web/src/lib/stage';

// Which screen the big screen shows, and what it says on it.

const question = (id: string, position: number, state: PublicQuestion['state'], closedAt: string | null = null): PublicQuestion => ({
  id,
  position,
  state,
  points: 1000,
  timeLimitMs: 20_000,
  openedAt: state === 'pending' ? null : '2026-12-01T10:00:00.000Z',
  closesAt: state === 'pending' ? null : '2026-12-01T10:00:20.000Z',
  closedAt,
});
const quiz = (status: PublicQuiz['status'], questions: PublicQuestion[]): PublicQuiz => ({ id: 'z', title: 'Z', status, questions });

test('lobby until a question opens, the open question, the reveal of the last closed one between questions, the podium at the end', () => {
  expect(stageOf(quiz('open', [question('q1', 0, 'pending'), question('q2', 1, 'pending')]))).toEqual({ kind: 'lobby' });
  const open = question('q1', 0, 'open');
  expect(stageOf(quiz('open', [open, question('q2', 1, 'pending')]))).toEqual({ kind: 'question', question: open });
  const q1 = question('q1', 0, 'closed', '2026-12-01T10:00:12.000Z');
  const q2 = question('q2', 1, 'closed', '2026-12-01T10:01:05.000Z');
  expect(stageOf(quiz('open', [q1, q2, question('q3', 2, 'pending')]))).toEqual({ kind: 'reveal', question: q2 });
  // Its time ran out but nobody closed it yet: no reveal to show for it yet.
  expect(stageOf(quiz('open', [q1, question('q2', 1, 'closed'), question('q3', 2, 'pending')]))).toEqual({ kind: 'reveal', question: q1 });
  expect(stageOf(quiz('closed', [q1, q2]))).toEqual({ kind: 'podium' });
});

const snapshot = (players: number, openQuestions: SnapshotWire['openQuestions'], entries: SnapshotWire['entries'] = []): SnapshotWire => ({
  quizId: 'z',
  seq: 1,
  players,
  answers: 0,
  openQuestions,
  entries,
});

test('the answered count is per open question, never more than the players on the board', () => {
  const s = snapshot(12, [{ questionId: 'q1', answered: 9 }]);
  expect(answeredOf(s, 'q1')).toBe('9 of 12 answered');
  expect(answeredOf(s, 'q2')).toBeUndefined();
  expect(answeredOf(undefined, 'q1')).toBeUndefined();
  // A player who answered and was then kicked still counts as an answer, not as a player.
  expect(answeredOf(snapshot(2, [{ questionId: 'q1', answered: 3 }]), 'q1')).toBe('2 of 2 answered');
});

test('the podium is the top three by rank', () => {
  const entry = (rank: number, playerId: string) => ({ rank, playerId, displayName: playerId, score: 100 - rank });
  expect(podiumOf(snapshot(4, [], [entry(2, 'b'), entry(1, 'a'), entry(4, 'd'), entry(3, 'c')])).map((e) => e.playerId)).toEqual(['a', 'b', 'c']);
  expect(podiumOf(snapshot(1, [], [entry(1, 'a')])).map((e) => e.playerId)).toEqual(['a']);
  expect(podiumOf(undefined)).toEqual([]);
});

test('shares of the answers per choice, in whole percent', () => {
  expect(shares({ a: 1, b: 3 }, ['a', 'b', 'c'])).toEqual({ a: 25, b: 75, c: 0 });
  expect(shares({}, ['a', 'b'])).toEqual({ a: 0, b: 0 });
});

test('the big screen tells the room how to answer each type', () => {
  expect(answerHintOf({})).toBe('');
  expect(answerHintOf({ type: 'choice', multiple: false })).toBe('');
  expect(answerHintOf({ type: 'choice', multiple: true })).toBe('More than one answer is right: pick them all');
  expect(answerHintOf({ type: 'truefalse' })).toBe('True or false?');
  expect(answerHintOf({ type: 'text' })).toBe('Type your answer on your phone');
});

test('the reveal lists every choice with its count and share, every correct one marked; a typed answer shows right against wrong', () => {
  const choices = [
    { id: 'a', text: 'A' },
    { id: 'b', text: 'B' },
    { id: 'c', text: 'C' },
  ];
  expect(revealRowsOf({ type: 'choice', choices }, { correct: ['a', 'c'], counts: { a: 2, b: 1, c: 1 } })).toEqual([
    { id: 'a', text: 'A', right: true, count: 2, share: 50 },
    { id: 'b', text: 'B', right: false, count: 1, share: 25 },
    { id: 'c', text: 'C', right: true, count: 1, share: 25 },
  ]);
  expect(revealRowsOf({ type: 'text' }, { correct: [], counts: { correct: 3, wrong: 1 } })).toEqual([
    { id: 'correct', text: 'Right', right: true, count: 3, share: 75 },
    { id: 'wrong', text: 'Wrong', right: false, count: 1, share: 25 },
  ]);
  expect(revealRowsOf({ type: 'text' }, { correct: [], counts: {} }).map((r) => r.count)).toEqual([0, 0]);
});
