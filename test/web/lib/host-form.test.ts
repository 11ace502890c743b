import { answerSchema, createQuizSchema } from '../../../ingest/validation';
import { answerBody } from '../../../web/src/lib/answer';
import { acceptedSpellings, quizFromForm, SAMPLE_QUIZ, type FormQuestion } from '../../../web/src/lib/host-form';

// The host form, checked before it becomes a create-quiz body.

const choiceQuestion = (over: Partial<FormQuestion> = {}): FormQuestion => ({ prompt: 'P', choices: ['x', 'y'], correct: [1], timeLimitSeconds: 20, ...over });

test('the host form becomes a v1 create-quiz body, with clear messages for what is missing', () => {
  expect(quizFromForm(' Capitals ', '', [{ prompt: 'Capital of France?', choices: ['Paris', '', 'Lyon', ''], correct: [0], timeLimitSeconds: 15 }])).toEqual({
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
  expect(quizFromForm('T', 'my-quiz', [choiceQuestion()])).toMatchObject({ id: 'my-quiz' });
  expect(quizFromForm('T', '', [choiceQuestion()], { scoreVisibility: 'live' })).toMatchObject({ scoreVisibility: 'live' });
  expect(quizFromForm('T', '', [choiceQuestion()], { closeWhenAllAnswered: true })).toMatchObject({ closeWhenAllAnswered: true });
  expect(() => quizFromForm('', '', [])).toThrow('title');
  expect(() => quizFromForm('T', '', [])).toThrow('at least one question');
  expect(() => quizFromForm('T', '', [choiceQuestion({ prompt: ' ' })])).toThrow('Question 1 has no prompt.');
  expect(() => quizFromForm('T', '', [choiceQuestion({ choices: ['x', ''], correct: [0] })])).toThrow('two choices');
  expect(() => quizFromForm('T', '', [choiceQuestion({ choices: ['x', 'y', ''], correct: [2] })])).toThrow('correct choice is empty');
  expect(() => quizFromForm('T', '', [choiceQuestion({ correct: [] })])).toThrow('Question 1: mark the correct choice.');
});

test('the scoring options go into the body only when they differ from the defaults', () => {
  const plain = quizFromForm('T', '', [choiceQuestion()], { scoring: 'speed', streak: false, partial: false });
  expect(plain).not.toHaveProperty('scoring');
  expect(plain).not.toHaveProperty('streak');
  expect(plain).not.toHaveProperty('partial');
  expect(quizFromForm('T', '', [choiceQuestion()], { scoring: 'flat', streak: true, partial: true })).toMatchObject({ scoring: 'flat', streak: true, partial: true });
});

test('each question type becomes its own body: several correct choices, true/false, a typed answer', () => {
  const body = quizFromForm('Vocabulary', '', [
    { prompt: 'Which are fruits?', choices: ['apple', 'chair', 'pear', ''], correct: [2, 0, 2], timeLimitSeconds: 30 },
    { type: 'truefalse', prompt: '“Big” means large.', choices: ['ignored', 'too'], correct: [], answerIsTrue: true, timeLimitSeconds: 10 },
    { type: 'truefalse', prompt: '“Tiny” means large.', choices: [], correct: [], answerIsTrue: false, timeLimitSeconds: 10 },
    { type: 'text', prompt: 'Coffee shop, in French?', choices: [], correct: [], accepted: ' café \n\ncafé\r\nun café\n', ignoreAccents: true, timeLimitSeconds: 40 },
    { type: 'text', prompt: 'Colour of the sky?', choices: [], correct: [], accepted: 'blue', ignoreAccents: false, timeLimitSeconds: 40 },
  ]) as { questions: unknown[] };
  expect(body.questions).toEqual([
    {
      id: 'q1',
      prompt: 'Which are fruits?',
      choices: [
        { id: 'a', text: 'apple' },
        { id: 'b', text: 'chair' },
        { id: 'c', text: 'pear' },
      ],
      correct: ['a', 'c'],
      timeLimitMs: 30_000,
    },
    { id: 'q2', prompt: '“Big” means large.', type: 'truefalse', correct: ['true'], timeLimitMs: 10_000 },
    { id: 'q3', prompt: '“Tiny” means large.', type: 'truefalse', correct: ['false'], timeLimitMs: 10_000 },
    { id: 'q4', prompt: 'Coffee shop, in French?', type: 'text', accepted: ['café', 'un café'], ignoreAccents: true, timeLimitMs: 40_000 },
    { id: 'q5', prompt: 'Colour of the sky?', type: 'text', accepted: ['blue'], timeLimitMs: 40_000 },
  ]);
  const text = (accepted: string): FormQuestion => ({ type: 'text', prompt: 'P', choices: [], correct: [], accepted, timeLimitSeconds: 20 });
  expect(() => quizFromForm('T', '', [text(' \n ')])).toThrow('Question 1: give at least one accepted answer.');
  expect(() => quizFromForm('T', '', [text('x'.repeat(201))])).toThrow('longer than 200 characters');
  expect(() => quizFromForm('T', '', [{ type: 'truefalse', prompt: 'P', choices: [], correct: [], timeLimitSeconds: 20 }])).toThrow('true or false');
});

test('accepted spellings: one per line, trimmed, without blanks or repeats', () => {
  expect(acceptedSpellings('colour\n color \n\ncolour\r\nkleur')).toEqual(['colour', 'color', 'kleur']);
  expect(acceptedSpellings('')).toEqual([]);
});

test("what the form and the JSON sample make is what ingest's own schema accepts, and so are the play page's answer bodies", () => {
  const body = quizFromForm(
    'Every type',
    'every-type',
    [
      { prompt: 'One', choices: ['x', 'y'], correct: [0], timeLimitSeconds: 20 },
      { prompt: 'Several', choices: ['x', 'y', 'z'], correct: [0, 2], timeLimitSeconds: 20 },
      { type: 'truefalse', prompt: 'TF', choices: [], correct: [], answerIsTrue: false, timeLimitSeconds: 20 },
      { type: 'text', prompt: 'Typed', choices: [], correct: [], accepted: 'café\ncafe', ignoreAccents: true, timeLimitSeconds: 20 },
    ],
    { scoring: 'flat', streak: true, partial: true },
  );
  expect(createQuizSchema.safeParse(body).error).toBeUndefined();
  expect(createQuizSchema.safeParse(SAMPLE_QUIZ).error).toBeUndefined();
  for (const input of [{ choiceIds: ['a'] }, { choiceIds: ['a', 'c'] }, { text: ' café ' }]) {
    expect(answerSchema.safeParse(answerBody('q1', 'a-0123456789', input)).error).toBeUndefined();
  }
});
