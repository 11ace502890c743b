import { redisKeys } from '../../common/redis';

// On a Redis Cluster a script, MULTI or pipeline may only touch keys of one slot. Every key of a
// quiz carries the quiz id as its hash tag (the first {...}), so all of them share the quiz's slot
// and every multi-key call, which only ever combines keys of one quiz, stays legal.

/** The part of a key Redis Cluster hashes: the first non-empty {...}, else the whole key. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = open >= 0 ? key.indexOf('}', open + 1) : -1;
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
}

test('every per-quiz key hashes on the quiz id, whatever the other arguments', () => {
  const perQuiz = Object.entries(redisKeys).filter(([name]) => name !== 'pendingSnapshots' && name !== 'groupMember');
  expect(perQuiz.length).toBeGreaterThan(10);
  for (const [name, key] of perQuiz) {
    const k = (key as (q: string, other: string) => string)('q1', 'question-7');
    expect({ name, tag: hashTag(k) }).toEqual({ name, tag: 'q1' });
  }
});

test('the keys without a quiz are only ever used alone (single-key commands)', () => {
  expect(hashTag(redisKeys.pendingSnapshots('t.quiz.events', 3))).toBe('qs:pending-snapshots:t.quiz.events:3');
  expect(hashTag(redisKeys.groupMember('processors', 'processor-0'))).toBe('qs:group-member:processors:processor-0');
});
