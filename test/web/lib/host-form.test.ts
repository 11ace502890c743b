import { quizFromForm } from '../../../web/src/lib/host-form';

// The host form, checked before it becomes a create-quiz body.

test('the host form becomes a v1 create-quiz body, with clear messages for what is missing', () => {
  expect(quizFromForm(' Capitals ', '', [{ prompt: 'Capital of France?', choices: ['Paris', '', 'Lyon', ''], correctIndex: 0, timeLimitSeconds: 15 }])).toEqual({
    title: 'Capitals',
    scoreVisibility: 'onClose',
    closeWhenAllAnswered: false,
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
  expect(quizFromForm('T', '', [{ prompt: 'P', choices: ['x', 'y'], correctIndex: 1, timeLimitSeconds: 20 }], 'onClose', true)).toMatchObject({ closeWhenAllAnswered: true });
  expect(() => quizFromForm('', '', [])).toThrow('title');
  expect(() => quizFromForm('T', '', [])).toThrow('at least one question');
  expect(() => quizFromForm('T', '', [{ prompt: 'P', choices: ['x', ''], correctIndex: 0, timeLimitSeconds: 20 }])).toThrow('two choices');
  expect(() => quizFromForm('T', '', [{ prompt: 'P', choices: ['x', 'y', ''], correctIndex: 2, timeLimitSeconds: 20 }])).toThrow('correct choice is empty');
});
