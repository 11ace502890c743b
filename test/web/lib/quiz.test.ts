import { openQuestionOf, remainingMs, type PublicQuiz } from '../../../web/src/lib/quiz';

// The question a player can answer now, and its countdown.

test('the open question of the public view, never an expired or pending one', () => {
  const now = Date.parse('2026-01-01T00:00:10Z');
  const base = { position: 0, points: 1000, timeLimitMs: 20000, openedAt: null, closesAt: null, closedAt: null };
  const quiz: PublicQuiz = {
    id: 'demo',
    title: 'T',
    status: 'open',
    questions: [
      { ...base, id: 'q1', state: 'closed', prompt: 'old', choices: [] },
      { ...base, id: 'q2', state: 'open', prompt: 'expired', choices: [], closesAt: '2026-01-01T00:00:05Z' },
      { ...base, id: 'q3', state: 'open', prompt: 'now', choices: [{ id: 'a', text: 'A' }], closesAt: '2026-01-01T00:00:20Z' },
      { ...base, id: 'q4', state: 'pending' },
    ],
  };
  expect(openQuestionOf(quiz, now)).toMatchObject({ questionId: 'q3', prompt: 'now', closesAt: '2026-01-01T00:00:20Z' });
  expect(openQuestionOf({ ...quiz, questions: [quiz.questions[3]!] }, now)).toBeUndefined();
});

test('the countdown never shows more than the time limit, whatever the clocks say', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  // Server clock ahead of ours by 30 s: closesAt alone would say 50 s; the limit caps it at 20 s.
  expect(remainingMs({ closesAt: '2026-01-01T00:00:50Z', timeLimitMs: 20_000 }, now, now)).toBe(20_000);
  expect(remainingMs({ closesAt: '2026-01-01T00:00:05Z', timeLimitMs: 20_000 }, now, now)).toBe(5_000);
  expect(remainingMs({ closesAt: '2025-12-31T23:59:00Z', timeLimitMs: 20_000 }, now, now)).toBe(0);
  expect(remainingMs({}, now, now)).toBe(0);
});

test('an open text question has no choices; its type and whether several choices are right come along', () => {
  const base = { position: 0, points: 1000, timeLimitMs: 20000, openedAt: null, closesAt: null, closedAt: null, state: 'open' as const };
  const quiz = (question: PublicQuiz['questions'][number]): PublicQuiz => ({ id: 'demo', title: 'T', status: 'open', questions: [question] });
  expect(openQuestionOf(quiz({ ...base, id: 'q1', prompt: 'Spell it', type: 'text' }), 0)).toEqual({
    questionId: 'q1',
    prompt: 'Spell it',
    choices: [],
    type: 'text',
    points: 1000,
    timeLimitMs: 20000,
  });
  expect(openQuestionOf(quiz({ ...base, id: 'q1', prompt: 'Pick', type: 'choice', multiple: true, choices: [{ id: 'a', text: 'A' }] }), 0)).toMatchObject({
    type: 'choice',
    multiple: true,
  });
  // Any other type without its choices is not shown (an older view before the open).
  expect(openQuestionOf(quiz({ ...base, id: 'q1', prompt: 'Pick', type: 'choice' }), 0)).toBeUndefined();
});
