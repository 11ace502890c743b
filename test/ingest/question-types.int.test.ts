import '../helpers/cleanup';
import { uniqueId } from '../helpers/ids';
import { startIngestBothWays, type TestIngest } from '../helpers/ingest-app';
import { IngestClient, type Reply } from '../helpers/ingest-client';
import { forQuiz, readQuizEvents } from '../helpers/ingest-kafka';

// Question types (design.md "Game features (v1.1)") at ingest: the quiz definition per type, the
// answer bodies (choiceId, choiceIds, text) on the hot route and the express route alike, what
// AnswerSubmitted and QuestionOpened carry, and that a text question's accepted spellings (like
// any answer key) are in nothing a player or viewer can read before the close.

jest.setTimeout(60_000);

let ingest: TestIngest;
let hot: IngestClient;
let viaExpress: IngestClient;
let reader: Awaited<ReturnType<typeof readQuizEvents>>;

beforeAll(async () => {
  const both = await startIngestBothWays();
  ingest = both.ingest;
  hot = new IngestClient(both.hotUrl);
  viaExpress = new IngestClient(both.expressUrl);
  reader = await readQuizEvents(ingest.codec);
});

// Spellings nobody would type by chance, so finding them anywhere is a leak.
const SECRET = ['zebrafish-7391', 'Ébène-4422'];

function typedQuiz(id: string) {
  const choices = [
    { id: 'a', text: 'Alpha' },
    { id: 'b', text: 'Bravo' },
    { id: 'c', text: 'Charlie' },
  ];
  return {
    id,
    title: `Types ${id}`,
    streak: true,
    partial: true,
    questions: [
      { id: 'single', prompt: 'One?', choices, correct: ['b'], timeLimitMs: 600_000 },
      { id: 'multi', type: 'choice', prompt: 'Several?', choices, correct: ['a', 'c'], timeLimitMs: 600_000 },
      { id: 'tf', type: 'truefalse', prompt: 'True?', correct: ['false'], timeLimitMs: 600_000 },
      { id: 'word', type: 'text', prompt: 'Type it', accepted: SECRET, ignoreAccents: true, timeLimitMs: 600_000 },
    ],
  };
}

function reply(r: Reply) {
  return { status: r.status, body: r.body };
}

test('the quiz keeps each type; the public view shows type and multiple once open, never the key', async () => {
  const quizId = uniqueId('types');
  const created = await hot.createQuiz(typedQuiz(quizId));
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ scoring: 'speed', streak: true, partial: true });
  expect(created.body.questions).toMatchObject([
    { id: 'single', type: 'choice', correct: ['b'] },
    { id: 'multi', type: 'choice', correct: ['a', 'c'] },
    { id: 'tf', type: 'truefalse', choices: [{ id: 'true', text: 'True' }, { id: 'false', text: 'False' }], correct: ['false'] },
    { id: 'word', type: 'text', choices: [], accepted: SECRET, ignoreAccents: true },
  ]);
  for (const id of ['multi', 'word']) expect((await hot.open(quizId, id)).status).toBe(200);
  const view = await hot.request('GET', `/v1/quizzes/${quizId}`);
  expect(view.status).toBe(200);
  expect(view.body).toMatchObject({ streak: true, partial: true, scoring: 'speed' });
  const byId = Object.fromEntries((view.body.questions as Array<{ id: string }>).map((q) => [q.id, q]));
  expect(byId.multi).toMatchObject({ type: 'choice', multiple: true });
  expect(byId.word).toMatchObject({ type: 'text', multiple: false, choices: [] });
  expect(byId.single).not.toHaveProperty('type');
  const json = JSON.stringify(view.body);
  for (const s of SECRET) expect(json).not.toContain(s);
  expect(json).not.toContain('correct');
  expect(json).not.toContain('accepted');

  const opened = await reader.waitFor((e) => forQuiz(quizId)(e) && e.event.type === 'QuestionOpened', 2);
  const payloads = Object.fromEntries(opened.map((e) => [(e.event.payload as { questionId: string }).questionId, e.event.payload]));
  expect(payloads.multi).toMatchObject({ type: 'choice', multiple: true });
  expect(payloads.word).toMatchObject({ type: 'text', multiple: false, choices: [] });
  for (const s of SECRET) expect(JSON.stringify(opened.map((e) => e.event.payload))).not.toContain(s);
});

test('answer bodies per type: the same 202s and refusals on both routes, and what Kafka gets', async () => {
  const quizId = uniqueId('types');
  expect((await hot.createQuiz(typedQuiz(quizId))).status).toBe(201);
  const players = await Promise.all(
    [0, 1, 2, 3].map(async (i) => {
      const token = await hot.token(uniqueId(`p${i}`), `Player ${i}`);
      expect((await hot.join(quizId, token)).status).toBe(201);
      return token;
    }),
  );
  const [ann, bob] = [players[0]!, players[1]!];
  const path = `/v1/quizzes/${quizId}/answers`;
  // Before the open the type is not told: a wrong form is "not open", like a missing choice.
  const early = await hot.answer(quizId, ann, { questionId: 'word', choiceId: 'a' });
  expect(early.status).toBe(422);
  expect(reply(early)).toEqual(reply(await viaExpress.answer(quizId, ann, { questionId: 'word', choiceId: 'a' })));
  for (const id of ['single', 'multi', 'tf', 'word']) expect((await hot.open(quizId, id)).status).toBe(200);

  const refused: Array<[string, unknown, number, string]> = [
    ['text on a choice question', { questionId: 'single', text: 'b' }, 400, 'invalid_answer'],
    ['two picks where one is correct', { questionId: 'single', choiceIds: ['a', 'b'] }, 400, 'invalid_answer'],
    ['a choice on a text question', { questionId: 'word', choiceId: 'a' }, 400, 'invalid_answer'],
    ['picks on a text question', { questionId: 'word', choiceIds: ['a'] }, 400, 'invalid_answer'],
    ['text on a true/false question', { questionId: 'tf', text: 'false' }, 400, 'invalid_answer'],
    ['an unknown pick among several', { questionId: 'multi', choiceIds: ['a', 'zz'] }, 400, 'invalid_request'],
    ['a choice true/false does not have', { questionId: 'tf', choiceId: 'maybe' }, 400, 'invalid_request'],
    ['two forms at once', { questionId: 'multi', choiceId: 'a', choiceIds: ['a'] }, 400, 'invalid_request'],
    ['the same pick twice', { questionId: 'multi', choiceIds: ['a', 'a'] }, 400, 'invalid_request'],
    ['an empty text', { questionId: 'word', text: '  ' }, 400, 'invalid_request'],
    ['a text over 200 characters', { questionId: 'word', text: 'x'.repeat(201) }, 400, 'invalid_request'],
  ];
  for (const [what, body, status, code] of refused) {
    const [a, b] = [await hot.request('POST', path, { token: ann, body }), await viaExpress.request('POST', path, { token: ann, body })];
    expect({ what, ...reply(a) }).toEqual({ what, ...reply(b) });
    expect({ what, status: a.status, code: a.body.error?.code }).toEqual({ what, status, code });
  }

  const accepted: Array<[IngestClient, string, Record<string, unknown>]> = [
    [hot, ann, { questionId: 'single', choiceId: 'b' }],
    [viaExpress, bob, { questionId: 'single', choiceIds: ['a'] }],
    [hot, ann, { questionId: 'multi', choiceIds: ['c', 'a'] }],
    [viaExpress, bob, { questionId: 'multi', choiceId: 'a' }],
    [hot, ann, { questionId: 'tf', choiceIds: ['false'] }],
    [viaExpress, bob, { questionId: 'tf', choiceId: 'true' }],
    [hot, ann, { questionId: 'word', text: ' zebrafish-7391 ' }],
    [viaExpress, bob, { questionId: 'word', text: 'ebene-4422' }],
  ];
  for (const [client, token, body] of accepted) {
    const r = await client.answer(quizId, token, body);
    expect({ body, status: r.status }).toEqual({ body, status: 202 });
    // Nothing in the reply tells whether it was right, let alone the key.
    expect(Object.keys(r.body)).toEqual(['answerId']);
  }
  const submitted = await reader.waitFor((e) => forQuiz(quizId)(e) && e.event.type === 'AnswerSubmitted', accepted.length);
  const forms = submitted.map((e) => {
    const p = e.event.payload as { questionId: string; choiceId: string; choiceIds: string[]; text: string | null };
    return [p.questionId, p.choiceId, p.choiceIds, p.text];
  });
  expect(forms).toEqual(
    expect.arrayContaining([
      ['single', 'b', ['b'], null],
      ['single', 'a', ['a'], null],
      ['multi', 'c', ['c', 'a'], null],
      ['multi', 'a', ['a'], null],
      ['tf', 'false', ['false'], null],
      ['tf', 'true', ['true'], null],
      ['word', '', [], 'zebrafish-7391'],
      ['word', '', [], 'ebene-4422'],
    ]),
  );
  // The reveal waits for the close.
  const reveal = await hot.request('GET', `/v1/quizzes/${quizId}/questions/word/reveal`);
  expect(reveal.status).toBe(409);
  for (const s of SECRET) expect(JSON.stringify(reveal.body)).not.toContain(s);
});
