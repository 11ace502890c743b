import { QuestionKeySets } from '../../common/question-key-sets';

const keysOf = (quizId: string, questionId: string) => [`${quizId}:a:${questionId}`, `${quizId}:b`];

test('each question gets its set once, numbered from 1 in order of first use', () => {
  const sets = new QuestionKeySets(keysOf);
  expect([sets.numberOf('q', '1'), sets.numberOf('q', '2'), sets.numberOf('q', '1'), sets.numberOf('r', '1'), sets.numberOf('q', '2')]).toEqual([1, 2, 1, 3, 2]);
  expect(sets.keys).toEqual(['q:a:1', 'q:b', 'q:a:2', 'q:b', 'r:a:1', 'r:b']);
});

test('a quiz and a question whose ids run together are still two questions', () => {
  const sets = new QuestionKeySets(keysOf);
  expect([sets.numberOf('ab', 'c'), sets.numberOf('a', 'bc')]).toEqual([1, 2]);
});
