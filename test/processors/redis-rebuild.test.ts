import { replayStreaks } from '../../processors/redis-rebuild';

// What a rebuild from Postgres writes for streaks must be what the answer script left: each
// player's answers in the order their questions opened, whatever order the rows come in.

const questions = [
  { id: 'q3', opened_ms: '3000' },
  { id: 'q1', opened_ms: '1000' },
  { id: 'q2', opened_ms: '2000' },
  { id: 'q4', opened_ms: null },
];
const row = (question_id: string, player_id: string, correct: boolean, late = false) => ({ question_id, player_id, correct, late });

test('counts correct in-time answers in question order; a wrong, late or missing one starts over', () => {
  const streaks = replayStreaks(questions, [
    row('q3', 'ann', true),
    row('q1', 'ann', true),
    row('q2', 'ann', true),
    row('q1', 'bob', true),
    row('q2', 'bob', false),
    row('q3', 'bob', true),
    row('q1', 'cyd', true),
    row('q3', 'cyd', true), // missed q2
    row('q1', 'dan', true),
    row('q2', 'dan', true, true), // late
  ]);
  expect(Object.fromEntries(streaks)).toEqual({
    ann: { count: 3, version: 3000 },
    bob: { count: 1, version: 3000 },
    cyd: { count: 1, version: 3000 },
    dan: { count: 0, version: 2000 },
  });
});

test('players without answers have no streak to write', () => {
  expect(replayStreaks(questions, []).size).toBe(0);
});
