import { parse } from 'csv-parse/sync';
import { uniqueId } from '../helpers/ids';
import { startTestIngest, testTopics, type TestIngest } from '../helpers/ingest-app';
import { IngestClient } from '../helpers/ingest-client';
import { processorTestConfig, startTestProcessor } from '../helpers/processor-app';
import { eventually, readTopic } from '../helpers/processor-topics';
import { startTestPush, type TestPush } from '../helpers/push-app';
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
