import { answerBody, answerLabel, answerModeOf, choicesOf, rightByReveal, TEXT_ANSWER_MAX, TRUE_FALSE_CHOICES } from '../../../web/src/lib/answer';

// What the play page offers for each question type and what it sends.

const choices = [
  { id: 'a', text: 'Alpha' },
  { id: 'b', text: 'Bravo' },
  { id: 'c', text: 'Charlie' },
];

test('each question type gets its own way to answer', () => {
  expect(answerModeOf({})).toBe('single');
  expect(answerModeOf({ type: 'choice' })).toBe('single');
  expect(answerModeOf({ type: 'choice', multiple: true })).toBe('multiple');
  expect(answerModeOf({ type: 'truefalse' })).toBe('truefalse');
  expect(answerModeOf({ type: 'text', multiple: false })).toBe('text');
  expect(choicesOf({ type: 'truefalse', choices: [] })).toEqual(TRUE_FALSE_CHOICES);
  expect(choicesOf({ type: 'truefalse', choices: [{ id: 'true', text: 'Vrai' }, { id: 'false', text: 'Faux' }] })).toEqual([
    { id: 'true', text: 'Vrai' },
    { id: 'false', text: 'Faux' },
  ]);
  expect(choicesOf({ type: 'choice', choices })).toBe(choices);
});

test('one pick is sent as choiceId, several as choiceIds, a typed answer as text', () => {
  expect(answerBody('q1', 'a-1', { choiceIds: ['b'] })).toEqual({ questionId: 'q1', answerId: 'a-1', choiceId: 'b' });
  expect(answerBody('q1', 'a-1', { choiceIds: ['a', 'c', 'a'] })).toEqual({ questionId: 'q1', answerId: 'a-1', choiceIds: ['a', 'c'] });
  expect(answerBody('q1', 'a-1', { text: '  Café ' })).toEqual({ questionId: 'q1', answerId: 'a-1', text: 'Café' });
  expect(answerBody('q1', 'a-1', { text: 'x'.repeat(TEXT_ANSWER_MAX) })).toMatchObject({ text: 'x'.repeat(200) });
  expect(() => answerBody('q1', 'a-1', { choiceIds: [] })).toThrow('Pick at least one answer.');
  expect(() => answerBody('q1', 'a-1', { text: '   ' })).toThrow('Type an answer first.');
  expect(() => answerBody('q1', 'a-1', { text: 'x'.repeat(201) })).toThrow('under 201 characters');
});

test('the answer in words, for "locked in"', () => {
  expect(answerLabel({ choiceIds: ['b'] }, choices)).toBe('Bravo');
  expect(answerLabel({ choiceIds: ['a', 'c'] }, choices)).toBe('Alpha + Charlie');
  expect(answerLabel({ choiceIds: ['z'] }, choices)).toBe('z');
  expect(answerLabel({ text: ' café ' }, [])).toBe('café');
});

test('the reveal tells right from wrong picks only when it can', () => {
  expect(rightByReveal({ choiceIds: ['b'] }, { correct: ['b'] }, false)).toBe(true);
  expect(rightByReveal({ choiceIds: ['a'] }, { correct: ['b'] }, false)).toBe(false);
  expect(rightByReveal({ choiceIds: ['c', 'a'] }, { correct: ['a', 'c'] }, false)).toBe(true);
  expect(rightByReveal({ choiceIds: ['a'] }, { correct: ['a', 'c'] }, false)).toBe(false);
  // With partial points, one of two right picks earns something: the points will say.
  expect(rightByReveal({ choiceIds: ['a'] }, { correct: ['a', 'c'] }, true)).toBeUndefined();
  expect(rightByReveal({ choiceIds: ['b'] }, { correct: ['b'] }, true)).toBe(true);
  expect(rightByReveal({ text: 'cafe' }, { correct: [] }, false)).toBeUndefined();
});
