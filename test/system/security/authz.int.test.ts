import { SignJWT } from 'jose';
import { DEV_ISSUER } from '../../../common/tokens';
import { connectSse } from '../../helpers/sse-client';
import { uniqueId } from '../../helpers/ids';
import { startTestIngest, type TestIngest } from '../../helpers/ingest-app';
import { IngestClient, sampleQuiz } from '../../helpers/ingest-client';
import { startTestPush, type TestPush } from '../../helpers/push-app';
import { testConfig } from '../../helpers/stack';

// Who may do what: a player acts only as the subject of a valid token (never as someone else, not
// with an expired, wrongly signed or tampered token), only the admin key reaches admin routes,
// and oversized bodies are refused with 413 before anything is parsed. Against the real stack.

jest.setTimeout(180_000);

let ingest: TestIngest;
let push: TestPush;
let api: IngestClient;
const quizId = uniqueId('authz');
const secret = new TextEncoder().encode(testConfig.auth.jwtSecret);

async function token(sub: string, opts: { exp?: number; key?: Uint8Array; issuer?: string; alg?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ name: sub })
    .setProtectedHeader({ alg: opts.alg ?? 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt(now - 120)
    .setExpirationTime(opts.exp ?? now + 600)
    .setIssuer(opts.issuer ?? DEV_ISSUER)
    .sign(opts.key ?? secret);
}

/** A token whose payload was edited after signing (the signature is the original one). */
function tampered(jwt: string, sub: string): string {
  const [h, p, s] = jwt.split('.') as [string, string, string];
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
  payload.sub = sub;
  return `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
}

function unsigned(sub: string): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ sub, iss: DEV_ISSUER, iat: now, exp: now + 600 })}.`;
}

beforeAll(async () => {
  ingest = await startTestIngest();
  push = await startTestPush();
  api = new IngestClient(ingest.url);
  expect((await api.createQuiz(sampleQuiz(quizId))).status).toBe(201);
  expect((await api.open(quizId, 'q1')).status).toBe(200);
});

describe('players act only as themselves', () => {
  it('a join naming another player joins the token subject, never the other', async () => {
    const alice = await api.token(uniqueId('alice'));
    const bob = uniqueId('bob');
    const r = await api.request('POST', `/v1/quizzes/${quizId}/players`, { token: alice, body: { displayName: 'Alice', playerId: bob } });
    // Unknown fields are either refused or ignored; either way bob is not joined.
    expect([200, 201, 400]).toContain(r.status);
    const asBob = await api.answer(quizId, await api.token(bob), { questionId: 'q1', choiceId: 'a' });
    expect(asBob.status).toBe(403);
    expect(asBob.body.error.code).toBe('not_joined');
  });

  it('an answer naming another player is refused or counted for the token subject only', async () => {
    const carol = uniqueId('carol');
    const dave = uniqueId('dave');
    const carolToken = await api.token(carol);
    const daveToken = await api.token(dave);
    expect((await api.join(quizId, carolToken, 'Carol')).status).toBe(201);
    expect((await api.join(quizId, daveToken, 'Dave')).status).toBe(201);
    const r = await api.answer(quizId, carolToken, { questionId: 'q1', choiceId: 'b', playerId: dave });
    expect([202, 400]).toContain(r.status);
    // Dave has not answered: his own first answer is accepted, not a 409 duplicate.
    expect((await api.answer(quizId, daveToken, { questionId: 'q1', choiceId: 'a' })).status).toBe(202);
    if (r.status === 202) expect((await api.answer(quizId, carolToken, { questionId: 'q1', choiceId: 'c' })).status).toBe(409);
  });

  it('a player reusing another player\'s answerId cannot change that player\'s answer', async () => {
    const erin = uniqueId('erin');
    const frank = uniqueId('frank');
    const erinToken = await api.token(erin);
    const frankToken = await api.token(frank);
    await api.join(quizId, erinToken);
    await api.join(quizId, frankToken);
    const answerId = uniqueId('ans');
    expect((await api.answer(quizId, erinToken, { questionId: 'q1', choiceId: 'b', answerId })).status).toBe(202);
    const stolen = await api.answer(quizId, frankToken, { questionId: 'q1', choiceId: 'a', answerId });
    // Frank's request is at most his own answer (answerId is an idempotency token per player and
    // question; Postgres, Redis and ClickHouse all key a scored answer by quiz, question and player).
    expect([202, 409]).toContain(stolen.status);
    const again = await api.answer(quizId, erinToken, { questionId: 'q1', choiceId: 'c', answerId: uniqueId('ans') });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('already_answered');
  });
});

describe('tokens', () => {
  const cases: Array<[string, () => Promise<string>]> = [
    ['expired', () => token('mallory', { exp: Math.floor(Date.now() / 1000) - 60 })],
    ['signed with another secret', () => token('mallory', { key: new TextEncoder().encode('not-the-secret-0123456789-abcdefghijkl') })],
    ['from another issuer', () => token('mallory', { issuer: 'someone-else' })],
    ['tampered (subject changed after signing)', async () => tampered(await token('mallory'), 'victim')],
    ['unsigned (alg none)', async () => unsigned('mallory')],
    ['garbage', async () => 'not.a.jwt'],
  ];

  it.each(cases)('an %s token gets 401 on join and answer', async (_name, make) => {
    const bad = await make();
    const join = await api.join(quizId, bad, 'Mallory');
    expect(join.status).toBe(401);
    expect(join.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const answer = await api.answer(quizId, bad, { questionId: 'q1', choiceId: 'a' });
    expect(answer.status).toBe(401);
  });

  it.each(cases)('an %s token cannot open a personal stream', async (_name, make) => {
    const bad = await make();
    for (const url of [`${push.url}/v1/quizzes/${quizId}/me/stream?token=${encodeURIComponent(bad)}`]) {
      const viaQuery = await connectSse(url);
      expect(viaQuery.status).toBe(401);
      viaQuery.close();
    }
    const viaHeader = await connectSse(`${push.url}/v1/quizzes/${quizId}/me/stream`, { headers: { Authorization: `Bearer ${bad}` } });
    expect(viaHeader.status).toBe(401);
    viaHeader.close();
  });

  it('no token at all: 401 everywhere a player is needed', async () => {
    expect((await api.request('POST', `/v1/quizzes/${quizId}/players`, { body: {} })).status).toBe(401);
    expect((await api.request('POST', `/v1/quizzes/${quizId}/answers`, { body: { questionId: 'q1', choiceId: 'a' } })).status).toBe(401);
    const s = await connectSse(`${push.url}/v1/quizzes/${quizId}/me/stream`);
    expect(s.status).toBe(401);
    s.close();
  });
});

describe('admin routes', () => {
  const routes = (id: string): Array<[string, string, unknown]> => [
    ['POST', '/v1/quizzes', sampleQuiz(id)],
    ['POST', `/v1/quizzes/${quizId}/questions/q2/open`, undefined],
    ['POST', `/v1/quizzes/${quizId}/questions/q1/close`, undefined],
    ['POST', `/v1/quizzes/${quizId}/close`, undefined],
  ];

  it('refuse no key, a wrong key, a key in the wrong place and a player token', async () => {
    const playerToken = await api.token(uniqueId('eve'));
    const attempts: Array<{ headers?: Record<string, string>; token?: string }> = [
      {},
      { headers: { 'x-admin-key': 'wrong-key-0123456789' } },
      { headers: { 'x-admin-key': `${testConfig.auth.adminKey}x` } },
      { headers: { authorization: `Bearer ${testConfig.auth.adminKey}` } },
      { token: playerToken },
    ];
    for (const [method, path, body] of routes(uniqueId('authzadm'))) {
      for (const a of attempts) {
        const r = await api.request(method, path, { body: body ?? {}, ...a });
        expect({ path, status: r.status }).toEqual({ path, status: 401 });
      }
    }
    // Nothing changed: q2 is still pending, q1 still open.
    const quiz = await api.request('GET', `/v1/quizzes/${quizId}`);
    const states = Object.fromEntries(quiz.body.questions.map((q: { id: string; state: string }) => [q.id, q.state]));
    expect(states).toMatchObject({ q1: 'open', q2: 'pending' });
  });
});

describe('body size limit', () => {
  const big = 'x'.repeat(70 * 1024);

  it('answers 413 above the limit on every route that takes a body', async () => {
    const t = await api.token(uniqueId('big'));
    const cases: Array<{ path: string; token?: string; adminKey?: string; body: unknown }> = [
      { path: '/v1/auth/dev-token', body: { playerId: 'p1', displayName: big } },
      { path: '/v1/quizzes', adminKey: testConfig.auth.adminKey, body: { ...sampleQuiz(uniqueId('big')), title: big } },
      { path: `/v1/quizzes/${quizId}/players`, token: t, body: { displayName: big } },
      { path: `/v1/quizzes/${quizId}/answers`, token: t, body: { questionId: 'q1', choiceId: 'a', pad: big } },
      { path: `/v1/quizzes/${quizId}/questions/q2/open`, adminKey: testConfig.auth.adminKey, body: { pad: big } },
    ];
    for (const c of cases) {
      const r = await api.request('POST', c.path, { body: c.body, token: c.token, adminKey: c.adminKey });
      expect({ path: c.path, status: r.status, code: r.body?.error?.code !== undefined }).toEqual({ path: c.path, status: 413, code: true });
    }
  });
});
