import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { UnavailableError } from '../../common/errors';
import { EventCodec, readSchemaFile } from '../../common/registry';

// The registry client against stand-in registries on loopback: one that accepts connections and
// never answers (the call must fail, not hang) and one that counts lookups.

const sockets: Socket[] = [];
const silent = createServer((socket) => sockets.push(socket));

beforeAll(() => new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve)));
// In afterAll, not after the await: a codec without a timeout would leave the test pending forever.
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

test('a registry request that never gets an answer is tried three times, then fails with UnavailableError', async () => {
  const { port } = silent.address() as AddressInfo;
  const codec = new EventCodec(`http://127.0.0.1:${port}`, 'silent.', 200);
  const failure = await codec.encode('silent.quiz.events', 'QuizClosed', { eventId: 'e', quizId: 'q', closedAt: 0 }).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(failure).toBeInstanceOf(UnavailableError);
  expect((failure as Error).message).toMatch(/timeout/i);
  // Each attempt waits on a connection of its own: the one before it is still open, unanswered.
  expect(sockets.length).toBe(3);
});

test('a burst of first encodes for one subject asks the registry for its id once', async () => {
  const schema = readSchemaFile('QuizClosed');
  const latestLookups: string[] = [];
  const registry = createHttpServer((req, res) => {
    // Slow enough that every encode of the burst starts before the first answer.
    setTimeout(() => {
      res.setHeader('content-type', 'application/vnd.schemaregistry.v1+json');
      if (req.url?.endsWith('/versions/latest')) {
        latestLookups.push(req.url);
        res.end(JSON.stringify({ subject: 'x', version: 1, id: 7, schema }));
      } else if (req.url === '/schemas/ids/7') {
        res.end(JSON.stringify({ schema }));
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify({ error_code: 40401, message: 'not found' }));
      }
    }, 100);
  });
  await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = registry.address() as AddressInfo;
    const codec = new EventCodec(`http://127.0.0.1:${port}`, 'burst.');
    const encoded = await Promise.all(
      Array.from({ length: 200 }, (_, i) => codec.encode('burst.quiz.events', 'QuizClosed', { eventId: `e${i}`, quizId: 'q', closedAt: i })),
    );
    expect(encoded).toHaveLength(200);
    expect(encoded.every((b) => b.readInt32BE(1) === 7)).toBe(true);
    expect(latestLookups).toHaveLength(1);
  } finally {
    registry.closeAllConnections();
    await new Promise((resolve) => registry.close(resolve));
  }
});
