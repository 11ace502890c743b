import type { SnapshotWire } from '../../../common/messages/wire';
import { isNewer, lockedInText, ordinal, topN } from '../../../web/src/lib/display';

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
