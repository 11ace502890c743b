import '../helpers/cleanup';
import { openApiDocument } from '../../ingest/openapi';
import { uniqueId } from '../helpers/ids';
import { documentedRoutes as documentedOf, registeredRoutes, type OpenApiDoc } from '../helpers/openapi-routes';
import { startIngestWithoutRedis, startTestIngest, type TestIngest } from '../helpers/ingest-app';
import { IngestClient, sampleQuiz, type Reply } from '../helpers/ingest-client';
import { stackClients } from '../helpers/stack';

// Keeps /openapi.json true: the app registers exactly the documented routes, and for every
// documented (route, status) there is a request below that gets exactly that status, and no
// scenario here gets a status the document does not list.

jest.setTimeout(45_000);

const doc = openApiDocument({ devTokens: true }) as unknown as OpenApiDoc;
const documentedRoutes = (): string[] => documentedOf(doc);

const { pg } = stackClients();

/** What a processor records when it applies a question's close (none runs in this file). */
async function markReleased(quizId: string, questionId: string): Promise<void> {
  await pg.query('INSERT INTO released_questions (quiz_id, question_id) VALUES ($1, $2)', [quizId, questionId]);
}

let ingest: TestIngest;
let api: IngestClient;
let limitedApi: IngestClient;
let brokenApi: IngestClient;

beforeAll(async () => {
  ingest = await startTestIngest();
  api = new IngestClient(ingest.url);
  // One request per minute per address: the second request to any route is a 429.
  const limited = await startTestIngest({ options: (o) => ({ ...o, rateLimit: { ...o.rateLimit, ip: { max: 1, windowMs: 60_000 } } }) });
  limitedApi = new IngestClient(limited.url);
  await limitedApi.request('GET', `/v1/quizzes/${uniqueId('warmup')}`);
  // Redis where nothing listens: every /v1 route and /readyz answer 503.
  const broken = await startIngestWithoutRedis();
  brokenApi = new IngestClient(broken.url);
});

test('the app registers exactly the documented routes (dev mode)', () => {
  expect(registeredRoutes(ingest.app)).toEqual(documentedRoutes());
});

test('in jwks mode the dev-token route is neither registered nor documented', async () => {
  const jwks = await startTestIngest({
    config: (c) => ({ ...c, auth: { ...c.auth, mode: 'jwks', jwksUrl: 'http://127.0.0.1:1/jwks.json' } }),
  });
  const jwksDoc = openApiDocument({ devTokens: false }) as unknown as OpenApiDoc;
  expect(jwksDoc.paths['/v1/auth/dev-token']).toBeUndefined();
  expect(registeredRoutes(jwks.app)).not.toContain('POST /v1/auth/dev-token');
  expect(registeredRoutes(jwks.app)).toHaveLength(documentedRoutes().length - 1);
  expect((await new IngestClient(jwks.url).request('GET', '/openapi.json')).body.paths['/v1/auth/dev-token']).toBeUndefined();
});

describe('every documented status is produced by a real request', () => {
  type Scenario = () => Promise<Reply>;
  const big = { padding: 'x'.repeat(70 * 1024) };
  const latin1 = { 'content-type': 'application/json; charset=latin1' };

  async function fixture() {
    const quizId = uniqueId('quiz');
    await api.createQuiz(sampleQuiz(quizId));
    const playerId = uniqueId('p');
    const token = await api.token(playerId, 'Ann');
    return { quizId, playerId, token };
  }

  /** A joined player. */
  async function joined() {
    const f = await fixture();
    await api.join(f.quizId, f.token);
    return f;
  }

  /** A closed quiz whose one opened question the processors have released. */
  async function finished() {
    const { quizId } = await joined();
    await api.open(quizId, 'q1');
    await api.closeQuiz(quizId);
    await markReleased(quizId, 'q1');
    return quizId;
  }

  /** What every /v1 route shares: 429 from the limited app, 503 from the one without Redis. */
  function common(method: string, path: () => Promise<string>, body?: unknown): Record<string, Scenario> {
    // Getters: the clients exist only once beforeAll has run.
    const send = (client: () => IngestClient) => async () => client().request(method, await path(), { body });
    const out: Record<string, Scenario> = { '429': send(() => limitedApi), '503': send(() => brokenApi) };
    if (method === 'POST') {
      out['413'] = async () => api.request(method, await path(), { body: big });
      out['415'] = async () => api.request(method, await path(), { rawBody: '{}', headers: latin1 });
    }
    return out;
  }

  const scenarios: Record<string, Record<string, Scenario>> = {
    'GET /healthz': { '200': () => api.request('GET', '/healthz') },
    'GET /readyz': { '200': () => api.request('GET', '/readyz'), '503': () => brokenApi.request('GET', '/readyz') },
    'GET /openapi.json': { '200': () => api.request('GET', '/openapi.json') },
    'POST /v1/auth/dev-token': {
      '200': () => api.request('POST', '/v1/auth/dev-token', { body: { playerId: 'p1', displayName: 'Ann' } }),
      '400': () => api.request('POST', '/v1/auth/dev-token', { body: { playerId: 'p1' } }),
      ...common('POST', async () => '/v1/auth/dev-token', { playerId: 'p1', displayName: 'Ann' }),
    },
    'POST /v1/quizzes': {
      '201': () => api.createQuiz(sampleQuiz(uniqueId('quiz'))),
      '400': () => api.createQuiz({ title: 'no questions', questions: [] }),
      '401': () => api.request('POST', '/v1/quizzes', { body: sampleQuiz(uniqueId('quiz')) }),
      '409': async () => {
        const quiz = sampleQuiz(uniqueId('quiz'));
        await api.createQuiz(quiz);
        return api.createQuiz(quiz);
      },
      ...common('POST', async () => '/v1/quizzes', sampleQuiz(uniqueId('quiz'))),
    },
    'GET /v1/quizzes/{quizId}': {
      '200': async () => api.request('GET', `/v1/quizzes/${(await fixture()).quizId}`),
      '400': () => api.request('GET', '/v1/quizzes/bad%20id'),
      '404': () => api.request('GET', `/v1/quizzes/${uniqueId('nope')}`),
      ...common('GET', async () => `/v1/quizzes/${uniqueId('quiz')}`),
    },
    'POST /v1/quizzes/{quizId}/close': {
      '200': async () => api.closeQuiz((await fixture()).quizId),
      '400': () => api.closeQuiz('bad%20id'),
      '401': async () => api.request('POST', `/v1/quizzes/${(await fixture()).quizId}/close`),
      '404': () => api.closeQuiz(uniqueId('nope')),
      '409': async () => {
        const { quizId } = await fixture();
        await api.closeQuiz(quizId);
        return api.closeQuiz(quizId);
      },
      ...common('POST', async () => `/v1/quizzes/${uniqueId('quiz')}/close`),
    },
    'POST /v1/quizzes/{quizId}/questions/{questionId}/open': {
      '200': async () => api.open((await fixture()).quizId, 'q1'),
      '400': () => api.open('bad%20id', 'q1'),
      '401': async () => api.request('POST', `/v1/quizzes/${(await fixture()).quizId}/questions/q1/open`),
      '404': async () => api.open((await fixture()).quizId, 'q9'),
      '409': async () => {
        const { quizId } = await fixture();
        await api.open(quizId, 'q1');
        return api.open(quizId, 'q1');
      },
      ...common('POST', async () => `/v1/quizzes/${uniqueId('quiz')}/questions/q1/open`),
    },
    'POST /v1/quizzes/{quizId}/questions/{questionId}/close': {
      '200': async () => {
        const { quizId } = await fixture();
        await api.open(quizId, 'q1');
        return api.close(quizId, 'q1');
      },
      '400': () => api.close('q', 'bad%20id'),
      '401': async () => api.request('POST', `/v1/quizzes/${(await fixture()).quizId}/questions/q1/close`),
      '404': () => api.close(uniqueId('nope'), 'q1'),
      '409': async () => api.close((await fixture()).quizId, 'q1'),
      ...common('POST', async () => `/v1/quizzes/${uniqueId('quiz')}/questions/q1/close`),
    },
    'POST /v1/quizzes/{quizId}/players': {
      '200': async () => {
        const { quizId, token } = await fixture();
        await api.join(quizId, token);
        return api.join(quizId, token);
      },
      '201': async () => {
        const { quizId, token } = await fixture();
        return api.join(quizId, token);
      },
      '400': async () => {
        const { quizId, token } = await fixture();
        return api.join(quizId, token, '');
      },
      '401': async () => api.request('POST', `/v1/quizzes/${(await fixture()).quizId}/players`, { body: {} }),
      '403': async () => {
        const { quizId, playerId, token } = await joined();
        await api.admin('DELETE', `/v1/quizzes/${quizId}/players/${playerId}`);
        return api.join(quizId, token);
      },
      '404': async () => api.join(uniqueId('nope'), (await fixture()).token),
      '409': async () => {
        const { quizId, token } = await fixture();
        await api.join(quizId, token, 'Ann');
        return api.join(quizId, await api.token(uniqueId('p'), 'Bob'), 'ann');
      },
      '422': async () => {
        const { quizId, token } = await fixture();
        await api.closeQuiz(quizId);
        return api.join(quizId, token);
      },
      ...common('POST', async () => `/v1/quizzes/${uniqueId('quiz')}/players`, {}),
    },
    'POST /v1/quizzes/{quizId}/answers': {
      '202': async () => {
        const { quizId, token } = await fixture();
        await api.open(quizId, 'q1');
        await api.join(quizId, token);
        return api.answer(quizId, token, { questionId: 'q1', choiceId: 'a' });
      },
      '400': async () => api.answer(uniqueId('quiz'), (await fixture()).token, { questionId: 'q1' }),
      '401': () => api.request('POST', `/v1/quizzes/${uniqueId('quiz')}/answers`, { body: { questionId: 'q1', choiceId: 'a' } }),
      '403': async () => {
        const { quizId, token } = await fixture();
        await api.open(quizId, 'q1');
        return api.answer(quizId, token, { questionId: 'q1', choiceId: 'a' });
      },
      '404': async () => api.answer(uniqueId('nope'), (await fixture()).token, { questionId: 'q1', choiceId: 'a' }),
      '409': async () => {
        const { quizId, token } = await fixture();
        await api.open(quizId, 'q1');
        await api.join(quizId, token);
        await api.answer(quizId, token, { questionId: 'q1', choiceId: 'a' });
        return api.answer(quizId, token, { questionId: 'q1', choiceId: 'b' });
      },
      '422': async () => {
        const { quizId, token } = await fixture();
        await api.join(quizId, token);
        return api.answer(quizId, token, { questionId: 'q1', choiceId: 'a' });
      },
      ...common('POST', async () => `/v1/quizzes/${uniqueId('quiz')}/answers`, { questionId: 'q1', choiceId: 'a' }),
    },
    'DELETE /v1/quizzes/{quizId}/players/{playerId}': {
      '200': async () => {
        const { quizId, playerId } = await joined();
        return api.admin('DELETE', `/v1/quizzes/${quizId}/players/${playerId}`);
      },
      '400': () => api.admin('DELETE', '/v1/quizzes/q/players/bad%20id'),
      '401': async () => {
        const { quizId, playerId } = await joined();
        return api.request('DELETE', `/v1/quizzes/${quizId}/players/${playerId}`);
      },
      '404': async () => api.admin('DELETE', `/v1/quizzes/${(await fixture()).quizId}/players/${uniqueId('never-joined')}`),
      '409': async () => {
        const { quizId, playerId } = await joined();
        await api.closeQuiz(quizId);
        return api.admin('DELETE', `/v1/quizzes/${quizId}/players/${playerId}`);
      },
      ...common('DELETE', async () => `/v1/quizzes/${uniqueId('quiz')}/players/p1`),
    },
    'GET /v1/pins/{pin}': {
      '200': async () => {
        const created = await api.createQuiz(sampleQuiz(uniqueId('quiz')));
        return api.request('GET', `/v1/pins/${created.body.pin}`);
      },
      '400': () => api.request('GET', '/v1/pins/12345'),
      '404': async () => {
        const created = await api.createQuiz(sampleQuiz(uniqueId('quiz')));
        await api.closeQuiz(created.body.id);
        return api.request('GET', `/v1/pins/${created.body.pin}`);
      },
      ...common('GET', async () => '/v1/pins/123456'),
    },
    'POST /v1/quizzes/{quizId}/pin': {
      '200': async () => api.admin('POST', `/v1/quizzes/${(await fixture()).quizId}/pin`),
      '400': () => api.admin('POST', '/v1/quizzes/bad%20id/pin'),
      '401': async () => api.request('POST', `/v1/quizzes/${(await fixture()).quizId}/pin`),
      '404': () => api.admin('POST', `/v1/quizzes/${uniqueId('nope')}/pin`),
      '409': async () => {
        const { quizId } = await fixture();
        await api.closeQuiz(quizId);
        return api.admin('POST', `/v1/quizzes/${quizId}/pin`);
      },
      ...common('POST', async () => `/v1/quizzes/${uniqueId('quiz')}/pin`),
    },
    'GET /v1/quizzes/{quizId}/questions/{questionId}/reveal': {
      '200': async () => api.request('GET', `/v1/quizzes/${await finished()}/questions/q1/reveal`),
      '400': () => api.request('GET', '/v1/quizzes/q/questions/bad%20id/reveal'),
      '404': async () => api.request('GET', `/v1/quizzes/${(await fixture()).quizId}/questions/q9/reveal`),
      '409': async () => {
        const { quizId } = await fixture();
        await api.open(quizId, 'q1');
        return api.request('GET', `/v1/quizzes/${quizId}/questions/q1/reveal`);
      },
      ...common('GET', async () => `/v1/quizzes/${uniqueId('quiz')}/questions/q1/reveal`),
    },
    ...Object.fromEntries(
      ['results.csv', 'questions.csv'].map((file) => [
        `GET /v1/quizzes/{quizId}/${file}`,
        {
          '200': async () => api.admin('GET', `/v1/quizzes/${await finished()}/${file}`),
          '400': () => api.admin('GET', `/v1/quizzes/bad%20id/${file}`),
          '401': async () => api.request('GET', `/v1/quizzes/${await finished()}/${file}`),
          '404': () => api.admin('GET', `/v1/quizzes/${uniqueId('nope')}/${file}`),
          '409': async () => api.admin('GET', `/v1/quizzes/${(await fixture()).quizId}/${file}`),
          ...common('GET', async () => `/v1/quizzes/${uniqueId('quiz')}/${file}`),
        },
      ]),
    ),
  };

  test('there is a scenario for each documented (route, status) and no other', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).flatMap(([method, op]) => Object.keys(op.responses).map((s) => `${method.toUpperCase()} ${path} ${s}`)),
    );
    const covered = Object.entries(scenarios).flatMap(([route, byStatus]) => Object.keys(byStatus).map((s) => `${route} ${s}`));
    expect(covered.sort()).toEqual(documented.sort());
  });

  const cases = Object.entries(scenarios).flatMap(([route, byStatus]) =>
    Object.entries(byStatus).map(([status, run]) => [route, status, run] as const),
  );
  test.each(cases)('%s answers %s', async (route, status, run) => {
    const reply = await run();
    expect(reply.status).toBe(Number(status));
    if (reply.status >= 400 && route.includes(' /v1/')) {
      expect(reply.body).toEqual({ error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }) });
    }
    if (route.includes(' /v1/') && (status === '429' || status === '503')) {
      expect(Number(reply.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
  });
});
