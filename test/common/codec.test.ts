import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { UnavailableError } from '../../common/errors';
import { EVENT_TYPES, EventCodec, readSchemaFile, subjectFor } from '../../common/codec';

// The registry client against stand-in registries on loopback, each recording what it was asked.

const quizClosed = { eventId: 'e', quizId: 'q', closedAt: 0 };
const schema = readSchemaFile('QuizClosed');
const codecs: EventCodec[] = [];
const servers: Array<{ close(cb: () => void): void; closeAllConnections?: () => void }> = [];

function codecFor(port: number, options: ConstructorParameters<typeof EventCodec>[2] = {}): EventCodec {
  const codec = new EventCodec(`http://127.0.0.1:${port}`, 'stand-in.', { maxRetryDelayMs: 50, ...options });
  codecs.push(codec);
  return codec;
}

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

/** A stand-in registry; `handle` answers (or does not answer) each request. */
async function standIn(handle: Handler): Promise<{ port: number; requests: string[] }> {
  const requests: string[] = [];
  const server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url}`);
      res.setHeader('content-type', 'application/vnd.schemaregistry.v1+json');
      handle(req, body, res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, requests };
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.statusCode = status;
  res.end(JSON.stringify(body));
};

afterEach(async () => {
  for (const c of codecs.splice(0)) c.close();
  for (const s of servers.splice(0)) {
    s.closeAllConnections?.();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

test('a registry that never answers makes a lookup fail with UnavailableError at its deadline, after several attempts', async () => {
  const sockets: Socket[] = [];
  const silent = createServer((socket) => sockets.push(socket));
  servers.push({ close: (cb) => silent.close(cb), closeAllConnections: () => sockets.forEach((s) => s.destroy()) });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const codec = codecFor((silent.address() as AddressInfo).port, { requestTimeoutMs: 200, callDeadlineMs: 2_000 });

  const started = Date.now();
  const failure = await codec.encode('stand-in.quiz.events', 'QuizClosed', quizClosed).then(() => undefined, (err: unknown) => err);

  expect(failure).toBeInstanceOf(UnavailableError);
  expect((failure as Error).message).toMatch(/timeout/i);
  expect(Date.now() - started).toBeGreaterThanOrEqual(1_800);
  // Ends at its deadline, not after one more attempt or never; slack for timers firing late on a
  // loaded machine (3 s was exceeded once there).
  expect(Date.now() - started).toBeLessThan(10_000);
  // Each attempt waits on a connection of its own: the one before it is still open, unanswered.
  // (About eight attempts fit in the deadline on an idle machine; timers late under load leave
  // fewer: once only two of three fit in a 1 s deadline.)
  expect(sockets.length).toBeGreaterThanOrEqual(3);
});

test('a registration whose answer never comes is tried again (the client library retries only GETs)', async () => {
  let registrations = 0;
  const { port, requests } = await standIn((req, _body, res) => {
    if (req.method === 'POST' && req.url?.endsWith('/versions')) {
      if (req.url === `/subjects/${subjectFor('QuizClosed')}/versions` && ++registrations === 1) return; // swallowed: the first answer is lost
      return json(res, 200, { id: 11 });
    }
    if (req.method === 'GET' && req.url === `/schemas/ids/11`) return json(res, 200, { schema });
    if (req.url?.startsWith('/config/')) return json(res, req.method === 'GET' ? 404 : 200, req.method === 'GET' ? { error_code: 40401, message: 'no config' } : { compatibility: 'BACKWARD' });
    // Nothing is registered yet: every lookup is a 404.
    return json(res, 404, { error_code: 40403, message: 'Schema not found' });
  });
  const codec = codecFor(port, { requestTimeoutMs: 300 });

  const registered = await codec.registerAll();

  expect(registrations).toBeGreaterThanOrEqual(2);
  expect(registered.find((r) => r.subject === subjectFor('QuizClosed'))?.id).toBe(11);
  expect(requests.filter((r) => r.startsWith('POST /subjects/') && r.endsWith('/versions')).length).toBeGreaterThanOrEqual(10);
});

test('registerAll against a registry that already has every schema only reads', async () => {
  const { port, requests } = await standIn((req, body, res) => {
    if (req.method === 'POST' && /^\/subjects\/[^/]+$/.test(req.url ?? '')) {
      // The lookup by content: every schema file is known, with id 100 + its length (stable per file).
      const sent = (JSON.parse(body) as { schema: string }).schema;
      return json(res, 200, { subject: 'x', version: 1, id: 100 + sent.length, schema: sent });
    }
    if (req.method === 'GET' && req.url?.startsWith('/schemas/ids/')) return json(res, 200, { schema });
    return json(res, 500, { message: `unexpected ${req.method} ${req.url}` });
  });
  const codec = codecFor(port);

  const registered = await codec.registerAll();

  expect(registered).toHaveLength(EVENT_TYPES.length);
  expect(requests.every((r) => r.startsWith('GET ') || /^POST \/subjects\/[^/]+$/.test(r))).toBe(true);
});

test('a 4xx from the registry is final: no retry', async () => {
  const { port, requests } = await standIn((_req, _body, res) => json(res, 401, { error_code: 401, message: 'unauthorized' }));
  const codec = codecFor(port);

  await expect(codec.encode('stand-in.quiz.events', 'QuizClosed', quizClosed)).rejects.toThrow(/unauthorized/);

  expect(requests).toHaveLength(1);
});

test('a schema that migrate never registered is reported as such', async () => {
  const { port } = await standIn((_req, _body, res) => json(res, 404, { error_code: 40401, message: 'Subject not found' }));
  const codec = codecFor(port);

  await expect(codec.encode('stand-in.quiz.events', 'QuizClosed', quizClosed)).rejects.toThrow(/npm run migrate/);
});

test('encode refuses a record type on a topic that does not carry it', async () => {
  const codec = codecFor(1);
  await expect(codec.encode('stand-in.quiz.snapshots', 'QuizClosed', quizClosed)).rejects.toThrow(/not a record of topic/);
});

test('a burst of first encodes for one type asks the registry for its id once', async () => {
  const { port, requests } = await standIn((req, _body, res) => {
    // Slow enough that every encode of the burst starts before the first answer.
    setTimeout(() => {
      if (req.method === 'POST' && req.url === `/subjects/${subjectFor('QuizClosed')}`) return json(res, 200, { subject: 'x', version: 1, id: 7, schema });
      if (req.url === '/schemas/ids/7') return json(res, 200, { schema });
      json(res, 404, { error_code: 40401, message: 'not found' });
    }, 100);
  });
  const codec = codecFor(port);

  const encoded = await Promise.all(
    Array.from({ length: 200 }, (_, i) => codec.encode('stand-in.quiz.events', 'QuizClosed', { eventId: `e${i}`, quizId: 'q', closedAt: i })),
  );

  expect(encoded.every((b) => b.readInt32BE(1) === 7)).toBe(true);
  expect(requests.filter((r) => r.startsWith('POST '))).toHaveLength(1);
});
