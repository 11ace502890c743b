import { parseAnswerResult, parsePlayerStanding, parseQuestionOpened, parseReveal, parseSnapshot, parseStandingsPage } from '../../../web/src/lib/messages';

// What push sends, checked field by field before a page shows it.

test('a snapshot is accepted only in the v1 shape', () => {
  const good = { quizId: 'demo', seq: 3, players: 2, answers: 1, openQuestions: [{ questionId: 'q2', answered: 1 }], entries: [{ rank: 1, playerId: 'p1', displayName: 'Ann', score: 950 }] };
  expect(parseSnapshot(good)).toEqual(good);
  expect(parseSnapshot({ ...good, extra: 'fields may be added' })).toEqual(good);
  const { openQuestions: _none, ...older } = good;
  expect(parseSnapshot(older)).toEqual({ ...good, openQuestions: [] });
  expect(parseSnapshot({ ...good, seq: '3' })).toBeUndefined();
  expect(parseSnapshot({ ...good, entries: [{ rank: 1, playerId: 'p1', score: 1 }] })).toBeUndefined();
  expect(parseSnapshot(null)).toBeUndefined();
  expect(parseSnapshot([good])).toBeUndefined();
});

test('personal events are parsed field by field', () => {
  expect(parseAnswerResult({ answerId: 'x', questionId: 'q1', correct: true, points: 900, total: 900, rank: 1, late: false })).toEqual({
    answerId: 'x',
    questionId: 'q1',
    correct: true,
    points: 900,
    total: 900,
    rank: 1,
    late: false,
    bonus: 0,
  });
  expect(parseAnswerResult({ answerId: 'x', questionId: 'q1', correct: true, points: 1100, total: 2000, rank: 1, late: false, bonus: 100 })).toMatchObject({ points: 1100, bonus: 100 });
  expect(parseAnswerResult({ answerId: 'x', questionId: 'q1', correct: 'yes', points: 1, total: 1, rank: 1 })).toBeUndefined();
  const opened = { questionId: 'q1', prompt: 'P?', choices: [{ id: 'a', text: 'A' }], points: 1000, timeLimitMs: 20000, openedAt: 't0', closesAt: 't1' };
  expect(parseQuestionOpened(opened)).toEqual(opened);
  expect(parseQuestionOpened({ ...opened, choices: [{ id: 'a' }] })).toBeUndefined();
  expect(parseQuestionOpened({ ...opened, type: 'choice', multiple: true })).toEqual({ ...opened, type: 'choice', multiple: true });
  const { choices: _none, ...textOpened } = opened;
  expect(parseQuestionOpened({ ...textOpened, type: 'text', multiple: false })).toEqual({ ...textOpened, choices: [], type: 'text', multiple: false });
  expect(parseQuestionOpened({ ...textOpened, type: 'choice' })).toBeUndefined();
  expect(parseQuestionOpened({ ...opened, type: 'essay' })).toBeUndefined();
  expect(parseReveal({ questionId: 'q1', correct: ['b'], counts: { a: 1, b: 2, c: 'x' } })).toEqual({ questionId: 'q1', correct: ['b'], accepted: [], counts: { a: 1, b: 2 } });
  expect(parseReveal({ questionId: 'q1', correct: [], accepted: ['café', 'cafe'], counts: { correct: 2, wrong: 1 } })).toEqual({
    questionId: 'q1',
    correct: [],
    accepted: ['café', 'cafe'],
    counts: { correct: 2, wrong: 1 },
  });
  expect(parseReveal({ questionId: 'q1', counts: {} })).toBeUndefined();
});

test('a standings page and a player standing (with or without around) are accepted only in their v1 shape', () => {
  const entry = { rank: 101, playerId: 'p1', displayName: 'Ann', score: 950 };
  const page = { quizId: 'demo', players: 300, offset: 100, entries: [entry] };
  expect(parseStandingsPage(page)).toEqual(page);
  expect(parseStandingsPage({ ...page, offset: '100' })).toBeUndefined();
  expect(parseStandingsPage({ ...page, entries: [{ ...entry, score: null }] })).toBeUndefined();
  const standing = { playerId: 'p1', displayName: 'Ann', score: 950, rank: 101 };
  expect(parsePlayerStanding(standing)).toEqual(standing);
  expect(parsePlayerStanding({ ...standing, around: [entry] })).toEqual({ ...standing, around: [entry] });
  expect(parsePlayerStanding({ ...standing, around: 'nope' })).toBeUndefined();
  expect(parsePlayerStanding({ ...standing, rank: undefined })).toBeUndefined();
});
