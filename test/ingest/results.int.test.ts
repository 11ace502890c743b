import { parse } from 'csv-parse/sync';
import { uniqueId } from '../helpers/ids';
import { startTestIngest, testTopics, type TestIngest } from '../helpers/ingest-app';
import { IngestClient } from '../helpers/ingest-client';
import { processorTestConfig, startTestProcessor } from '../helpers/processor-app';
import { eventually, readTopic } from '../helpers/processor-topics';
import { startTestPush, type TestPush } from '../helpers/push-app';
import { connectSse } from '../helpers/sse-client';
import { onCleanup } from '../helpers/cleanup';
import { stackClients } from '../helpers/stack';

// The host's results, read back from what the processors stored, against the board push serves:
// ingest → Kafka → a processor → Redis/Postgres → push, on this file's own topics.

jest.setTimeout(180_000);

const { pg } = stackClients();
let ingest: TestIngest;
let api: IngestClient;
let push: TestPush;

beforeAll(async () => {
  const { prefix } = await testTopics();
  ingest = await startTestIngest();
  api = new IngestClient(ingest.url);
  await startTestProcessor(processorTestConfig(prefix, uniqueId('proc-results')));
  push = await startTestPush();
});

type Row = Record<string, string>;
const rowsOf = (csv: string): Row[] => parse(csv, { columns: true, bom: true }) as Row[];

interface Board {
  players: number;
  openQuestions: unknown[];
  entries: Array<{ rank: number; playerId: string; displayName: string; score: number }>;
}

test('after the close, results.csv is the final board and questions.csv the reveals; 409 before the close, 503 while it is processed', async () => {
  const quizId = uniqueId('results');
  const choices = [
    { id: 'a', text: 'Alpha' },
    { id: 'b', text: 'Bravo, or B' },
    { id: 'c', text: 'Charlie' },
  ];
  await api.createQuiz({
    id: quizId,
    title: 'Results',
    questions: [
      { id: 'q1', prompt: 'First?', choices, correct: ['b'], timeLimitMs: 60_000 },
      { id: 'q2', prompt: '=Second?', choices: choices.slice(0, 2), correct: ['a'], timeLimitMs: 60_000 },
      { id: 'q3', prompt: 'Never opened', choices, correct: ['c'] },
    ],
  });
  const revealed = await readTopic(ingest.codec, ingest.codec.topics.results);
  // A name a spreadsheet would run as a formula, one with a comma, one who never answers, one kicked.
  const names: Record<string, string> = { ann: 'Ann', bob: '=Bob', cyd: 'Cyd, Jr', dan: 'Dan', eve: 'Eve' };
  const tokens = new Map<string, string>();
  for (const [id, name] of Object.entries(names)) {
    tokens.set(id, await api.token(id, name));
    expect((await api.join(quizId, tokens.get(id)!, name)).status).toBe(201);
  }
  const picks: Record<string, Record<string, string>> = {
    q1: { ann: 'b', cyd: 'b', bob: 'a', eve: 'b' },
    q2: { cyd: 'a', bob: 'a', ann: 'b' },
  };
  expect((await api.admin('GET', `/v1/quizzes/${quizId}/results.csv`)).body.error.code).toBe('quiz_not_closed');

  for (const [questionId, byPlayer] of Object.entries(picks)) {
    await api.open(quizId, questionId);
    expect((await api.request('GET', `/v1/quizzes/${quizId}/questions/${questionId}/reveal`)).body.error.code).toBe('question_not_closed');
    for (const [playerId, choiceId] of Object.entries(byPlayer)) {
      expect((await api.answer(quizId, tokens.get(playerId)!, { questionId, choiceId })).status).toBe(202);
      await new Promise((r) => setTimeout(r, 120)); // distinct answer times: distinct points
    }
    if (questionId === 'q1') expect((await api.admin('DELETE', `/v1/quizzes/${quizId}/players/eve`)).status).toBe(200);
    await api.close(quizId, questionId);
  }
  expect((await api.closeQuiz(quizId)).status).toBe(200);

  const board = async () => (await (await fetch(`${push.url}/v1/quizzes/${quizId}/leaderboard`)).json()) as Board;
  const reply = async (file: string) => api.admin('GET', `/v1/quizzes/${quizId}/${file}`);
  await eventually('the results', async () => (await reply('results.csv')).status === 200);
  // Idle: the board carries every point Postgres has for the players on it (q2's release included).
  const pointsInPostgres = async () =>
    Number(
      (await pg.query("SELECT coalesce(sum(total), 0) AS n FROM player_totals WHERE quiz_id = $1 AND player_id <> 'eve'", [quizId])).rows[0].n,
    );
  await eventually('the final board', async () => {
    const b = await board();
    return b.openQuestions.length === 0 && b.entries.reduce((sum, e) => sum + e.score, 0) === (await pointsInPostgres());
  });

  const results = await reply('results.csv');
  expect(results.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  expect(results.headers.get('content-disposition')).toBe(`attachment; filename="${quizId}-results.csv"`);
  const players = rowsOf(results.body as string);
  const final = await board();
  expect(final.players).toBe(4);
  // The export is the board: same players, same order, same names and scores; the kicked one on neither.
  expect(players.map((r) => [Number(r.rank), r.player_id, r.display_name!.replace(/^'/, ''), Number(r.score)])).toEqual(
    final.entries.map((e) => [e.rank, e.playerId, e.displayName, e.score]),
  );
  expect(players.find((r) => r.player_id === 'bob')!.display_name).toBe("'=Bob");
  expect(players.find((r) => r.player_id === 'cyd')!.display_name).toBe('Cyd, Jr');

  const { rows: answers } = await pg.query<{ player_id: string; correct: boolean; late: boolean; latency_ms: string }>(
    'SELECT player_id, correct, late, latency_ms FROM scored_answers WHERE quiz_id = $1',
    [quizId],
  );
  for (const row of players) {
    const mine = answers.filter((a) => a.player_id === row.player_id);
    expect(Number(row.answers)).toBe(mine.length);
    expect(Number(row.correct_answers)).toBe(mine.filter((a) => a.correct && !a.late).length);
    const average = mine.length === 0 ? '' : (Math.round(mine.reduce((s, a) => s + Number(a.latency_ms), 0) / mine.length) / 1000).toFixed(2);
    expect(row.average_answer_time_s).toBe(average);
  }
  expect(players.find((r) => r.player_id === 'dan')).toMatchObject({ score: '0', answers: '0', average_answer_time_s: '' });

  const questions = rowsOf((await reply('questions.csv')).body as string);
  expect(questions.map((q) => [q.position, q.question_id, q.prompt])).toEqual([
    ['1', 'q1', 'First?'],
    ['2', 'q2', "'=Second?"],
    ['3', 'q3', 'Never opened'],
  ]);
  for (const q of questions.slice(0, 2)) {
    const reveal = (await api.request('GET', `/v1/quizzes/${quizId}/questions/${q.question_id}/reveal`)).body;
    const event = revealed.messages.map((m) => m.event).find((e) => e.type === 'QuestionRevealed' && e.payload.quizId === quizId && e.payload.questionId === q.question_id);
    expect(event?.type === 'QuestionRevealed' && event.payload.counts).toEqual(reveal.counts);
    expect([q.choice_1_answers, q.choice_2_answers].map(Number)).toEqual([reveal.counts.a, reveal.counts.b]);
    expect(Number(q.answers)).toBe(reveal.answered);
  }
  expect(questions[0]).toMatchObject({ answers: '4', correct_answers: '3', correct_rate: '0.75', correct_choices: 'Bravo, or B', choice_2: 'Bravo, or B', choice_3: 'Charlie' });
  expect(questions[1]).toMatchObject({ answers: '3', correct_answers: '2', correct_rate: '0.67', choice_3: '', choice_3_answers: '' });
  expect(questions[2]).toMatchObject({ answers: '0', correct_rate: '', median_answer_time_s: '' });

  // A close the processors have not recorded yet: the exports wait for it rather than disagree with the board.
  await pg.query('DELETE FROM released_questions WHERE quiz_id = $1 AND question_id = $2', [quizId, 'q2']);
  const pending = await reply('questions.csv');
  expect(pending.status).toBe(503);
  expect(pending.headers.get('retry-after')).toBe('1');
  expect(pending.body.error).toMatchObject({ code: 'results_pending', message: expect.stringContaining('q2') });
  expect((await api.request('GET', `/v1/quizzes/${quizId}/questions/q2/reveal`)).body.error.code).toBe('results_pending');
});

test('every question type with the streak on: the personal stream passes type, reveal and bonus through, and the exports match the board', async () => {
  const quizId = uniqueId('typed');
  const choices = ['a', 'b', 'c'].map((id) => ({ id, text: id.toUpperCase() }));
  expect(
    (
      await api.createQuiz({
        id: quizId,
        title: 'Typed',
        streak: true,
        questions: [
          { id: 'q1', prompt: 'One?', choices, correct: ['b'], timeLimitMs: 60_000 },
          { id: 'q2', prompt: 'Two of them?', choices, correct: ['a', 'c'], timeLimitMs: 60_000 },
          { id: 'q3', type: 'truefalse', prompt: 'True?', correct: ['false'], timeLimitMs: 60_000 },
          { id: 'q4', type: 'text', prompt: 'Student, in French?', accepted: ['élève', 'pupil'], ignoreAccents: true, timeLimitMs: 60_000 },
        ],
      })
    ).status,
  ).toBe(201);
  const tokens = new Map<string, string>();
  for (const [id, name] of [['ann', 'Ann'], ['bob', 'Bob'], ['cyd', 'Cyd']] as const) {
    tokens.set(id, await api.token(id, name));
    expect((await api.join(quizId, tokens.get(id)!, name)).status).toBe(201);
  }
  const me = await connectSse(`${push.url}/v1/quizzes/${quizId}/me/stream?token=${encodeURIComponent(tokens.get('ann')!)}`);
  onCleanup(() => me.close());
  expect(me.status).toBe(200);
  // Ann is right every time (streak 0, 100, 200, 300); Bob misses on q2 (one right pick, one wrong);
  // Cyd does not answer q2 (a missed question ends a streak too).
  const answers: Record<string, Record<string, object>> = {
    q1: { ann: { choiceId: 'b' }, bob: { choiceIds: ['b'] }, cyd: { choiceId: 'b' } },
    q2: { ann: { choiceIds: ['c', 'a'] }, bob: { choiceIds: ['a', 'b'] } },
    q3: { ann: { choiceId: 'false' }, bob: { choiceIds: ['false'] }, cyd: { choiceId: 'false' } },
    q4: { ann: { text: '  ELEVE ' }, bob: { text: 'Pupil' }, cyd: { text: 'élève' } },
  };
  for (const [questionId, byPlayer] of Object.entries(answers)) {
    expect((await api.open(quizId, questionId)).status).toBe(200);
    for (const [playerId, body] of Object.entries(byPlayer)) {
      expect((await api.answer(quizId, tokens.get(playerId)!, { questionId, ...body })).status).toBe(202);
    }
    expect((await api.close(quizId, questionId)).status).toBe(200);
  }
  const data = (e: { data: string }) => JSON.parse(e.data) as Record<string, unknown>;
  const closed = await me.waitFor((e) => e.event === 'question-closed', 4, 30_000);
  const results = await me.waitFor((e) => e.event === 'answer-result', 4, 30_000);
  const opened = me.events.filter((e) => e.event === 'question-opened').map(data);
  expect(opened.map((o) => [o.questionId, o.type, o.multiple])).toEqual([
    ['q1', 'choice', false],
    ['q2', 'choice', true],
    ['q3', 'truefalse', false],
    ['q4', 'text', false],
  ]);
  // Nothing before q4's close names an accepted spelling.
  const q4Closed = me.events.findIndex((e) => e.event === 'question-closed' && data(e).questionId === 'q4');
  for (const e of me.events.slice(0, q4Closed)) expect(e.data).not.toMatch(/élève|pupil/i);
  expect(closed.map(data).map((c) => [c.questionId, c.correct, c.accepted, c.counts])).toEqual([
    ['q1', ['b'], [], { a: 0, b: 3, c: 0 }],
    ['q2', ['a', 'c'], [], { a: 2, b: 1, c: 1 }],
    ['q3', ['false'], [], { true: 0, false: 3 }],
    ['q4', [], ['élève', 'pupil'], { correct: 3, wrong: 0 }],
  ]);
  const mine = results.map(data);
  expect(mine.map((r) => [r.questionId, r.correct, r.bonus])).toEqual([
    ['q1', true, 0],
    ['q2', true, 100],
    ['q3', true, 200],
    ['q4', true, 300],
  ]);
  for (const r of mine) expect(Number(r.points)).toBeGreaterThan(Number(r.bonus) + 499);

  expect((await api.closeQuiz(quizId)).status).toBe(200);
  const board = async () => (await (await fetch(`${push.url}/v1/quizzes/${quizId}/leaderboard`)).json()) as Board;
  const reply = async (file: string) => api.admin('GET', `/v1/quizzes/${quizId}/${file}`);
  await eventually('the results', async () => (await reply('results.csv')).status === 200);
  const { rows: bonuses } = await pg.query<{ player_id: string; bonus: number }>(
    'SELECT player_id, sum(bonus)::int AS bonus FROM scored_answers WHERE quiz_id = $1 GROUP BY player_id ORDER BY player_id',
    [quizId],
  );
  expect(bonuses.map((b) => [b.player_id, b.bonus])).toEqual([
    ['ann', 600],
    ['bob', 100],
    ['cyd', 100],
  ]);
  const players = rowsOf((await reply('results.csv')).body as string);
  const exported = players.map((r) => [Number(r.rank), r.player_id, Number(r.score)]);
  const shown = async () => (await board()).entries.map((e) => [e.rank, e.playerId, e.score]);
  // The snapshot is throttled and the close can be published before q4's last scores reach it, so
  // the board may trail the export for a moment; it must catch up, not merely be non-empty.
  await eventually('the board to show the exported scores', async () => JSON.stringify(await shown()) === JSON.stringify(exported));
  expect(await shown()).toEqual(exported);
  expect(Object.fromEntries(players.map((r) => [r.player_id, [r.correct_answers, r.answers]]))).toEqual({ ann: ['4', '4'], bob: ['3', '4'], cyd: ['3', '3'] });

  const questions = rowsOf((await reply('questions.csv')).body as string);
  expect(questions.map((q) => [q.question_id, q.type, q.answers, q.correct_answers, q.correct_rate, q.correct_choices, q.distribution])).toEqual([
    ['q1', 'choice', '3', '3', '1.00', 'B', 'A: 0 | B: 3 | C: 0'],
    ['q2', 'choice', '2', '1', '0.50', 'A | C', 'A: 2 | B: 1 | C: 1'],
    ['q3', 'truefalse', '3', '3', '1.00', 'False', 'True: 0 | False: 3'],
    ['q4', 'text', '3', '3', '1.00', 'élève | pupil', 'correct: 3 | wrong: 0'],
  ]);
  for (const q of questions) expect(q.median_answer_time_s).toMatch(/^\d+\.\d\d$/);
  const reveal = (await api.request('GET', `/v1/quizzes/${quizId}/questions/q4/reveal`)).body;
  expect(reveal).toMatchObject({ type: 'text', correct: [], accepted: ['élève', 'pupil'], counts: { correct: 3, wrong: 0 }, answered: 3 });
  expect((await api.request('GET', `/v1/quizzes/${quizId}/questions/q2/reveal`)).body).toMatchObject({ counts: { a: 2, b: 1, c: 1 }, answered: 2 });
});
