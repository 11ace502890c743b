import { createServer, type AddressInfo, type Socket } from 'node:net';
import { UnavailableError } from '../../common/errors';
import { EventCodec } from '../../common/registry';

// A registry that accepts the connection and never answers must fail the call, not hang it.

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
