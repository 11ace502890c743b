import '../helpers/cleanup';
import { Pool } from 'pg';
import { createRedis, redisKeys } from '../../common/redis';
import { onCleanup } from '../helpers/cleanup';
import { uniqueId } from '../helpers/ids';
import { startTestIngest, type TestIngest } from '../helpers/ingest-app';
import { IngestClient, sampleQuiz } from '../helpers/ingest-client';
import { forQuiz, readQuizEvents } from '../helpers/ingest-kafka';
import { testConfig } from '../helpers/stack';

jest.setTimeout(30_000);

let ingest: TestIngest;
let api: IngestClient;
let pg: Pool;
let reader: Awaited<ReturnType<typeof readQuizEvents>>;

beforeAll(async () => {
  ingest = await startTestIngest();
  api = new IngestClient(ingest.url);
  pg = new Pool({ connectionString: testConfig.postgres.url, max: 2 });
  onCleanup(() => pg.end());
  reader = await readQuizEvents(ingest.codec);
});

describe('POST /v1/quizzes', () => {
  test('201 stores the quiz and answer key in Postgres and echoes it to the admin', async () => {
    const id = uniqueId('quiz');
    const r = await api.createQuiz(sampleQuiz(id));
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe(`/v1/quizzes/${id}`);
    expect(r.body).toMatchObject({ id, status: 'open', questions: [{ id: 'q1', correct: ['b'], points: 1000, timeLimitMs: 20_000 }, {}, {}] });
    const { rows } = await pg.query('SELECT id, position, correct, choices, points, time_limit_ms FROM questions WHERE quiz_id = $1 ORDER BY position', [id]);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({ id: 'q1', position: 0, correct: ['b'], points: 1000, time_limit_ms: 20_000 });
    expect(rows[0].choices).toEqual([
      { id: 'a', text: 'Alpha' },
      { id: 'b', text: 'Bravo' },
      { id: 'c', text: 'Charlie' },
    ]);
  });

  test('without an id the quiz gets a generated one; defaults apply to points and time limit', async () => {
    const { id: _id, ...quiz } = sampleQuiz('x');
    const q = { ...quiz, questions: quiz.questions.map(({ points: _p, timeLimitMs: _t, ...rest }) => rest) };
    const r = await api.createQuiz(q);
    expect(r.status).toBe(201);
    expect(r.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.body.questions[0]).toMatchObject({ points: 1000, timeLimitMs: 20_000 });
  });

  test('scoreVisibility: onClose unless the quiz says live, stored and shown; anything else is a 400 naming the field', async () => {
    const byDefault = uniqueId('quiz');
    const live = uniqueId('quiz');
    expect((await api.createQuiz(sampleQuiz(byDefault))).body.scoreVisibility).toBe('onClose');
    expect((await api.createQuiz({ ...sampleQuiz(live), scoreVisibility: 'live' })).body.scoreVisibility).toBe('live');
    const { rows } = await pg.query('SELECT id, score_visibility FROM quizzes WHERE id = ANY($1) ORDER BY id = $2', [[byDefault, live], live]);
    expect(rows.map((r) => r.score_visibility)).toEqual(['onClose', 'live']);
    expect((await api.request('GET', `/v1/quizzes/${live}`)).body.scoreVisibility).toBe('live');
    const bad = await api.createQuiz({ ...sampleQuiz(uniqueId('quiz')), scoreVisibility: 'never' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([expect.objectContaining({ path: 'scoreVisibility' })]);
  });

  test('409 when the id exists, and the first quiz is untouched', async () => {
    const id = uniqueId('quiz');
    expect((await api.createQuiz(sampleQuiz(id))).status).toBe(201);
    const again = await api.createQuiz({ ...sampleQuiz(id), title: 'Other' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('quiz_exists');
    const { rows } = await pg.query('SELECT title FROM quizzes WHERE id = $1', [id]);
    expect(rows[0].title).toBe(`Test quiz ${id}`);
  });

  test('401 without the admin key, with a wrong one, or with a player token instead', async () => {
    const quiz = sampleQuiz(uniqueId('quiz'));
    const none = await api.request('POST', '/v1/quizzes', { body: quiz });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('admin_key_required');
    const wrong = await api.request('POST', '/v1/quizzes', { body: quiz, adminKey: 'not-the-key' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_admin_key');
    const token = await api.token('p1');
    expect((await api.request('POST', '/v1/quizzes', { body: quiz, token })).status).toBe(401);
  });

  test('400 for malformed JSON and an invalid definition, with details; 415 for a non-JSON body', async () => {
    const badJson = await api.request('POST', '/v1/quizzes', { rawBody: '{"title": ', headers: { 'content-type': 'application/json' }, adminKey: 'dev-admin-key' });
    expect(badJson.status).toBe(400);
    expect(badJson.body.error.code).toBe('invalid_request');
    const text = await api.request('POST', '/v1/quizzes', { rawBody: 'title=x', headers: { 'content-type': 'text/plain' }, adminKey: 'dev-admin-key' });
    expect(text.status).toBe(415);
    expect(text.body.error.code).toBe('unsupported_media_type');
    const quiz = sampleQuiz(uniqueId('quiz'));
    quiz.questions[0]!.correct = ['z'];
    const invalid = await api.createQuiz(quiz);
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toMatchObject({ code: 'invalid_request', details: [{ path: 'questions.0.correct.0' }] });
  });

  test('413 for a body over 64 kB, as a JSON error', async () => {
    const quiz = { ...sampleQuiz(uniqueId('quiz')), title: 'x'.repeat(70 * 1024) };
    const r = await api.createQuiz(quiz);
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('payload_too_large');
  });
});

describe('GET /v1/quizzes/:quizId', () => {
  test('shows the quiz and question states, never the answer key, and no prompt before a question opens', async () => {
    const id = uniqueId('quiz');
    await api.createQuiz(sampleQuiz(id));
    await api.open(id, 'q1');
    const r = await api.request('GET', `/v1/quizzes/${id}`);
    expect(r.status).toBe(200);
    expect(JSON.stringify(r.body)).not.toMatch(/correct/);
    expect(r.body).toMatchObject({ id, status: 'open', closedAt: null });
    const [q1, q2] = r.body.questions;
    expect(q1).toMatchObject({ id: 'q1', state: 'open', prompt: 'Question 1?', choices: [{ id: 'a', text: 'Alpha' }, {}, {}] });
    expect(new Date(q1.closesAt).getTime() - new Date(q1.openedAt).getTime()).toBe(20_000);
    expect(q2).toMatchObject({ id: 'q2', state: 'pending', openedAt: null, closesAt: null, closedAt: null });
    expect(q2.prompt).toBeUndefined();
    expect(q2.choices).toBeUndefined();
  });

  test('404 for an unknown quiz, 400 for a malformed id', async () => {
    const missing = await api.request('GET', `/v1/quizzes/${uniqueId('nope')}`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('quiz_not_found');
    const bad = await api.request('GET', '/v1/quizzes/bad%20id');
    expect(bad.status).toBe(400);
  });

  test('a quiz that was looked up before it existed is found as soon as it is created', async () => {
    const id = uniqueId('quiz');
    expect((await api.request('GET', `/v1/quizzes/${id}`)).status).toBe(404); // remembered as missing for a few seconds
    expect((await api.createQuiz(sampleQuiz(id))).status).toBe(201);
    expect((await api.request('GET', `/v1/quizzes/${id}`)).status).toBe(200);
  });
});

describe('opening and closing questions', () => {
  test('open: 200 with closesAt = openedAt + timeLimitMs, Postgres and Redis updated, QuestionOpened in Kafka without the key', async () => {
    const id = uniqueId('quiz');
    await api.createQuiz(sampleQuiz(id));
    const before = Date.now();
    const r = await api.open(id, 'q2');
    expect(r.status).toBe(200);
    const openedAt = new Date(r.body.openedAt).getTime();
    const closesAt = new Date(r.body.closesAt).getTime();
    expect(openedAt).toBeGreaterThanOrEqual(before);
    expect(closesAt - openedAt).toBe(20_000);

    const { rows } = await pg.query('SELECT opened_at, closes_at FROM questions WHERE quiz_id = $1 AND id = $2', [id, 'q2']);
    expect(rows[0].opened_at.getTime()).toBe(openedAt);
    expect(rows[0].closes_at.getTime()).toBe(closesAt);
    const cached = await ingest.deps.redis.hget(redisKeys.questionState(id), 'q2');
    expect(JSON.parse(cached!)).toEqual({ openedAt, closesAt });

    const [opened] = await reader.waitFor((e) => forQuiz(id)(e) && e.event.type === 'QuestionOpened');
    expect(opened!.event.payload).toEqual({
      eventId: expect.any(String),
      quizId: id,
      questionId: 'q2',
      prompt: 'Question 2?',
      choices: [
        { id: 'a', text: 'Alpha' },
        { id: 'b', text: 'Bravo' },
        { id: 'c', text: 'Charlie' },
      ],
      points: 1000,
      timeLimitMs: 20_000,
      openedAt,
      closesAt,
      type: 'choice',
      multiple: false,
    });
  });

  test('opening an open or closed question is 409; closing a pending or closed one is 409; unknown ids 404', async () => {
    const id = uniqueId('quiz');
    await api.createQuiz(sampleQuiz(id));
    const closePending = await api.close(id, 'q1');
    expect(closePending.status).toBe(409);
    expect(closePending.body.error.code).toBe('question_not_open');
    expect((await api.open(id, 'q1')).status).toBe(200);
    const openAgain = await api.open(id, 'q1');
    expect(openAgain.status).toBe(409);
    expect(openAgain.body.error.code).toBe('question_already_open');

    const closed = await api.close(id, 'q1');
    expect(closed.status).toBe(200);
    expect(new Date(closed.body.closedAt).getTime()).toBeLessThanOrEqual(Date.now());
    expect((await api.close(id, 'q1')).body.error.code).toBe('question_closed');
    const reopen = await api.open(id, 'q1');
    expect(reopen.status).toBe(409);
    expect(reopen.body.error.code).toBe('question_closed');

    expect((await api.open(id, 'q9')).status).toBe(404);
    expect((await api.open(uniqueId('nope'), 'q1')).body.error.code).toBe('quiz_not_found');
    expect((await api.close(id, 'q9')).body.error.code).toBe('question_not_found');
    expect((await api.open(id, 'bad%20id')).status).toBe(400);
    expect((await api.request('POST', `/v1/quizzes/${id}/questions/q2/open`)).status).toBe(401);

    const [closedEvent] = await reader.waitFor((e) => forQuiz(id)(e) && e.event.type === 'QuestionClosed');
    expect(closedEvent!.event.payload).toMatchObject({ quizId: id, questionId: 'q1', closedAt: new Date(closed.body.closedAt).getTime() });
  });

  test('two opens of one question at the same time: exactly one wins', async () => {
    const id = uniqueId('quiz');
    await api.createQuiz(sampleQuiz(id));
    const replies = await Promise.all([api.open(id, 'q1'), api.open(id, 'q1'), api.open(id, 'q1')]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    const opened = await reader.waitFor((e) => forQuiz(id)(e) && e.event.type === 'QuestionOpened');
    await new Promise((r) => setTimeout(r, 500));
    expect(reader.events.filter((e) => forQuiz(id)(e) && e.event.type === 'QuestionOpened')).toHaveLength(opened.length);
    expect(opened).toHaveLength(1);
  });

  test('a question closes by itself once its time limit (plus the produce grace) has passed', async () => {
    const id = uniqueId('quiz');
    await api.createQuiz(sampleQuiz(id, { timeLimitMs: 200 }));
    const opened = await api.open(id, 'q1');
    const closesAt = new Date(opened.body.closesAt).getTime();
    const [closed] = await reader.waitFor((e) => forQuiz(id)(e) && e.event.type === 'QuestionClosed', 1, 10_000);
    expect((closed!.event.payload as { closedAt: number }).closedAt).toBeGreaterThanOrEqual(closesAt + ingest.options.produceTimeoutMs);
    const r = await api.request('GET', `/v1/quizzes/${id}`);
    expect(r.body.questions[0]).toMatchObject({ state: 'closed', closedAt: expect.any(String) });
  });
});

describe('POST /v1/quizzes/:quizId/close', () => {
  test('closes open questions, then the quiz, in that order in Kafka; later joins, answers and opens are refused', async () => {
    const id = uniqueId('quiz');
    await api.createQuiz(sampleQuiz(id));
    await api.open(id, 'q1');
    await api.close(id, 'q1');
    await api.open(id, 'q2');
    const token = await api.token('early', 'Early');
    expect((await api.join(id, token)).status).toBe(201);

    const r = await api.closeQuiz(id);
    expect(r.status).toBe(200);
    expect(r.body.closedQuestions).toEqual(['q2']);
    const closedAt = new Date(r.body.closedAt).getTime();

    const events = await reader.waitFor((e) => forQuiz(id)(e) && e.event.type === 'QuizClosed');
    const all = reader.events.filter(forQuiz(id));
    expect(new Set(all.map((e) => e.partition)).size).toBe(1); // one quiz, one partition, one order
    expect(all.map((e) => `${e.event.type}:${(e.event.payload as { questionId?: string }).questionId ?? ''}`)).toEqual([
      'QuestionOpened:q1',
      'QuestionClosed:q1',
      'QuestionOpened:q2',
      'PlayerJoined:',
      'QuestionClosed:q2',
      'QuizClosed:',
    ]);
    expect(events[0]!.event.payload).toMatchObject({ quizId: id, closedAt });

    const { rows } = await pg.query('SELECT status, closed_at FROM quizzes WHERE id = $1', [id]);
    expect(rows[0]).toMatchObject({ status: 'closed' });
    expect(rows[0].closed_at.getTime()).toBe(closedAt);

    const late = await api.token('late', 'Late');
    const join = await api.join(id, late);
    expect(join.status).toBe(422);
    expect(join.body.error.code).toBe('quiz_closed');
    const answer = await api.answer(id, token, { questionId: 'q2', choiceId: 'a' });
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe('quiz_closed');
    expect((await api.open(id, 'q3')).body.error.code).toBe('quiz_closed');
    const again = await api.closeQuiz(id);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('quiz_closed');
    expect((await api.closeQuiz(uniqueId('nope'))).status).toBe(404);
    expect((await api.request('POST', `/v1/quizzes/${id}/close`)).status).toBe(401);

    const view = await api.request('GET', `/v1/quizzes/${id}`);
    expect(view.body).toMatchObject({ status: 'closed', closedAt: r.body.closedAt });
    expect(view.body.questions.map((q: { state: string }) => q.state)).toEqual(['closed', 'closed', 'pending']);
  });
});

describe('the cache can be rebuilt from Postgres', () => {
  test('with every ingest key of a quiz gone from Redis, reads, joins and answers still work', async () => {
    const id = uniqueId('quiz');
    await api.createQuiz(sampleQuiz(id));
    await api.open(id, 'q1');
    const token = await api.token('rebuild-1', 'Re');
    expect((await api.join(id, token)).status).toBe(201);
    expect((await pg.query('SELECT display_name FROM players WHERE quiz_id = $1', [id])).rows).toEqual([{ display_name: 'Re' }]);

    const redis = createRedis(testConfig.redis, 'test');
    onCleanup(() => redis.quit());
    const wipe = () =>
      redis.del(redisKeys.quizMeta(id), redisKeys.questionState(id), redisKeys.joined(id), redisKeys.answered(id, 'q1'), redisKeys.answered(id, 'q2'));
    await wipe();

    const view = await api.request('GET', `/v1/quizzes/${id}`);
    expect(view.status).toBe(200);
    expect(view.body.questions[0].state).toBe('open');
    await wipe();
    // Joined is known from Postgres: 202, not 403.
    const answer = await api.answer(id, token, { questionId: 'q1', choiceId: 'b' });
    expect(answer.status).toBe(202);
    await wipe();
    const rejoin = await api.join(id, token, 'Other name');
    expect(rejoin.status).toBe(200);
    expect(rejoin.body.displayName).toBe('Re');
    await wipe();
    expect((await api.answer(id, token, { questionId: 'q2', choiceId: 'b' })).body.error.code).toBe('question_not_open');
    expect(await redis.exists(redisKeys.quizMeta(id))).toBe(1); // refilled by the reads
  });
});
