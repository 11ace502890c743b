import fc from 'fast-check';
import { ValidationError } from '../../common/errors';
import { idSchema } from '../../common/ids';
import { ProfanityCheck, nameKey, nameSuggestions } from '../../ingest/display-names';
import {
  answerSchema,
  createQuizSchema,
  devTokenSchema,
  displayNameSchema,
  joinSchema,
  parse,
  parseAnswerBody,
  parseBody,
  parseId,
  pinSchema,
} from '../../ingest/validation';
import { randomPin } from '../../ingest/quiz-store';

const quiz = () => ({
  id: 'demo-1',
  title: 'Capitals',
  questions: [
    { id: 'q1', prompt: 'Capital of France?', choices: [{ id: 'a', text: 'Paris' }, { id: 'b', text: 'Lyon' }], correct: ['a'] },
    {
      id: 'q2',
      prompt: 'Capital of Italy?',
      choices: [{ id: 'a', text: 'Rome' }, { id: 'b', text: 'Milan' }, { id: 'c', text: 'Turin' }],
      correct: ['a'],
      points: 500,
      timeLimitMs: 10_000,
    },
  ],
});

function issuesOf(input: unknown): string[] {
  const r = createQuizSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('ids', () => {
  test.each(['a', 'q1', 'demo-1', 'A_b-9', 'x'.repeat(64)])('accepts %s', (id) => {
    expect(idSchema.safeParse(id).success).toBe(true);
  });

  test.each(['', 'x'.repeat(65), 'a b', 'a/b', 'a.b', 'ä', '../etc', 'a\n', '{q}', 'q:1'])('rejects %j', (id) => {
    expect(idSchema.safeParse(id).success).toBe(false);
  });

  test('non-strings are rejected, and parseId reports a 400 naming the parameter', () => {
    for (const v of [1, null, undefined, ['a'], { a: 1 }]) expect(idSchema.safeParse(v).success).toBe(false);
    expect(() => parseId('a b', 'quizId')).toThrow(ValidationError);
    expect(() => parseId('a b', 'quizId')).toThrow('invalid quizId');
  });

  test('__proto__ is refused: as a key of a decoded Avro map (the reveal counts) it would vanish', () => {
    expect(idSchema.safeParse('__proto__').success).toBe(false);
    expect(idSchema.safeParse('__proto__x').success).toBe(true);
    expect(idSchema.safeParse('constructor').success).toBe(true); // an own property like any other
    const counts: Record<string, number> = {};
    counts['__proto__'] = 3; // what avsc does when it decodes a map
    expect(Object.keys(counts)).toEqual([]);
  });

  test('property: accepted ids are exactly the 1-64 character strings of the safe alphabet, __proto__ aside', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.constant('__proto__')), (s) => {
        expect(idSchema.safeParse(s).success).toBe(/^[A-Za-z0-9_-]{1,64}$/.test(s) && s !== '__proto__');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('display names', () => {
  test('are trimmed and may hold any printable text, emoji with joiners included', () => {
    expect(displayNameSchema.parse('  Ann  ')).toBe('Ann');
    expect(displayNameSchema.parse('Zoë 🎉')).toBe('Zoë 🎉');
    expect(displayNameSchema.parse('👨‍👩‍👧 family')).toBe('👨‍👩‍👧 family');
    expect(displayNameSchema.parse('❤️ you')).toBe('❤️ you'); // the variation selector stays
    expect(displayNameSchema.parse('x'.repeat(24))).toHaveLength(24);
    expect(displayNameSchema.parse('😀'.repeat(24))).toHaveLength(48); // 24 characters, 48 UTF-16 units
  });

  test('are NFC-normalized; format and other invisible characters go; a run of spaces is one space', () => {
    expect(displayNameSchema.parse('Zoe\u0308')).toBe('Zo\u00EB');
    expect(displayNameSchema.parse('Al\u200Bi\u00ADce\u2060')).toBe('Alice');
    expect(displayNameSchema.parse('Ann\u202Egnp.exe')).toBe('Anngnp.exe'); // a bidi override can no longer reverse it
    expect(displayNameSchema.parse('Alice\u3164\u2800')).toBe('Alice');
    expect(displayNameSchema.parse('a\u200Db')).toBe('ab'); // a joiner between letters joins nothing
    expect(displayNameSchema.parse('Ann \u00A0\u3000 Bob')).toBe('Ann Bob');
    expect(displayNameSchema.parse('\u200B' + 'x'.repeat(24) + '\u200B')).toHaveLength(24);
  });

  test.each([
    ['empty', ''],
    ['blank', '   '],
    ['too long', 'x'.repeat(25)],
    ['zero-width spaces only', '\u200B\u200B'],
    ['Hangul fillers only', '\u3164\u3164'],
    ['Braille blanks only', '\u2800'],
    ['combining marks only', '\u0301\u0302'],
    ['newline', 'Ann\nBob'],
    ['escape', 'Ann\u001b[31m'],
    ['NUL', 'Ann\u0000'],
    ['C1 control', 'Ann\u0085'],
    ['lone surrogate', 'Ann\uD800'],
  ])('rejects %s', (_what, name) => {
    expect(displayNameSchema.safeParse(name).success).toBe(false);
  });

  test('compare by a key in compatibility form and lower case; suggestions fit the limit', () => {
    expect(nameKey('ALICE')).toBe('alice');
    expect(nameKey('Ａｌｉｃｅ')).toBe('alice');
    expect(nameSuggestions('Alice', 3)).toEqual(['Alice 2', 'Alice 3', 'Alice 4']);
    const long = nameSuggestions('y'.repeat(24), 9);
    expect(long[0]).toBe(`${'y'.repeat(22)} 2`);
    expect(long[8]).toBe(`${'y'.repeat(21)} 10`);
    for (const s of long) expect([...s].length).toBeLessThanOrEqual(24);
  });

  test('profanity: plain, disguised and spaced out; words that only contain the letters pass', () => {
    const check = new ProfanityCheck();
    for (const name of ['fuck', 'FUCK you', 'sh1t', 'Fuuuuck']) expect({ name, profane: check.isProfane(name) }).toEqual({ name, profane: true });
    for (const name of ['Scunthorpe', 'Cassandra', 'Assassin', 'Ann']) expect({ name, profane: check.isProfane(name) }).toEqual({ name, profane: false });
  });
});

describe('quiz definitions', () => {
  test('a valid quiz parses with defaults for points and time limit', () => {
    const parsed = createQuizSchema.parse(quiz());
    expect(parsed.questions[0]).toMatchObject({ points: 1000, timeLimitMs: 20_000 });
    expect(parsed.questions[1]).toMatchObject({ points: 500, timeLimitMs: 10_000 });
  });

  test('the id is optional', () => {
    const { id: _id, ...rest } = quiz();
    expect(createQuizSchema.safeParse(rest).success).toBe(true);
  });

  test('correct must name existing choices, once each', () => {
    const q = quiz();
    q.questions[0]!.correct = ['z'];
    expect(issuesOf(q)).toEqual(['questions.0.correct.0: "z" is not one of the choices']);
    q.questions[0]!.correct = ['a', 'a'];
    expect(issuesOf(q)).toEqual(['questions.0.correct.1: "a" is listed twice']);
    q.questions[0]!.correct = [];
    expect(issuesOf(q)[0]).toMatch(/at least one choice must be correct/);
  });

  test('question ids and choice ids are unique', () => {
    const q = quiz();
    q.questions[1]!.id = 'q1';
    expect(issuesOf(q)).toEqual(['questions.1.id: duplicate question id "q1"']);
    const c = quiz();
    c.questions[0]!.choices[1]!.id = 'a';
    expect(issuesOf(c)).toContain('questions.0.choices.1.id: duplicate choice id "a"');
  });

  test('at least one question, each with at least two choices', () => {
    expect(issuesOf({ ...quiz(), questions: [] })[0]).toMatch(/at least one question/);
    const q = quiz();
    q.questions[0]!.choices = [{ id: 'a', text: 'Paris' }];
    expect(issuesOf(q)[0]).toMatch(/at least 2 choices/);
  });

  test.each([
    ['points not an integer', { points: 1.5 }],
    ['negative points', { points: -1 }],
    ['points as a string', { points: '1000' }],
    ['time limit too short', { timeLimitMs: 10 }],
    ['time limit too long', { timeLimitMs: 3_600_001 }],
    ['an unknown field', { timelimit: 5000 }],
    ['an empty prompt', { prompt: '  ' }],
  ])('rejects a question with %s', (_what, patch) => {
    const q = quiz();
    Object.assign(q.questions[0]!, patch);
    expect(createQuizSchema.safeParse(q).success).toBe(false);
  });

  test('unknown top-level fields and bad titles are rejected', () => {
    expect(createQuizSchema.safeParse({ ...quiz(), owner: 'me' }).success).toBe(false);
    expect(createQuizSchema.safeParse({ ...quiz(), title: '' }).success).toBe(false);
    expect(createQuizSchema.safeParse({ ...quiz(), title: 'a\u0007' }).success).toBe(false);
    expect(createQuizSchema.safeParse({ ...quiz(), id: 'has space' }).success).toBe(false);
  });
});

describe('player bodies', () => {
  test('answers need a question and a choice; the answer id is optional and checked', () => {
    expect(answerSchema.parse({ questionId: 'q1', choiceId: 'a' })).toEqual({ questionId: 'q1', choiceId: 'a' });
    expect(answerSchema.parse({ questionId: 'q1', choiceId: 'a', answerId: 'ans-1' }).answerId).toBe('ans-1');
    expect(answerSchema.safeParse({ questionId: 'q1', choiceId: 'a', answerId: '' }).success).toBe(false);
    expect(answerSchema.safeParse({ questionId: 'q1', choiceId: 'a', answerId: 'x'.repeat(65) }).success).toBe(false);
    expect(answerSchema.safeParse({ questionId: 'q1' }).success).toBe(false);
    expect(answerSchema.safeParse({ questionId: 'q1', choiceId: 7 }).success).toBe(false);
  });

  test('parseAnswerBody answers exactly as answerSchema does: the same data, or the same refusal', () => {
    const outcome = (f: () => unknown) => {
      try {
        return { data: f() };
      } catch (err) {
        expect(err).toBeInstanceOf(ValidationError);
        return { message: (err as ValidationError).message, details: (err as ValidationError).details };
      }
    };
    const fromSchema = (body: unknown) => outcome(() => parseBody(answerSchema, body, 'answer'));
    const bodies: unknown[] = [
      { questionId: 'q1', choiceId: 'a' },
      { questionId: 'q1', choiceId: 'a', answerId: 'ans-1' },
      { questionId: 'q1', choiceId: 'a', answerId: '' },
      { questionId: 'q1', choiceId: 'a', answerId: null },
      { questionId: 'q1', choiceId: 'a', extra: 1 },
      { questionId: 'q1', choiceId: '__proto__' },
      { questionId: 'q1', choiceId: 'x'.repeat(65) },
      { questionId: 'q 1', choiceId: 'a' },
      { questionId: 'q1', choiceId: 7 },
      { questionId: 'q1' },
      { questionId: 'q1', choiceId: 'a', choiceIds: ['a'] },
      { questionId: 'q1', choiceIds: ['a', 'b'] },
      { questionId: 'q1', text: '  horse ' },
      JSON.parse('{"questionId":"q1","choiceId":"a","__proto__":{"x":1}}'),
      undefined,
      null,
      [],
      'q1',
    ];
    for (const body of bodies) expect(outcome(() => parseAnswerBody(body))).toEqual(fromSchema(body));
    const id = fc.oneof(fc.constantFrom('q1', 'a', '__proto__', '', 'x'.repeat(64), 'x'.repeat(65), 'a b'), fc.string(), fc.integer(), fc.constant(null));
    fc.assert(
      fc.property(fc.record({ questionId: id, choiceId: id, answerId: id }, { requiredKeys: [] }), (body) => {
        expect(outcome(() => parseAnswerBody(body))).toEqual(fromSchema(body));
      }),
    );
  });

  test('parseId refuses what idSchema refuses, with its wording', () => {
    for (const value of ['q1', '', '__proto__', 'x'.repeat(65), 'a/b', 7, undefined]) {
      const viaSchema = idSchema.safeParse(value);
      if (viaSchema.success) expect(parseId(value, 'quizId')).toBe(value);
      else expect(() => parseId(value, 'quizId')).toThrow(expect.objectContaining({ message: 'invalid quizId', details: [{ path: '(root)', message: viaSchema.error.issues[0]!.message }] }));
    }
  });

  test('join and dev-token bodies', () => {
    expect(joinSchema.parse({})).toEqual({});
    expect(joinSchema.parse({ displayName: ' Ann ' })).toEqual({ displayName: 'Ann' });
    expect(devTokenSchema.safeParse({ playerId: 'p1', displayName: 'Ann' }).success).toBe(true);
    expect(devTokenSchema.safeParse({ playerId: 'p 1', displayName: 'Ann' }).success).toBe(false);
    expect(devTokenSchema.safeParse({ playerId: 'p1' }).success).toBe(false);
  });

  test('parseBody turns a missing or non-object body into a 400 that says what was expected', () => {
    for (const body of [undefined, null, 'text', 42, [], [{ questionId: 'q1' }]]) {
      expect(() => parseBody(answerSchema, body, 'answer')).toThrow(/must be a JSON object/);
    }
  });

  test('parse reports each offending field in details', () => {
    try {
      parse(answerSchema, { questionId: 'bad id', choiceId: '' }, 'answer');
      throw new Error('expected a ValidationError');
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      const e = err as ValidationError;
      expect(e.status).toBe(400);
      expect(e.details).toEqual(
        expect.arrayContaining([expect.objectContaining({ path: 'questionId' }), expect.objectContaining({ path: 'choiceId' })]),
      );
    }
  });

  test('property: arbitrary JSON never throws anything but a ValidationError', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        for (const schema of [createQuizSchema, answerSchema, joinSchema, devTokenSchema]) {
          try {
            parseBody(schema, value, 'body');
          } catch (err) {
            expect(err).toBeInstanceOf(ValidationError);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
});

test('game PINs are six digits without a leading zero; the PIN route takes exactly six digits', () => {
  for (let i = 0; i < 1_000; i++) {
    const pin = randomPin();
    expect(pin).toMatch(/^[1-9][0-9]{5}$/);
    expect(parse(pinSchema, pin, 'pin')).toBe(pin);
  }
  for (const bad of ['12345', '1234567', '12a456', ' 123456', '']) expect(() => parse(pinSchema, bad, 'pin')).toThrow(ValidationError);
  expect(parse(pinSchema, '012345', 'pin')).toBe('012345');
});

test('closeWhenAllAnswered is off unless the quiz says so, and must be a boolean', () => {
  expect(parse(createQuizSchema, quiz(), 'quiz').closeWhenAllAnswered).toBe(false);
  expect(parse(createQuizSchema, { ...quiz(), closeWhenAllAnswered: true }, 'quiz').closeWhenAllAnswered).toBe(true);
  expect(() => parse(createQuizSchema, { ...quiz(), closeWhenAllAnswered: 'yes' }, 'quiz')).toThrow(ValidationError);
});

describe('question types and scoring options', () => {
  const base = { id: 'q', prompt: 'Which?', points: 1000 };
  const withQuestions = (...questions: unknown[]) => ({ title: 'Types', questions });

  test('defaults: choice questions, speed scoring, no streak, no partial credit', () => {
    const parsed = parse(createQuizSchema, quiz(), 'quiz');
    expect(parsed).toMatchObject({ scoring: 'speed', streak: false, partial: false });
    expect(parsed.questions[0]).toMatchObject({ type: 'choice', accepted: [], ignoreAccents: false });
  });

  test('scoring options are checked', () => {
    expect(parse(createQuizSchema, { ...quiz(), scoring: 'flat', streak: true, partial: true }, 'quiz')).toMatchObject({ scoring: 'flat', streak: true, partial: true });
    expect(issuesOf({ ...quiz(), scoring: 'fast' }).join()).toMatch(/scoring/);
    expect(issuesOf({ ...quiz(), streak: 'yes' }).join()).toMatch(/streak/);
  });

  test('a choice question may have several correct choices', () => {
    const q = { ...base, choices: [{ id: 'a', text: 'A' }, { id: 'b', text: 'B' }, { id: 'c', text: 'C' }], correct: ['a', 'c'] };
    expect(parse(createQuizSchema, withQuestions(q), 'quiz').questions[0]).toMatchObject({ type: 'choice', correct: ['a', 'c'] });
    expect(issuesOf(withQuestions({ ...q, type: 'choice', correct: ['a', 'x'] }))).toEqual(['questions.0.correct.1: "x" is not one of the choices']);
  });

  test('a true/false question gets the two fixed choices, which it may name in another language', () => {
    const parsed = parse(createQuizSchema, withQuestions({ ...base, type: 'truefalse', correct: ['false'] }), 'quiz');
    expect(parsed.questions[0]).toMatchObject({ type: 'truefalse', choices: [{ id: 'true', text: 'True' }, { id: 'false', text: 'False' }], correct: ['false'] });
    const french = [{ id: 'true', text: 'Vrai' }, { id: 'false', text: 'Faux' }];
    expect(parse(createQuizSchema, withQuestions({ ...base, type: 'truefalse', choices: french, correct: ['true'] }), 'quiz').questions[0]!.choices).toEqual(french);
    expect(issuesOf(withQuestions({ ...base, type: 'truefalse', correct: ['yes'] })).join()).toMatch(/correct/);
    expect(issuesOf(withQuestions({ ...base, type: 'truefalse', correct: ['true', 'false'] })).join()).toMatch(/correct/);
    expect(issuesOf(withQuestions({ ...base, type: 'truefalse', choices: [{ id: 'a', text: 'A' }, { id: 'b', text: 'B' }], correct: ['true'] })).join()).toMatch(/"true" and "false"/);
  });

  test('a text question has accepted spellings (1+, each at most 200 characters) and no choices', () => {
    const parsed = parse(createQuizSchema, withQuestions({ ...base, type: 'text', accepted: [' élève ', 'pupil'], ignoreAccents: true }), 'quiz');
    expect(parsed.questions[0]).toMatchObject({ type: 'text', choices: [], correct: [], accepted: ['élève', 'pupil'], ignoreAccents: true });
    expect(parse(createQuizSchema, withQuestions({ ...base, type: 'text', accepted: ['x'] }), 'quiz').questions[0]!.ignoreAccents).toBe(false);
    expect(issuesOf(withQuestions({ ...base, type: 'text', accepted: [] })).join()).toMatch(/accepted/);
    expect(issuesOf(withQuestions({ ...base, type: 'text', accepted: ['x'.repeat(201)] })).join()).toMatch(/200/);
    expect(issuesOf(withQuestions({ ...base, type: 'text', accepted: ['x'], choices: [{ id: 'a', text: 'A' }] })).join()).toMatch(/choices/);
    expect(issuesOf(withQuestions({ ...base, type: 'text' })).join()).toMatch(/accepted/);
    expect(issuesOf(withQuestions({ ...base, type: 'essay', accepted: ['x'] })).join()).toMatch(/type/);
  });
});

describe('answer bodies', () => {
  test('exactly one of choiceId, choiceIds (distinct, 1+) or text', () => {
    expect(parse(answerSchema, { questionId: 'q1', choiceId: 'a' }, 'answer')).toMatchObject({ choiceId: 'a' });
    expect(parse(answerSchema, { questionId: 'q1', choiceIds: ['a', 'c'] }, 'answer')).toMatchObject({ choiceIds: ['a', 'c'] });
    expect(parse(answerSchema, { questionId: 'q1', text: '  horse ' }, 'answer')).toMatchObject({ text: 'horse' });
    for (const bad of [
      { questionId: 'q1' },
      { questionId: 'q1', choiceId: 'a', text: 'a' },
      { questionId: 'q1', choiceIds: [] },
      { questionId: 'q1', choiceIds: ['a', 'a'] },
      { questionId: 'q1', text: '   ' },
      { questionId: 'q1', text: 'x'.repeat(201) },
      { questionId: 'q1', text: 'a\u0000b' },
    ]) {
      expect(answerSchema.safeParse(bad).success).toBe(false);
    }
  });
});
