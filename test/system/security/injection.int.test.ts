import { createClickHouse } from '../../../common/clickhouse';
import { redisKeys } from '../../../common/redis';
import { stringLiteral } from '../../../infra/analytics/sql-literal';
import { forgetQuizAtCleanup, startSink, waitFor } from '../../helpers/scripted-quiz';
import { onCleanup } from '../../helpers/cleanup';
import { uniqueId } from '../../helpers/ids';
import { startTestIngest, testTopics, type TestIngest } from '../../helpers/ingest-app';
import { IngestClient } from '../../helpers/ingest-client';
import { processorTestConfig, startTestProcessor } from '../../helpers/processor-app';
import { testConfig, stackClients } from '../../helpers/stack';
import { deleteQuizKeys } from '../../helpers/quiz-cleanup';

// Injection strings in every id and name field the API takes. Ids are validated by a pattern, so
// each must be a clean 400 (never a 5xx, never a changed row); display names, titles, prompts and
// choice texts are free text, so each must come back byte for byte from Postgres, Redis (the
// processors' leaderboard) and ClickHouse (the sink). Every statement being parameterized is what
// makes that true; test/system/security/sql-static.test.ts checks the code side.

jest.setTimeout(240_000);

// Each fits a title, prompt or choice; display names take their first 24 characters (the limit).
const INJECTIONS = [
  "'; DROP TABLE quizzes; --",
  "Robert'); DROP TABLE players;--",
  "x' OR '1'='1",
  '" OR "1"="1',
  "\\'; SELECT 1; --",
  "' UNION SELECT correct FROM questions --",
  '$1',
  '$1::text);DELETE FROM scored_answers;--',
  "') FORMAT TSV; DROP TABLE answers --",
  '/* comment */ --',
  '${jndi:ldap://x}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  'qs:{x}:lb',
  '../../etc/passwd',
  '%27%20OR%201%3D1',
  '\\',
  '`backtick`',
  'é€😀 ünïcödé',
];

let ingest: TestIngest;
let api: IngestClient;
const { pg, redis } = stackClients();
const ch = createClickHouse(testConfig.clickhouse);
onCleanup(() => ch.close());

beforeAll(async () => {
  // One player sends every bad request in turn: the per-player rate limit would answer 429 first.
  ingest = await startTestIngest({ options: (o) => ({ ...o, rateLimit: { ...o.rateLimit, player: { max: 100_000, windowMs: 1_000 } } }) });
  const { prefix } = await testTopics();
  await startTestProcessor(processorTestConfig(prefix, uniqueId('inj-proc')));
  await startSink({ ...testConfig, kafka: { ...testConfig.kafka, topicPrefix: prefix } });
  api = new IngestClient(ingest.url);
});

/** Rows anywhere in Postgres holding one of the strings as an id (other tests share the database). */
async function rowsWithIds(values: string[]): Promise<number> {
  const q = await pg.query<{ n: number }>(
    `SELECT (SELECT count(*) FROM quizzes WHERE id = ANY($1))
          + (SELECT count(*) FROM questions WHERE id = ANY($1) OR quiz_id = ANY($1))
          + (SELECT count(*) FROM players WHERE player_id = ANY($1) OR quiz_id = ANY($1))
          + (SELECT count(*) FROM scored_answers WHERE answer_id = ANY($1) OR choice_id = ANY($1) OR question_id = ANY($1))::int AS n`,
    [values],
  );
  return Number(q.rows[0]!.n);
}

describe('id fields refuse injection strings with a 400 and change nothing', () => {
  it('quiz, question and choice ids in the create body; ids in paths; player ids; answer ids', async () => {
    const quizId = uniqueId('injids');
    const ok = {
      id: quizId,
      title: 'ids',
      questions: [{ id: 'q1', prompt: 'p?', choices: [{ id: 'a', text: 'A' }, { id: 'b', text: 'B' }], correct: ['a'], timeLimitMs: 600_000 }],
    };
    expect((await api.createQuiz(ok)).status).toBe(201);
    expect((await api.open(quizId, 'q1')).status).toBe(200);
    const token = await api.token(uniqueId('injp'));
    expect((await api.join(quizId, token, 'ok')).status).toBe(201);

    for (const evil of INJECTIONS) {
      const path = encodeURIComponent(evil);
      const q = ok.questions[0]!;
      const statuses = {
        quizIdBody: (await api.createQuiz({ ...ok, id: evil })).status,
        questionIdBody: (await api.createQuiz({ ...ok, id: uniqueId('x'), questions: [{ ...q, id: evil }] })).status,
        choiceIdBody: (await api.createQuiz({ ...ok, id: uniqueId('x'), questions: [{ ...q, choices: [{ id: evil, text: 'A' }, q.choices[1]], correct: [evil] }] })).status,
        correctBody: (await api.createQuiz({ ...ok, id: uniqueId('x'), questions: [{ ...q, correct: [evil] }] })).status,
        quizIdPath: (await api.request('GET', `/v1/quizzes/${path}`)).status,
        openPath: (await api.admin('POST', `/v1/quizzes/${quizId}/questions/${path}/open`)).status,
        closePath: (await api.admin('POST', `/v1/quizzes/${path}/questions/q1/close`)).status,
        joinPath: (await api.join(path, token, 'x')).status,
        playerIdToken: (await api.request('POST', '/v1/auth/dev-token', { body: { playerId: evil, displayName: 'x' } })).status,
        answerQuestion: (await api.answer(quizId, token, { questionId: evil, choiceId: 'a' })).status,
        answerChoice: (await api.answer(quizId, token, { questionId: 'q1', choiceId: evil })).status,
        answerId: (await api.answer(quizId, token, { questionId: 'q1', choiceId: 'a', answerId: evil })).status,
      };
      // "%27%20OR..." decodes in the path to a string the id pattern refuses too; all are 400,
      // except a GET of an unknown-but-valid-looking path which cannot happen with these strings.
      for (const [field, status] of Object.entries(statuses)) expect({ evil, field, status }).toEqual({ evil, field, status: 400 });
    }
    // Nothing was stored under any of them, and every table is still there to be counted.
    expect(await rowsWithIds(INJECTIONS)).toBe(0);
    // The quiz still works: the player's real answer is accepted.
    expect((await api.answer(quizId, token, { questionId: 'q1', choiceId: 'a' })).status).toBe(202);
  });
});

describe('reserved ids', () => {
  it('__proto__ is refused as a quiz, question, choice, player or answer id (a choice so named vanished from the reveal counts)', async () => {
    const quizId = uniqueId('proto');
    const quiz = (questionId: string, choiceId: string) => ({
      id: quizId,
      title: 'reserved ids',
      questions: [{ id: questionId, prompt: 'p?', choices: [{ id: choiceId, text: 'A' }, { id: 'b', text: 'B' }], correct: [choiceId] }],
    });
    expect((await api.createQuiz(quiz('q1', '__proto__'))).status).toBe(400);
    expect((await api.createQuiz(quiz('__proto__', 'a'))).status).toBe(400);
    expect((await api.createQuiz({ ...quiz('q1', 'a'), id: '__proto__' })).status).toBe(400);
    expect((await api.request('POST', '/v1/auth/dev-token', { body: { playerId: '__proto__', displayName: 'x' } })).status).toBe(400);
    expect((await api.request('GET', '/v1/quizzes/__proto__')).status).toBe(400);
    expect(await rowsWithIds([quizId, '__proto__'])).toBe(0);

    expect((await api.createQuiz(quiz('q1', 'a'))).status).toBe(201);
    expect((await api.open(quizId, 'q1')).status).toBe(200);
    const token = await api.token(uniqueId('protop'));
    expect((await api.join(quizId, token, 'proto')).status).toBe(201);
    expect((await api.answer(quizId, token, { questionId: 'q1', choiceId: 'a', answerId: '__proto__' })).status).toBe(400);
  });
});

describe('free text is stored exactly', () => {
  it('titles, prompts, choice texts and display names round-trip through Postgres, Redis and ClickHouse', async () => {
    const quizId = uniqueId('injtext');
    forgetQuizAtCleanup(ch, quizId);
    onCleanup(() => deleteQuizKeys(redis, quizId));
    // Free text is trimmed by design (validation.ts); the rest must be kept byte for byte.
    const title = INJECTIONS.join(' | ').slice(0, 200).trim();
    const questions = INJECTIONS.map((evil, i) => ({
      id: `q${i + 1}`,
      prompt: `${evil} ?`,
      choices: [
        { id: 'a', text: evil },
        { id: 'b', text: `${evil} (b)` },
      ],
      correct: ['a'],
      timeLimitMs: 600_000, // joins and answers of a slow shared machine must fit in the window
    }));
    const created = await api.createQuiz({ id: quizId, title, questions });
    expect(created.status).toBe(201);
    const row = await pg.query<{ title: string }>('SELECT title FROM quizzes WHERE id = $1', [quizId]);
    expect(row.rows[0]!.title).toBe(title);
    const qs = await pg.query<{ id: string; prompt: string; choices: Array<{ id: string; text: string }> }>(
      'SELECT id, prompt, choices FROM questions WHERE quiz_id = $1 ORDER BY position',
      [quizId],
    );
    expect(qs.rows.map((r) => [r.id, r.prompt, r.choices])).toEqual(questions.map((q) => [q.id, q.prompt, q.choices]));
    expect((await api.open(quizId, 'q1')).status).toBe(200);
    const shown = await api.request('GET', `/v1/quizzes/${quizId}`);
    expect(shown.body.title).toBe(title);
    expect(shown.body.questions[0].prompt).toBe(questions[0]!.prompt);

    // One player per injection string, named with it, each answering q1.
    const names = new Map<string, string>();
    for (const [i, evil] of INJECTIONS.entries()) {
      const playerId = `${quizId}_p${i}`;
      const name = [...evil].slice(0, 24).join('').trim();
      const token = await api.token(playerId, name);
      const joined = await api.join(quizId, token, name);
      expect(joined.status).toBe(201);
      names.set(playerId, name);
      expect((await api.answer(quizId, token, { questionId: 'q1', choiceId: i % 2 === 0 ? 'a' : 'b' })).status).toBe(202);
    }

    const stored = await pg.query<{ player_id: string; display_name: string }>('SELECT player_id, display_name FROM players WHERE quiz_id = $1', [quizId]);
    expect(new Map(stored.rows.map((r) => [r.player_id, r.display_name]))).toEqual(names);

    // The processors' leaderboard and snapshot carry the names as given.
    await waitFor('the processors to score every answer', async () => Number(await redis.hget(redisKeys.stats(quizId), 'answers')) === INJECTIONS.length, 60_000);
    expect(await redis.hgetall(redisKeys.names(quizId))).toEqual(Object.fromEntries(names));
    await waitFor('the snapshot to hold every player', async () => {
      const s = await redis.get(redisKeys.snapshot(quizId));
      return s !== null && JSON.parse(s).answers === INJECTIONS.length;
    });
    const snapshot = JSON.parse((await redis.get(redisKeys.snapshot(quizId)))!) as { entries: Array<{ playerId: string; displayName: string }> };
    expect(new Map(snapshot.entries.map((e) => [e.playerId, e.displayName]))).toEqual(names);

    // ClickHouse: the sink's join rows keep the names exactly.
    const read = async () => {
      const r = await ch.query({
        query: `SELECT player_id, any(display_name) AS name FROM quiz_events WHERE quiz_id = ${stringLiteral(quizId)} AND kind = 'joined' GROUP BY player_id`,
        format: 'JSONEachRow',
      });
      return new Map((await r.json<{ player_id: string; name: string }>()).map((x) => [x.player_id, x.name]));
    };
    await waitFor('the sink to write every join', async () => (await read()).size === INJECTIONS.length, 60_000);
    expect(await read()).toEqual(names);
  });
});
