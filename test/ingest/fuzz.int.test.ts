import '../helpers/cleanup';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { DEV_ISSUER } from '../../common/tokens';
import { uniqueId } from '../helpers/ids';
import { startTestIngest, type TestIngest } from '../helpers/ingest-app';
import { IngestClient, sampleQuiz } from '../helpers/ingest-client';
import { testConfig } from '../helpers/stack';

// Throws thousands of malformed (and some well-formed) requests at every route of a real ingest:
// random ids, headers, content types, encodings and bodies. Whatever comes in, the answer is a
// JSON error with a 4xx status, or a success; never a 5xx, never a crash, never a hang.

// A time limit for a hang, not a speed: 5,000 requests take about 13 s on a quiet machine and over a
// minute with other suites and benches on its two cores.
jest.setTimeout(300_000);

const RUNS = 5_000;

let ingest: TestIngest;
let api: IngestClient;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

// Players play in quizIds; admin routes get their own quizzes, or the run would close the players'
// quizzes within its first hundred requests and every later answer would be a 422.
const live = { quizIds: [] as string[], adminQuizIds: [] as string[], joined: '', stranger: '', expired: '', fresh: [] as string[] };

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  ingest = await startTestIngest();
  api = new IngestClient(ingest.url);
  for (const pool of [live.quizIds, live.adminQuizIds]) {
    for (let i = 0; i < 3; i++) {
      const quizId = uniqueId('fuzz');
      await api.createQuiz(sampleQuiz(quizId, { timeLimitMs: 600_000 }));
      await api.open(quizId, 'q1');
      pool.push(quizId);
    }
  }
  live.joined = await api.token(uniqueId('p'), 'Fuzzy');
  for (const quizId of live.quizIds) await api.join(quizId, live.joined);
  live.stranger = await api.token(uniqueId('p'), 'Stranger');
  // Players who have not joined yet: the run joins them (201) and lets them answer (202).
  for (let i = 0; i < 20; i++) live.fresh.push(await api.token(uniqueId('p'), `Fresh ${i}`));
  live.expired = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('p1')
    .setIssuer(DEV_ISSUER)
    .setExpirationTime(Math.floor(Date.now() / 1000) - 10)
    .sign(new TextEncoder().encode(testConfig.auth.jwtSecret));
});

afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});

const ROUTES: Array<[string, string]> = [
  ['POST', '/v1/auth/dev-token'],
  ['POST', '/v1/quizzes'],
  ['GET', '/v1/quizzes/{quizId}'],
  ['POST', '/v1/quizzes/{quizId}/close'],
  ['POST', '/v1/quizzes/{quizId}/questions/{questionId}/open'],
  ['POST', '/v1/quizzes/{quizId}/questions/{questionId}/close'],
  ['POST', '/v1/quizzes/{quizId}/players'],
  ['POST', '/v1/quizzes/{quizId}/answers'],
];

const printable = fc.string({ unit: 'grapheme-ascii', maxLength: 80 });
const nasty = fc.constantFrom(
  '%', '%zz', '%00', '%2F', '%2e%2e', '..', '.', '%C0%AF', '%E0%A4%A', '%FF', 'a'.repeat(65), '__proto__', 'constructor',
  'toString', 'hasOwnProperty', '%F0%9F%92%A5', '{q}', '*', '(', ':quizId', '%20', '%0A', 'q1%00', '-', '_',
);
const idLike = fc.oneof(
  { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/) },
  { weight: 2, arbitrary: fc.constantFrom('q1', 'q2', 'a', 'b', 'z', '__proto__', 'constructor') },
  { weight: 2, arbitrary: fc.string({ maxLength: 70 }) },
  { weight: 1, arbitrary: fc.constant('') },
);
/** A path segment: a live quiz id, a plausible id, or something that should never parse. */
const segment = fc.oneof(
  { weight: 3, arbitrary: fc.constant('LIVE') },
  { weight: 3, arbitrary: idLike.map((s) => encodeURIComponent(s)) },
  { weight: 2, arbitrary: nasty },
);
const anyJson = fc.jsonValue({ maxDepth: 3 });
const loose = fc.oneof(anyJson, idLike, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));

const bodies = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: anyJson.map((v) => JSON.stringify(v)) },
  { weight: 2, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.constantFrom('{', '{"a":', '[1,2', '"unterminated', '\u0000', '{"questionId":"q1",}', 'null', '1e999') },
  {
    weight: 4,
    arbitrary: fc
      .record({ questionId: fc.oneof(idLike, loose), choiceId: fc.oneof(idLike, loose), answerId: fc.oneof(idLike, loose) }, { requiredKeys: [] })
      .map((v) => JSON.stringify(v)),
  },
  {
    // Well-formed answers and joins, so the run also gets past validation to the stateful checks.
    weight: 5,
    arbitrary: fc
      .record(
        { questionId: fc.constantFrom('q1', 'q2', 'q3'), choiceId: fc.constantFrom('a', 'b', 'c'), answerId: idLike, displayName: fc.string({ maxLength: 12 }) },
        { requiredKeys: ['questionId', 'choiceId'] },
      )
      .map((v) => JSON.stringify(v)),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ displayName: fc.oneof(fc.string({ maxLength: 50 }), loose), playerId: fc.oneof(idLike, loose) }, { requiredKeys: [] })
      .map((v) => JSON.stringify(v)),
  },
  {
    weight: 3,
    arbitrary: fc
      .record(
        {
          id: fc.oneof(idLike, loose),
          title: fc.oneof(fc.string({ maxLength: 30 }), loose),
          questions: fc.oneof(
            loose,
            fc.array(
              fc.record(
                {
                  id: fc.oneof(idLike, loose),
                  prompt: fc.oneof(fc.string({ maxLength: 30 }), loose),
                  choices: fc.oneof(loose, fc.array(fc.record({ id: fc.oneof(idLike, loose), text: fc.oneof(fc.string({ maxLength: 20 }), loose) }), { maxLength: 4 })),
                  correct: fc.oneof(loose, fc.array(fc.oneof(idLike, loose), { maxLength: 3 })),
                  points: fc.oneof(fc.integer(), fc.double(), loose),
                  timeLimitMs: fc.oneof(fc.integer(), fc.double(), loose),
                },
                { requiredKeys: [] },
              ),
              { maxLength: 4 },
            ),
          ),
        },
        { requiredKeys: [] },
      )
      .map((v) => JSON.stringify(v)),
  },
);

const authorization = fc.oneof(
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom('JOINED', 'STRANGER', 'EXPIRED') },
  { weight: 4, arbitrary: fc.nat(19).map((i) => `FRESH${i}`) },
  { weight: 1, arbitrary: printable.map((s) => `Bearer ${s}`) },
  { weight: 1, arbitrary: printable },
  {
    weight: 1,
    arbitrary: fc.constantFrom('Bearer', 'Bearer ', 'bearer  x.y.z', 'Basic dXNlcjpwYXNz', 'Bearer a.b.c', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJwMSJ9.'),
  },
);
const adminKey = fc.oneof(fc.constant(undefined), fc.constant('ADMIN'), printable);
const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=latin1',
    'application/json; charset=utf-16',
    'application/merge-patch+json',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
  ),
  printable,
  fc.constant(undefined),
);
const contentEncoding = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'compress', 'x-unknown') },
);
const extraHeaders = fc.dictionary(
  fc.constantFrom('x-request-id', 'x-forwarded-for', 'accept', 'accept-encoding', 'if-none-match', 'range', 'origin', 'cookie'),
  printable,
  { maxKeys: 3 },
);

const request = fc.record({
  route: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...ROUTES) },
    { weight: 2, arbitrary: fc.constant(ROUTES[6]!) }, // join
    { weight: 3, arbitrary: fc.constant(ROUTES[7]!) }, // answer
  ),
  method: fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD') }),
  quizId: segment,
  questionId: segment,
  query: fc.oneof({ weight: 5, arbitrary: fc.constant('') }, { weight: 1, arbitrary: printable.map((q) => `?${encodeURIComponent(q)}=${encodeURIComponent(q)}`) }),
  body: bodies,
  authorization,
  adminKey,
  contentType,
  contentEncoding,
  extraHeaders,
});

test(`${RUNS} random requests across every route: never a 5xx, always a JSON error for a 4xx`, async () => {
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(request, fc.nat(2), async (r, quizIndex) => {
      const adminRoute = r.route[1].endsWith('/open') || r.route[1].endsWith('/close');
      const quizId = r.quizId === 'LIVE' ? (adminRoute ? live.adminQuizIds : live.quizIds)[quizIndex]! : r.quizId;
      const questionId = r.questionId === 'LIVE' ? 'q1' : r.questionId;
      const method = r.method ?? r.route[0];
      const path = r.route[1].replace('{quizId}', quizId).replace('{questionId}', questionId) + r.query;
      const headers: Record<string, string> = { ...r.extraHeaders };
      if (r.contentType) headers['content-type'] = r.contentType;
      if (r.contentEncoding) headers['content-encoding'] = r.contentEncoding;
      const tokens = new Map([
        ['JOINED', live.joined],
        ['STRANGER', live.stranger],
        ['EXPIRED', live.expired],
        ...live.fresh.map((t, i) => [`FRESH${i}`, t] as [string, string]),
      ]);
      if (r.authorization) headers.authorization = tokens.has(r.authorization) ? `Bearer ${tokens.get(r.authorization)}` : r.authorization;
      if (r.adminKey) headers['x-admin-key'] = r.adminKey === 'ADMIN' ? testConfig.auth.adminKey : r.adminKey;
      const withBody = r.body !== undefined && method !== 'GET' && method !== 'HEAD';
      const reply = await api.request(method, path, { rawBody: withBody ? r.body : undefined, headers });
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
      expect(reply.status).toBeLessThan(500);
      if (reply.status >= 400 && method !== 'HEAD') {
        expect(reply.body).toEqual({ error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }) });
      }
    }),
    { numRuns: RUNS, endOnFailure: true },
  );
  // The run reached past validation, not only the front door.
  const seen = [...statuses.keys()];
  expect(seen).toEqual(expect.arrayContaining([200, 201, 202, 400, 401, 403, 404, 409, 422]));
});

test('the server is still healthy afterwards and nothing was left unhandled', async () => {
  expect((await api.request('GET', '/healthz')).status).toBe(200);
  expect((await api.request('GET', '/readyz')).status).toBe(200);
  expect(unhandled).toEqual([]);
});
