import type { SnapshotWire } from '../../../common/messages/wire';
import { acceptedText, isNewer, lockedInText, ordinal, resultText, rightWrongText, topN } from '../../../web/src/lib/display';

// What the pages say and the order they show it in.

const snapshot = (seq: number, entries: SnapshotWire['entries'] = []): SnapshotWire => ({ quizId: 'q', seq, players: entries.length, answers: 0, openQuestions: [], entries });

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

test('ordinals', () => {
  expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111].map(ordinal)).toEqual(['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '101st', '111th']);
});

test('a result names its points and, when there is one, the streak bonus', () => {
  const r = { correct: true, points: 950, bonus: 0, late: false, total: 950, rank: 1 };
  expect(resultText(r)).toBe('Correct! +950 points. Total 950, 1st place.');
  expect(resultText({ ...r, points: 1050, bonus: 100, total: 2000 })).toBe('Correct! +1050 points (with a +100 streak bonus). Total 2000, 1st place.');
  expect(resultText({ ...r, correct: false, points: 0, rank: 3 })).toBe('Wrong: no points. Total 950, 3rd place.');
  expect(resultText({ ...r, correct: false, points: 0, late: true })).toBe('Too late: no points. Total 950, 1st place.');
  expect(resultText({ ...r, correct: false, points: 500, rank: 2 })).toBe('Partly right: +500 points. Total 950, 2nd place.');
});

test("a text question's reveal: the accepted spellings and how many got it right", () => {
  expect(acceptedText(['café', 'cafe'])).toBe('Accepted: “café”, “cafe”');
  expect(acceptedText([])).toBe('');
  expect(rightWrongText({ correct: 2, wrong: 1 })).toBe('2 right · 1 wrong');
  expect(rightWrongText({})).toBe('0 right · 0 wrong');
});
