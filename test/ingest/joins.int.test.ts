import '../helpers/cleanup';
import { Pool } from 'pg';
import { nameKey } from '../../ingest/display-names';
import { onCleanup } from '../helpers/cleanup';
import { uniqueId } from '../helpers/ids';
import { startTestIngest, type TestIngest } from '../helpers/ingest-app';
import { IngestClient, sampleQuiz, type Reply } from '../helpers/ingest-client';
import { forQuiz, readQuizEvents } from '../helpers/ingest-kafka';
import { testConfig } from '../helpers/stack';

// Display names and the first join, against two ingest instances sharing the real Redis, Postgres
// and Kafka (design.md, "Players"): names are normalized, visible, 1-24 characters, unique within
// a quiz after normalization, not profane; a player's first join is claimed once, atomically,
// whichever instance each of its requests reaches.

jest.setTimeout(60_000);

let a: TestIngest;
let b: TestIngest;
let api: IngestClient;
let other: IngestClient;
let reader: Awaited<ReturnType<typeof readQuizEvents>>;
const pg = new Pool({ connectionString: testConfig.postgres.url, max: 1 });
onCleanup(() => pg.end());

beforeAll(async () => {
  // Many requests from few players: the per-player limit is not what these tests are about.
  const options = (o: TestIngest['options']) => ({ ...o, rateLimit: { ...o.rateLimit, player: { max: 10_000, windowMs: 1_000 } } });
  [a, b] = await Promise.all([startTestIngest({ options }), startTestIngest({ options })]);
  api = new IngestClient(a.url);
  other = new IngestClient(b.url);
  reader = await readQuizEvents(a.codec);
});

async function newQuiz(): Promise<string> {
  const quizId = uniqueId('quiz');
  expect((await api.createQuiz(sampleQuiz(quizId))).status).toBe(201);
  return quizId;
}

const summary = (r: Reply) => `${r.status} ${r.body.error?.code ?? r.body.displayName}`;

/** Every PlayerJoined of the quiz written so far: an admin event written after them fences the read. */
async function joinEvents(quizId: string): Promise<Array<{ playerId: string; displayName: string }>> {
  expect((await api.open(quizId, 'q3')).status).toBe(200);
  await reader.waitFor((e) => forQuiz(quizId)(e) && e.event.type === 'QuestionOpened');
  return reader.events
    .filter((e) => forQuiz(quizId)(e) && e.event.type === 'PlayerJoined')
    .map((e) => e.event.payload as { playerId: string; displayName: string });
}

describe('display names', () => {
  test.each([
    ['zero-width spaces only', '\u200B\u200B\u200B'],
    ['Hangul fillers only', '\u3164\u3164'],
    ['Braille blanks only', '\u2800\u2800\u2800'],
    ['format characters and spaces', ' \u200D \u2060 \uFEFF '],
    ['25 characters', 'x'.repeat(25)],
    ['40 characters', 'y'.repeat(40)],
  ])('400 for a name with no visible character or too long: %s', async (_what, name) => {
    const quizId = await newQuiz();
    const r = await api.join(quizId, await api.token(uniqueId('p')), name);
    expect([r.status, r.body.error?.code]).toEqual([400, 'invalid_request']);
  });

  test('names are NFC-normalized, stripped of format characters and trimmed; 24 characters fit', async () => {
    const quizId = await newQuiz();
    const join = async (name: string) => (await api.join(quizId, await api.token(uniqueId('p')), name)).body.displayName;
    expect(await join('  Zoe\u0308\u200B  ')).toBe('Zo\u00EB');
    expect(await join('z'.repeat(24))).toBe('z'.repeat(24));
    expect(await join('👨‍👩‍👧 family')).toBe('👨‍👩‍👧 family'); // joiners between emoji stay
  });

  test('409 name_taken, with a free suggestion, for a name another player has, compared after normalization', async () => {
    const quizId = await newQuiz();
    expect((await api.join(quizId, await api.token(uniqueId('p')), 'Alice')).status).toBe(201);
    for (const lookAlike of ['Alice', 'Alice\u200B', ' Alice ', 'Al\u00ADice', 'ALICE', 'Ａｌｉｃｅ', 'Alice\u3164']) {
      const r = await other.join(quizId, await api.token(uniqueId('p')), lookAlike);
      expect({ lookAlike, status: r.status, code: r.body.error?.code }).toEqual({ lookAlike, status: 409, code: 'name_taken' });
      // A variant of the name as the player typed it, which is free.
      expect(nameKey(r.body.error.details.suggestion)).toBe('alice 2');
    }
    expect((await api.join(quizId, await api.token(uniqueId('p')), 'Alice 2')).status).toBe(201);
    const next = await api.join(quizId, await api.token(uniqueId('p')), 'Alice');
    expect(next.body.error.details).toEqual({ suggestion: 'Alice 3' });
    // Another quiz has its own names.
    expect((await api.join(await newQuiz(), await api.token(uniqueId('p')), 'Alice')).status).toBe(201);
  });

  test('422 name_rejected for a profane name, plain or disguised; ordinary names that contain such letters pass', async () => {
    const quizId = await newQuiz();
    for (const name of ['fuck', 'FuCk you', 'sh1t', 'f\u200Buck']) {
      const r = await api.join(quizId, await api.token(uniqueId('p')), name);
      expect({ name, status: r.status, code: r.body.error?.code }).toEqual({ name, status: 422, code: 'name_rejected' });
    }
    for (const name of ['Scunthorpe', 'Cassandra', 'Dickens fan']) {
      expect({ name, status: (await api.join(quizId, await api.token(uniqueId('p')), name)).status }).toEqual({ name, status: 201 });
    }
  });

  test("the token's name claim goes through the same rules", async () => {
    const quizId = await newQuiz();
    const long = await api.request('POST', '/v1/auth/dev-token', { body: { playerId: uniqueId('p'), displayName: 'n'.repeat(25) } });
    expect(long.status).toBe(400);
    expect((await api.join(quizId, await api.token(uniqueId('p'), 'Bob\u200B'))).body.displayName).toBe('Bob');
    const taken = await api.join(quizId, await api.token(uniqueId('p'), 'bob'));
    expect([taken.status, taken.body.error?.code]).toEqual([409, 'name_taken']);
  });
});

describe('the first join of a player', () => {
  test('ten concurrent first joins over two instances: one 201, one name, one PlayerJoined', async () => {
    const quizId = await newQuiz();
    const playerId = uniqueId('p');
    const token = await api.token(playerId);
    const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? other : api).join(quizId, token, `Name ${i}`)));
    const created = replies.filter((r) => r.status === 201);
    expect(created).toHaveLength(1);
    const name = created[0]!.body.displayName as string;
    // The others saw the first join, finished or still being written; none joined under another name.
    for (const r of replies.filter((x) => x.status !== 201)) expect(summary(r)).toMatch(new RegExp(`^(200 ${name}|409 join_pending)$`));
    expect(summary(await other.join(quizId, token, 'Something else'))).toBe(`200 ${name}`);
    expect(await joinEvents(quizId)).toEqual([expect.objectContaining({ playerId, displayName: name })]);
    const row = await pg.query('SELECT display_name FROM players WHERE quiz_id = $1 AND player_id = $2', [quizId, playerId]);
    expect(row.rows).toEqual([{ display_name: name }]);
  });

  test('ten players claiming one name at once over two instances: one gets it, nine get 409 name_taken', async () => {
    const quizId = await newQuiz();
    const tokens = await Promise.all(Array.from({ length: 10 }, () => api.token(uniqueId('p'))));
    const replies = await Promise.all(tokens.map((t, i) => (i % 2 ? other : api).join(quizId, t, i % 3 ? 'Robin' : 'robin ')));
    expect(replies.map((r) => r.status).sort()).toEqual([201, ...Array(9).fill(409)]);
    expect(new Set(replies.filter((r) => r.status === 409).map((r) => r.body.error.code))).toEqual(new Set(['name_taken']));
    const events = await joinEvents(quizId);
    expect(events).toHaveLength(1);
  });

  test('a join whose Kafka write failed keeps its claim: the retry gets the first name, and the name stays taken', async () => {
    const quizId = await newQuiz();
    const broken = await startTestIngest({ config: (c) => ({ ...c, kafka: { ...c.kafka, brokers: ['127.0.0.1:1'] } }) });
    const token = await api.token(uniqueId('p'));
    const failed = await new IngestClient(broken.url).join(quizId, token, 'Kim');
    expect([failed.status, failed.body.error?.code]).toEqual([503, 'kafka_unavailable']);
    const stranger = await api.join(quizId, await api.token(uniqueId('p')), 'Kim');
    expect([stranger.status, stranger.body.error?.code]).toEqual([409, 'name_taken']);
    expect(summary(await api.join(quizId, token, 'Kimberly'))).toBe('201 Kim');
  });

  test('after Redis lost the join state, names already taken are known again (rebuilt from Postgres)', async () => {
    const quizId = await newQuiz();
    const first = await api.token(uniqueId('p'));
    expect((await api.join(quizId, first, 'Sam')).status).toBe(201);
    const keys = await a.deps.redis.keys(`qs:{${quizId}}:*`);
    await a.deps.redis.del(...keys);
    const r = await other.join(quizId, await api.token(uniqueId('p')), 'sam');
    expect([r.status, r.body.error?.code]).toEqual([409, 'name_taken']);
    expect(summary(await api.join(quizId, first, 'Other'))).toBe('200 Sam');
  });

  test('after Redis lost a quiz, a join still sees the kick, the closed quiz and an unknown quiz (each refilled from Postgres)', async () => {
    const quizId = await newQuiz();
    const bobId = uniqueId('p');
    const bob = await api.token(bobId);
    expect((await api.join(quizId, bob, 'Bob')).status).toBe(201);
    expect((await api.admin('DELETE', `/v1/quizzes/${quizId}/players/${bobId}`)).status).toBe(200);
    await a.deps.redis.del(...(await a.deps.redis.keys(`qs:{${quizId}}:*`)));
    expect(summary(await other.join(quizId, bob, 'Bob'))).toBe('403 kicked');

    expect((await api.closeQuiz(quizId)).status).toBe(200);
    await a.deps.redis.del(...(await a.deps.redis.keys(`qs:{${quizId}}:*`)));
    expect(summary(await other.join(quizId, await api.token(uniqueId('p')), 'Late'))).toBe('422 quiz_closed');
    expect(summary(await other.join(uniqueId('no-such-quiz'), await api.token(uniqueId('p')), 'Lost'))).toBe('404 quiz_not_found');
  });
});
