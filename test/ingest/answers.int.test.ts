import '../helpers/cleanup';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { parse } from 'yaml';
import { Pool } from 'pg';
import { readSchemaFile, subjectFor } from '../../common/codec';
import { redisKeys } from '../../common/redis';
import { DEV_ISSUER } from '../../common/tokens';
import { loadIngestOptions } from '../../ingest/options';
import { onCleanup } from '../helpers/cleanup';
import { uniqueId } from '../helpers/ids';
import { startTestIngest, type TestIngest } from '../helpers/ingest-app';
import { IngestClient, sampleQuiz } from '../helpers/ingest-client';
import { forQuiz, readQuizEvents } from '../helpers/ingest-kafka';
import { testConfig } from '../helpers/stack';

jest.setTimeout(30_000);

let ingest: TestIngest;
let api: IngestClient;
let reader: Awaited<ReturnType<typeof readQuizEvents>>;

beforeAll(async () => {
  ingest = await startTestIngest();
  api = new IngestClient(ingest.url);
  reader = await readQuizEvents(ingest.codec);
});

/** A quiz with q1 open and a joined player. */
async function liveQuiz(opts: { timeLimitMs?: number } = {}) {
  const quizId = uniqueId('quiz');
  expect((await api.createQuiz(sampleQuiz(quizId, opts))).status).toBe(201);
  expect((await api.open(quizId, 'q1')).status).toBe(200);
  const playerId = uniqueId('p');
  const token = await api.token(playerId, 'Ann');
  expect((await api.join(quizId, token)).status).toBe(201);
  return { quizId, playerId, token };
}

describe('POST /v1/auth/dev-token', () => {
  test('200 with a token and its expiry; 400 for bad input', async () => {
    const r = await api.request('POST', '/v1/auth/dev-token', { body: { playerId: 'p1', displayName: 'Ann' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ token: expect.any(String), playerId: 'p1' });
    const hours = (new Date(r.body.expiresAt).getTime() - Date.now()) / 3600_000;
    expect(hours).toBeGreaterThan(11.9);
    expect(hours).toBeLessThanOrEqual(12);
    for (const body of [{ playerId: 'p 1', displayName: 'Ann' }, { playerId: 'p1' }, { playerId: 'p1', displayName: '\u0000' }]) {
      expect((await api.request('POST', '/v1/auth/dev-token', { body })).status).toBe(400);
    }
  });
});

describe('POST /v1/quizzes/:quizId/players', () => {
  test('201 on the first join with PlayerJoined in Kafka; 200 with the original name on a repeat', async () => {
    const quizId = uniqueId('quiz');
    await api.createQuiz(sampleQuiz(quizId));
    const playerId = uniqueId('p');
    const token = await api.token(playerId, 'From token');
    const first = await api.join(quizId, token, '  Ann  ');
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ quizId, playerId, displayName: 'Ann', joinedAt: expect.any(String) });
    const again = await api.join(quizId, token, 'Bob');
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ quizId, playerId, displayName: 'Ann' });

    const [joined] = await reader.waitFor((e) => forQuiz(quizId)(e) && e.event.type === 'PlayerJoined');
    expect(joined!.event.payload).toEqual({
      eventId: expect.any(String),
      quizId,
      playerId,
      displayName: 'Ann',
      joinedAt: new Date(first.body.joinedAt).getTime(),
    });
  });

  test("the display name defaults to the token's name", async () => {
    const quizId = uniqueId('quiz');
    await api.createQuiz(sampleQuiz(quizId));
    const r = await api.join(quizId, await api.token(uniqueId('p'), 'Zoë'));
    expect(r.status).toBe(201);
    expect(r.body.displayName).toBe('Zoë');
  });

  test('401 without a token, with an expired one, or one signed with another key; 404 unknown quiz; 400 bad name', async () => {
    const quizId = uniqueId('quiz');
    await api.createQuiz(sampleQuiz(quizId));
    const none = await api.request('POST', `/v1/quizzes/${quizId}/players`, { body: { displayName: 'Ann' } });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');

    const now = Math.floor(Date.now() / 1000);
    const secret = new TextEncoder().encode(testConfig.auth.jwtSecret);
    const expired = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('p1').setIssuer(DEV_ISSUER).setExpirationTime(now - 5).sign(secret);
    const e = await api.join(quizId, expired, 'Ann');
    expect(e.status).toBe(401);
    expect(e.body.error.code).toBe('token_expired');

    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('p1')
      .setIssuer(DEV_ISSUER)
      .setExpirationTime(now + 60)
      .sign(new TextEncoder().encode('not-our-secret-but-long-enough-for-hs256!!'));
    const f = await api.join(quizId, forged, 'Ann');
    expect(f.status).toBe(401);
    expect(f.body.error.code).toBe('invalid_token');
    expect((await api.request('POST', `/v1/quizzes/${quizId}/players`, { headers: { authorization: 'Basic abc' }, body: {} })).status).toBe(401);

    const token = await api.token(uniqueId('p'), 'Ann');
    expect((await api.join(uniqueId('nope'), token, 'Ann')).status).toBe(404);
    expect((await api.join(quizId, token, 'a\nb')).status).toBe(400);
    expect((await api.join(quizId, token, 'x'.repeat(41))).status).toBe(400);
  });
});

describe('POST /v1/quizzes/:quizId/answers', () => {
  test('202 only once the answer is in Kafka: it reads back and decodes with the registered schema', async () => {
    const { quizId, playerId, token } = await liveQuiz();
    const before = Date.now();
    const r = await api.answer(quizId, token, { questionId: 'q1', choiceId: 'b' });
    const after = Date.now();
    expect(r.status).toBe(202);
    expect(r.body.answerId).toMatch(/^[0-9a-f-]{36}$/);

    const [read] = await reader.waitFor((e) => forQuiz(quizId)(e) && e.event.type === 'AnswerSubmitted');
    expect(read!.key).toBe(quizId);
    expect(read!.event.payload).toEqual({ answerId: r.body.answerId, quizId, questionId: 'q1', playerId, choiceId: 'b', choiceIds: ['b'], text: null, acceptedAt: expect.any(Number) });
    const { acceptedAt } = read!.event.payload as { acceptedAt: number };
    expect(acceptedAt).toBeGreaterThanOrEqual(before);
    expect(acceptedAt).toBeLessThanOrEqual(after);

    // The message names the id the registry gives our AnswerSubmitted schema file under its subject.
    const res = await fetch(`${testConfig.registry.url}/subjects/${encodeURIComponent(subjectFor('AnswerSubmitted'))}`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: readSchemaFile('AnswerSubmitted') }),
    });
    const { id } = (await res.json()) as { id: number };
    expect(read!.value.readUInt8(0)).toBe(0);
    expect(read!.value.readInt32BE(1)).toBe(id);
  });

  test('a client answerId is kept; a retry with it is 202 with the same id and writes nothing new', async () => {
    const { quizId, token } = await liveQuiz();
    const answerId = uniqueId('ans');
    const first = await api.answer(quizId, token, { questionId: 'q1', choiceId: 'a', answerId });
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ answerId });
    const retry = await api.answer(quizId, token, { questionId: 'q1', choiceId: 'a', answerId });
    expect(retry.status).toBe(202);
    expect(retry.body).toEqual({ answerId });
    await reader.waitFor((e) => forQuiz(quizId)(e) && e.event.type === 'AnswerSubmitted');
    await new Promise((r) => setTimeout(r, 500));
    expect(reader.events.filter((e) => forQuiz(quizId)(e) && e.event.type === 'AnswerSubmitted')).toHaveLength(1);
  });

  test('409 for a second answer to the same question; the first one stands', async () => {
    const { quizId, token } = await liveQuiz();
    const first = await api.answer(quizId, token, { questionId: 'q1', choiceId: 'a' });
    expect(first.status).toBe(202);
    const second = await api.answer(quizId, token, { questionId: 'q1', choiceId: 'b' });
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({ code: 'already_answered', details: { answerId: first.body.answerId } });
  });

  test('concurrent answers from one player: exactly one 202', async () => {
    const { quizId, token } = await liveQuiz();
    const replies = await Promise.all(['a', 'b', 'c', 'a', 'b'].map((choiceId) => api.answer(quizId, token, { questionId: 'q1', choiceId })));
    expect(replies.map((r) => r.status).sort()).toEqual([202, 409, 409, 409, 409]);
  });

  test('the same answerId sent twice at once: one write to Kafka, and every reply is 202 or 409 answer_pending', async () => {
    const { quizId, token } = await liveQuiz();
    const answerId = uniqueId('ans');
    const replies = await Promise.all([1, 2, 3].map(() => api.answer(quizId, token, { questionId: 'q1', choiceId: 'c', answerId })));
    expect(replies.filter((r) => r.status === 202).length).toBeGreaterThanOrEqual(1);
    for (const r of replies.filter((x) => x.status !== 202)) expect(r).toMatchObject({ status: 409, body: { error: { code: 'answer_pending' } } });
    await reader.waitFor((e) => forQuiz(quizId)(e) && e.event.type === 'AnswerSubmitted');
    await new Promise((r) => setTimeout(r, 500));
    expect(reader.events.filter((e) => forQuiz(quizId)(e) && e.event.type === 'AnswerSubmitted')).toHaveLength(1);
    expect((await api.answer(quizId, token, { questionId: 'q1', choiceId: 'c', answerId })).status).toBe(202);
  });

  test('a claim left behind by a request that died is taken over once stale; a fresh one is respected', async () => {
    const { quizId, playerId, token } = await liveQuiz();
    const key = redisKeys.answered(quizId, 'q1');
    await ingest.deps.redis.hset(key, playerId, `p|${Date.now()}|someone-elses-write`);
    const blocked = await api.answer(quizId, token, { questionId: 'q1', choiceId: 'a' });
    expect(blocked.status).toBe(409);
    expect(blocked.body.error.code).toBe('already_answered');
    await ingest.deps.redis.hset(key, playerId, `p|${Date.now() - 60_000}|someone-elses-write`);
    const taken = await api.answer(quizId, token, { questionId: 'q1', choiceId: 'a' });
    expect(taken.status).toBe(202);
    expect(await ingest.deps.redis.hget(key, playerId)).toBe(`a|${taken.body.answerId}`);
  });

  test('403 for a player who has not joined', async () => {
    const { quizId } = await liveQuiz();
    const stranger = await api.token(uniqueId('p'), 'Stranger');
    const r = await api.answer(quizId, stranger, { questionId: 'q1', choiceId: 'a' });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('not_joined');
  });

  test('404 for an unknown quiz or question; 400 for an unknown choice or a malformed body', async () => {
    const { quizId, token } = await liveQuiz();
    const noQuiz = await api.answer(uniqueId('nope'), token, { questionId: 'q1', choiceId: 'a' });
    expect(noQuiz.status).toBe(404);
    expect(noQuiz.body.error.code).toBe('quiz_not_found');
    const noQuestion = await api.answer(quizId, token, { questionId: 'q9', choiceId: 'a' });
    expect(noQuestion.status).toBe(404);
    expect(noQuestion.body.error.code).toBe('question_not_found');
    expect((await api.answer(quizId, token, { questionId: 'q1', choiceId: 'z' })).status).toBe(400);
    for (const body of [{}, { questionId: 'q1' }, { questionId: 'q1', choiceId: 'a', answerId: 'has space' }, { questionId: ['q1'], choiceId: 'a' }]) {
      const r = await api.answer(quizId, token, body);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('invalid_request');
    }
  });

  test('choice ids cannot be probed: before the player may answer, an existing and a missing choice get the same reply', async () => {
    const { quizId, token } = await liveQuiz();
    const probe = async (who: string, questionId: string, choiceId: string) => {
      const r = await api.answer(quizId, who, { questionId, choiceId });
      return `${r.status} ${r.body.error?.code ?? ''}`;
    };
    // A player who never joined learns only that: for a pending question and for the open one.
    const stranger = await api.token(uniqueId('p'), 'Stranger');
    for (const questionId of ['q2', 'q1']) {
      expect([await probe(stranger, questionId, 'a'), await probe(stranger, questionId, 'zz')]).toEqual(['403 not_joined', '403 not_joined']);
    }
    // A joined player learns nothing about a question that has not been opened.
    expect([await probe(token, 'q2', 'a'), await probe(token, 'q2', 'zz')]).toEqual(['422 question_not_open', '422 question_not_open']);
    // Once the question is open its choices are public, and a missing one is a 400.
    expect(await probe(token, 'q1', 'zz')).toBe('400 invalid_request');
  });

  test('422 for a question that is not open yet, is closed, or whose time ran out', async () => {
    const { quizId, token } = await liveQuiz({ timeLimitMs: 300 });
    const pending = await api.answer(quizId, token, { questionId: 'q2', choiceId: 'a' });
    expect(pending.status).toBe(422);
    expect(pending.body.error).toMatchObject({ code: 'question_not_open', details: { state: 'pending' } });

    await new Promise((r) => setTimeout(r, 400)); // q1's 300 ms are over; nobody closed it yet
    const late = await api.answer(quizId, token, { questionId: 'q1', choiceId: 'a' });
    expect(late.status).toBe(422);
    expect(late.body.error).toMatchObject({ code: 'question_not_open', details: { state: 'closed' } });

    await api.open(quizId, 'q2');
    await api.close(quizId, 'q2');
    const closed = await api.answer(quizId, token, { questionId: 'q2', choiceId: 'a' });
    expect(closed.status).toBe(422);
    expect(closed.body.error.code).toBe('question_not_open');
  });

  test('415 for a body that is not JSON, on every POST, instead of judging the request without it', async () => {
    const quizId = uniqueId('quiz');
    await api.createQuiz(sampleQuiz(quizId));
    const token = await api.token(uniqueId('p'), 'From token');
    const posts = [
      { path: `/v1/quizzes/${quizId}/players`, token, rawBody: 'displayName=Ann', type: 'text/plain' },
      { path: `/v1/quizzes/${quizId}/players`, token, rawBody: 'displayName=Ann', type: 'application/x-www-form-urlencoded' },
      { path: `/v1/quizzes/${quizId}/answers`, token, rawBody: 'questionId=q1&choiceId=a', type: 'application/x-www-form-urlencoded' },
      { path: '/v1/auth/dev-token', rawBody: '{"playerId":"p1","displayName":"Ann"}', type: 'text/plain' },
      { path: '/v1/quizzes', adminKey: 'dev-admin-key', rawBody: JSON.stringify(sampleQuiz(uniqueId('quiz'))), type: 'text/plain' },
      { path: `/v1/quizzes/${quizId}/questions/q1/open`, adminKey: 'dev-admin-key', rawBody: '{}', type: 'application/xml' },
    ];
    for (const { path, type, ...rest } of posts) {
      const r = await api.request('POST', path, { ...rest, headers: { 'content-type': type } });
      expect({ path, type, status: r.status, code: r.body.error?.code }).toEqual({ path, type, status: 415, code: 'unsupported_media_type' });
    }
    const charset = await api.request('POST', `/v1/quizzes/${quizId}/players`, { token, rawBody: '{}', headers: { 'content-type': 'application/json; charset=latin1' } });
    expect([charset.status, charset.body.error.code]).toEqual([415, 'unsupported_media_type']);
    // The name in the refused body was not dropped in favour of the token's: nobody joined.
    const joined = await api.join(quizId, token, 'Ann');
    expect([joined.status, joined.body.displayName]).toEqual([201, 'Ann']);
    // A POST without a body needs no content type (open, close), and JSON with a charset is fine.
    expect((await api.request('POST', `/v1/quizzes/${quizId}/questions/q1/open`, { adminKey: 'dev-admin-key' })).status).toBe(200);
    const utf8 = await api.request('POST', '/v1/auth/dev-token', { rawBody: '{"playerId":"p1","displayName":"Ann"}', headers: { 'content-type': 'application/json; charset=utf-8' } });
    expect(utf8.status).toBe(200);
  });

  test('413 for an oversized answer body', async () => {
    const { quizId, token } = await liveQuiz();
    const r = await api.answer(quizId, token, { questionId: 'q1', choiceId: 'a', padding: 'x'.repeat(65 * 1024) });
    expect(r.status).toBe(413);
  });
});

describe('rate limits', () => {
  test('429 with Retry-After once a player exceeds the per-player limit; other players are unaffected', async () => {
    const limited = await startTestIngest({
      options: (o) => ({ ...o, rateLimit: { ...o.rateLimit, player: { max: 3, windowMs: 10_000 } } }),
    });
    const client = new IngestClient(limited.url);
    const quizId = uniqueId('quiz');
    await client.createQuiz(sampleQuiz(quizId));
    const token = await client.token(uniqueId('p'), 'Ann');
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 5; i++) {
      last = await client.join(quizId, token);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([201, 200, 200, 429, 429]);
    expect(last!.body.error.code).toBe('rate_limited');
    const retryAfter = Number(last!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(10);
    expect((await client.join(quizId, await client.token(uniqueId('p'), 'Bob'))).status).toBe(201);
  });

  test('429 once one client address exceeds the per-IP limit, on any /v1 route', async () => {
    const limited = await startTestIngest({
      options: (o) => ({ ...o, rateLimit: { ...o.rateLimit, ip: { max: 4, windowMs: 10_000 } } }),
    });
    const client = new IngestClient(limited.url);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await client.request('GET', `/v1/quizzes/${uniqueId('nope')}`)).status);
    expect(statuses).toEqual([404, 404, 404, 404, 429, 429]);
    const blocked = await client.request('POST', '/v1/auth/dev-token', { body: { playerId: 'p1', displayName: 'Ann' } });
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBeTruthy();
    expect((await client.request('GET', '/healthz')).status).toBe(200); // operational routes are not limited
  });
});

describe('behind the load balancer (the shipped Kubernetes settings)', () => {
  test('a client cannot pick its own rate-limit key by writing X-Forwarded-For', async () => {
    const config = parse(readFileSync(join(__dirname, '..', '..', 'infra', 'k8s', 'config.yaml'), 'utf8')) as { data: Record<string, string> };
    const shipped = loadIngestOptions({ INGEST_TRUST_PROXY: config.data.INGEST_TRUST_PROXY });
    const limited = await startTestIngest({
      options: (o) => ({ ...o, trustProxy: shipped.trustProxy, rateLimit: { ...o.rateLimit, ip: { max: 3, windowMs: 10_000 } } }),
    });
    const client = new IngestClient(limited.url);
    // What the balancer forwards: whatever the client wrote, then the address it really came from.
    const from = (client: string, spoofed: string) => ({ headers: { 'x-forwarded-for': `${spoofed}, ${client}` } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await client.request('GET', `/v1/quizzes/${uniqueId('nope')}`, from('203.0.113.7', `198.51.100.${i}`))).status);
    }
    expect(statuses).toEqual([404, 404, 404, 429, 429]);
    // Another real client behind the same balancer has its own count.
    expect((await client.request('GET', `/v1/quizzes/${uniqueId('nope')}`, from('203.0.113.8', '203.0.113.7'))).status).toBe(404);
  });
});

describe('when Kafka cannot take the answer', () => {
  test('503 with Retry-After within the produce timeout, and the duplicate marker is released so a retry succeeds', async () => {
    const { quizId, playerId, token } = await liveQuiz();
    // Same Redis, Postgres and topics; a broker address where nothing listens.
    const broken = await startTestIngest({
      config: (c) => ({ ...c, kafka: { ...c.kafka, brokers: ['127.0.0.1:1'] } }),
    });
    const brokenApi = new IngestClient(broken.url);
    const answerId = uniqueId('ans');
    const r = await brokenApi.answer(quizId, token, { questionId: 'q1', choiceId: 'b', answerId });
    expect(r.status).toBe(503);
    expect(r.ms).toBeLessThan(2_500);
    expect(r.body.error.code).toBe('kafka_unavailable');
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await ingest.deps.redis.hget(redisKeys.answered(quizId, 'q1'), playerId)).toBeNull();

    const retry = await api.answer(quizId, token, { questionId: 'q1', choiceId: 'b', answerId });
    expect(retry.status).toBe(202);
    expect(retry.body).toEqual({ answerId });
  });
});

describe('Postgres copy of joins', () => {
  test('ingest records the join in players so it survives a Redis restart before the processors catch up', async () => {
    const { quizId, playerId } = await liveQuiz();
    const pg = new Pool({ connectionString: testConfig.postgres.url, max: 1 });
    onCleanup(() => pg.end());
    const { rows } = await pg.query('SELECT display_name FROM players WHERE quiz_id = $1 AND player_id = $2', [quizId, playerId]);
    expect(rows).toEqual([{ display_name: 'Ann' }]);
  });
});
