import '../helpers/cleanup';
import { redisKeys } from '../../common/redis';
import { uniqueId } from '../helpers/ids';
import { startTestIngest, type TestIngest } from '../helpers/ingest-app';
import { IngestClient, sampleQuiz } from '../helpers/ingest-client';
import { forQuiz, readQuizEvents } from '../helpers/ingest-kafka';
import { stackClients } from '../helpers/stack';
import { waitUntil } from '../helpers/wait';

// The host's game controls at ingest: game PINs, kicking a player, and closing a question once
// everyone answered, over two ingest instances on the real Redis, Postgres and Kafka.

jest.setTimeout(60_000);

const { pg, redis } = stackClients();
let one: TestIngest;
let api: IngestClient;
let other: IngestClient;
let reader: Awaited<ReturnType<typeof readQuizEvents>>;

beforeAll(async () => {
  one = await startTestIngest();
  api = new IngestClient(one.url);
  other = new IngestClient((await startTestIngest()).url);
  reader = await readQuizEvents(one.codec);
});

async function playersIn(quizId: string, ids: string[]): Promise<Map<string, string>> {
  const tokens = new Map<string, string>();
  for (const id of ids) {
    const token = await api.token(id);
    expect((await api.join(quizId, token)).status).toBe(201);
    tokens.set(id, token);
  }
  return tokens;
}

const typesOf = (quizId: string) => reader.events.filter(forQuiz(quizId)).map((e) => e.event.type);

describe('game PIN', () => {
  test('every new quiz gets six digits that lead to it while it runs; closing frees the PIN', async () => {
    const quizId = uniqueId('pin');
    const created = await api.createQuiz(sampleQuiz(quizId));
    expect(created.body.pin).toMatch(/^[1-9][0-9]{5}$/);
    const pin = created.body.pin as string;
    expect((await api.request('GET', `/v1/quizzes/${quizId}`)).body).toMatchObject({ pin, closeWhenAllAnswered: false });
    expect((await other.request('GET', `/v1/pins/${pin}`)).body).toEqual({ pin, quizId });

    expect((await api.closeQuiz(quizId)).status).toBe(200);
    const after = await api.request('GET', `/v1/pins/${pin}`);
    expect(after.status).toBe(404);
    expect(after.body.error.code).toBe('pin_not_found');
    expect((await api.request('GET', `/v1/quizzes/${quizId}`)).body.pin).toBeNull();
  });

  test('Postgres keeps PINs unique among open quizzes only', async () => {
    const [a, b] = [uniqueId('pin'), uniqueId('pin')];
    const pin = (await api.createQuiz(sampleQuiz(a))).body.pin as string;
    await api.createQuiz(sampleQuiz(b));
    await expect(pg.query('UPDATE quizzes SET pin = $2 WHERE id = $1', [b, pin])).rejects.toThrow(/quizzes_open_pin/);
    await api.closeQuiz(a);
    await pg.query('UPDATE quizzes SET pin = $2 WHERE id = $1', [b, pin]);
    await redis.del(redisKeys.quizMeta(b));
    expect((await api.request('GET', `/v1/pins/${pin}`)).body).toEqual({ pin, quizId: b });
  });

  test('a quiz without a PIN (made before PINs) gets one on request; asking again returns the same', async () => {
    const quizId = uniqueId('pin');
    await api.createQuiz(sampleQuiz(quizId));
    await pg.query('UPDATE quizzes SET pin = NULL WHERE id = $1', [quizId]);
    await redis.del(redisKeys.quizMeta(quizId));
    expect((await api.request('GET', `/v1/quizzes/${quizId}`)).body.pin).toBeNull();

    const given = await other.admin('POST', `/v1/quizzes/${quizId}/pin`);
    expect(given.status).toBe(200);
    expect(given.body.pin).toMatch(/^[0-9]{6}$/);
    expect((await api.admin('POST', `/v1/quizzes/${quizId}/pin`)).body.pin).toBe(given.body.pin);
    expect((await api.request('GET', `/v1/quizzes/${quizId}`)).body.pin).toBe(given.body.pin);
    expect((await api.request('GET', `/v1/pins/${given.body.pin}`)).body.quizId).toBe(quizId);
  });
});

describe('kick', () => {
  test('the kicked player cannot answer or rejoin (403 kicked) on any instance; the others play on; one PlayerKicked', async () => {
    const quizId = uniqueId('kick');
    await api.createQuiz(sampleQuiz(quizId));
    const tokens = await playersIn(quizId, ['ann', 'bob']);
    expect((await api.open(quizId, 'q1')).status).toBe(200);

    const kicked = await api.admin('DELETE', `/v1/quizzes/${quizId}/players/bob`);
    expect(kicked.status).toBe(200);
    expect(kicked.body).toEqual({ quizId, playerId: 'bob', kickedAt: expect.any(String) });

    for (const client of [api, other]) {
      const answer = await client.answer(quizId, tokens.get('bob')!, { questionId: 'q1', choiceId: 'b' });
      expect(answer.status).toBe(403);
      expect(answer.body.error.code).toBe('kicked');
      const rejoin = await client.join(quizId, tokens.get('bob')!);
      expect(rejoin.status).toBe(403);
      expect(rejoin.body.error.code).toBe('kicked');
    }
    expect((await other.answer(quizId, tokens.get('ann')!, { questionId: 'q1', choiceId: 'b' })).status).toBe(202);

    // A repeat is the same kick: same time, nothing written again.
    const again = await other.admin('DELETE', `/v1/quizzes/${quizId}/players/bob`);
    expect(again.body.kickedAt).toBe(kicked.body.kickedAt);
    const [event] = await reader.waitFor((e) => e.key === quizId && e.event.type === 'PlayerKicked');
    expect(event!.event.payload).toEqual({ eventId: expect.any(String), quizId, playerId: 'bob', kickedAt: Date.parse(kicked.body.kickedAt) });
    await reader.waitFor((e) => e.key === quizId && e.event.type === 'AnswerSubmitted');
    expect(typesOf(quizId).filter((t) => t === 'PlayerKicked')).toHaveLength(1);
    const { rows } = await pg.query('SELECT player_id FROM kicked_players WHERE quiz_id = $1', [quizId]);
    expect(rows).toEqual([{ player_id: 'bob' }]);
  });

  test('after Redis lost the kicked set, it is refilled from Postgres before anyone is let back in', async () => {
    const quizId = uniqueId('kick');
    await api.createQuiz(sampleQuiz(quizId));
    const tokens = await playersIn(quizId, ['ann', 'bob']);
    await api.open(quizId, 'q1');
    await api.admin('DELETE', `/v1/quizzes/${quizId}/players/bob`);
    await redis.del(redisKeys.kicked(quizId));

    expect((await other.answer(quizId, tokens.get('bob')!, { questionId: 'q1', choiceId: 'b' })).body.error.code).toBe('kicked');
    expect((await api.answer(quizId, tokens.get('ann')!, { questionId: 'q1', choiceId: 'b' })).status).toBe(202);
    await redis.del(redisKeys.kicked(quizId));
    expect((await api.join(quizId, tokens.get('bob')!)).body.error.code).toBe('kicked');
  });

  test('a player who never joined is a 404; nothing is written', async () => {
    const quizId = uniqueId('kick');
    await api.createQuiz(sampleQuiz(quizId));
    const r = await api.admin('DELETE', `/v1/quizzes/${quizId}/players/nobody`);
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('player_not_found');
    expect((await pg.query('SELECT 1 FROM kicked_players WHERE quiz_id = $1', [quizId])).rowCount).toBe(0);
  });
});

describe('close when everyone answered', () => {
  const quizWith = (quizId: string, closeWhenAllAnswered: boolean) => ({ ...sampleQuiz(quizId, { timeLimitMs: 120_000 }), closeWhenAllAnswered });
  const stateOf = async (quizId: string, questionId: string) =>
    ((await api.request('GET', `/v1/quizzes/${quizId}`)).body.questions as Array<{ id: string; state: string }>).find((q) => q.id === questionId)!.state;
  const closes = (quizId: string) => reader.events.filter((e) => e.key === quizId && e.event.type === 'QuestionClosed');

  test('the last answer closes the question: exactly one QuestionClosed when the last answers race over two instances', async () => {
    const quizId = uniqueId('all');
    expect((await api.createQuiz(quizWith(quizId, true))).body.closeWhenAllAnswered).toBe(true);
    const ids = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
    const tokens = await playersIn(quizId, ids);
    await api.open(quizId, 'q1');
    expect((await api.answer(quizId, tokens.get('p1')!, { questionId: 'q1', choiceId: 'a' })).status).toBe(202);
    expect(await stateOf(quizId, 'q1')).toBe('open');

    // The other five at once, spread over both instances.
    const replies = await Promise.all(
      ids.slice(1).map((id, i) => (i % 2 === 0 ? api : other).answer(quizId, tokens.get(id)!, { questionId: 'q1', choiceId: 'b' })),
    );
    expect(replies.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
    expect(await stateOf(quizId, 'q1')).toBe('closed');
    await reader.waitFor((e) => e.key === quizId && e.event.type === 'QuestionClosed');
    // Every answer is in Kafka before the close: the close came from the one that completed the set.
    const types = typesOf(quizId);
    expect(types.filter((t) => t === 'AnswerSubmitted')).toHaveLength(6);
    expect(types.lastIndexOf('AnswerSubmitted')).toBeLessThan(types.indexOf('QuestionClosed'));
    // Later checks (the time limit's timer, another instance) find it closed and write nothing.
    expect((await api.close(quizId, 'q1')).body.error.code).toBe('question_closed');
    expect(closes(quizId)).toHaveLength(1);
  });

  test('kicking the one player still to answer closes it; a quiz without the option waits for the host', async () => {
    const quizId = uniqueId('all');
    const plain = uniqueId('all');
    await api.createQuiz(quizWith(quizId, true));
    await api.createQuiz(quizWith(plain, false));
    for (const id of [quizId, plain]) {
      const tokens = await playersIn(id, ['ann', 'bob']);
      await api.open(id, 'q1');
      expect((await api.answer(id, tokens.get('ann')!, { questionId: 'q1', choiceId: 'b' })).status).toBe(202);
      expect(await stateOf(id, 'q1')).toBe('open');
      expect((await other.admin('DELETE', `/v1/quizzes/${id}/players/bob`)).status).toBe(200);
    }
    expect(await stateOf(quizId, 'q1')).toBe('closed');
    await reader.waitFor((e) => e.key === quizId && e.event.type === 'QuestionClosed');
    expect(await stateOf(plain, 'q1')).toBe('open');
    expect(closes(plain)).toHaveLength(0);
  });

  test('a player Redis forgot (joined hash lost) still counts: Postgres confirms before closing', async () => {
    const quizId = uniqueId('all');
    await api.createQuiz(quizWith(quizId, true));
    const tokens = await playersIn(quizId, ['ann', 'bob', 'cyd']);
    await waitUntil('the joins recorded in Postgres', async () => (await pg.query('SELECT 1 FROM players WHERE quiz_id = $1', [quizId])).rowCount === 3);
    await api.open(quizId, 'q1');
    await api.answer(quizId, tokens.get('ann')!, { questionId: 'q1', choiceId: 'b' });
    // Redis lost the joined hash: it knows ann (refilled by her next request) and bob, not cyd.
    await redis.del(redisKeys.joined(quizId));
    await api.answer(quizId, tokens.get('bob')!, { questionId: 'q1', choiceId: 'b' });
    expect(await redis.hlen(redisKeys.joined(quizId))).toBe(1);
    expect(await stateOf(quizId, 'q1')).toBe('open');
    await api.answer(quizId, tokens.get('cyd')!, { questionId: 'q1', choiceId: 'a' });
    expect(await stateOf(quizId, 'q1')).toBe('closed');
  });
});
