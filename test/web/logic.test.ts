import {
  answeredLine,
  isNewer,
  lockedInText,
  openQuestionOf,
  ordinal,
  parseAnswerResult,
  parseQuestionOpened,
  parseReveal,
  parseSnapshot,
  quizFromForm,
  randomAnswerId,
  randomPlayerId,
  remainingMs,
  topN,
  type PublicQuiz,
  type Snapshot,
} from '../../web/src/lib/logic';

// The pages' pure logic: parsing the wire shapes, ordering, countdown and the host form.

const snapshot = (seq: number, entries: Snapshot['entries'] = []): Snapshot => ({ quizId: 'q', seq, players: entries.length, answers: 0, openQuestions: [], entries });

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

test('the big screen says how many answered the question opened last, only while one is open', () => {
  expect(answeredLine({ ...snapshot(1), players: 12, openQuestions: [{ questionId: 'q1', answered: 9 }, { questionId: 'q2', answered: 3 }] })).toBe('3 of 12 answered');
  expect(answeredLine(snapshot(1))).toBeUndefined();
});

test('a locked-in answer promises its result at the close, unless the quiz scores live', () => {
  expect(lockedInText('Bravo', 'onClose')).toBe('Answer locked in: “Bravo”. You\'ll see whether it was right when the question closes.');
  expect(lockedInText('Bravo', undefined)).toBe(lockedInText('Bravo', 'onClose'));
  expect(lockedInText('Bravo', 'live')).toBe('Locked in: “Bravo”. Waiting for the result…');
});

test('only a newer snapshot replaces the one shown', () => {
  expect(isNewer(snapshot(1), undefined)).toBe(true);
  expect(isNewer(snapshot(5), snapshot(4))).toBe(true);
  expect(isNewer(snapshot(4), snapshot(4))).toBe(false);
  expect(isNewer(snapshot(3), snapshot(4))).toBe(false);
});

test('topN orders by rank and cuts at the limit', () => {
  const s = snapshot(1, [
    { rank: 2, playerId: 'b', displayName: 'B', score: 5 },
    { rank: 1, playerId: 'a', displayName: 'A', score: 9 },
    { rank: 3, playerId: 'c', displayName: 'C', score: 0 },
  ]);
  expect(topN(s, 2).map((e) => e.playerId)).toEqual(['a', 'b']);
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
  });
  expect(parseAnswerResult({ answerId: 'x', questionId: 'q1', correct: 'yes', points: 1, total: 1, rank: 1 })).toBeUndefined();
  const opened = { questionId: 'q1', prompt: 'P?', choices: [{ id: 'a', text: 'A' }], points: 1000, timeLimitMs: 20000, openedAt: 't0', closesAt: 't1' };
  expect(parseQuestionOpened(opened)).toEqual(opened);
  expect(parseQuestionOpened({ ...opened, choices: [{ id: 'a' }] })).toBeUndefined();
  expect(parseReveal({ questionId: 'q1', correct: ['b'], counts: { a: 1, b: 2, c: 'x' } })).toEqual({ questionId: 'q1', correct: ['b'], counts: { a: 1, b: 2 } });
  expect(parseReveal({ questionId: 'q1', counts: {} })).toBeUndefined();
});

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

test('generated ids are valid ingest ids', () => {
  const rnd = (b: Uint8Array) => b.map((_, i) => i * 37);
  expect(randomPlayerId(rnd)).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  expect(randomAnswerId(rnd)).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
});

test('ordinals', () => {
  expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111].map(ordinal)).toEqual(['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '101st', '111th']);
});

test('the host form becomes a v1 create-quiz body, with clear messages for what is missing', () => {
  expect(quizFromForm(' Capitals ', '', [{ prompt: 'Capital of France?', choices: ['Paris', '', 'Lyon', ''], correctIndex: 0, timeLimitSeconds: 15 }])).toEqual({
    title: 'Capitals',
    scoreVisibility: 'onClose',
    questions: [
      {
        id: 'q1',
        prompt: 'Capital of France?',
        choices: [
          { id: 'a', text: 'Paris' },
          { id: 'c', text: 'Lyon' },
        ],
        correct: ['a'],
        timeLimitMs: 15_000,
      },
    ],
  });
  expect(quizFromForm('T', 'my-quiz', [{ prompt: 'P', choices: ['x', 'y'], correctIndex: 1, timeLimitSeconds: 20 }])).toMatchObject({ id: 'my-quiz' });
  expect(quizFromForm('T', '', [{ prompt: 'P', choices: ['x', 'y'], correctIndex: 1, timeLimitSeconds: 20 }], 'live')).toMatchObject({ scoreVisibility: 'live' });
  expect(() => quizFromForm('', '', [])).toThrow('title');
  expect(() => quizFromForm('T', '', [])).toThrow('at least one question');
  expect(() => quizFromForm('T', '', [{ prompt: 'P', choices: ['x', ''], correctIndex: 0, timeLimitSeconds: 20 }])).toThrow('two choices');
  expect(() => quizFromForm('T', '', [{ prompt: 'P', choices: ['x', 'y', ''], correctIndex: 2, timeLimitSeconds: 20 }])).toThrow('correct choice is empty');
});
