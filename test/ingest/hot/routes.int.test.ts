import '../../helpers/cleanup';
import { redisKeys } from '../../../common/redis';
import { uniqueId } from '../../helpers/ids';
import { startIngestBothWays, startTestIngest, type TestIngest } from '../../helpers/ingest-app';
import { IngestClient, sampleQuiz, type Reply } from '../../helpers/ingest-client';
import { forQuiz, readQuizEvents } from '../../helpers/ingest-kafka';

// The hot routes (ingest/hot/routes.ts) against the express routes they stand in front of, both
// served by one ingest (the same dependencies): every refusal must be the same reply; then what
// only the hot path does: the one-script gate shared by instances, and the group-committed write.

jest.setTimeout(60_000);

let ingest: TestIngest;
let hot: IngestClient;
let viaExpress: IngestClient;
let reader: Awaited<ReturnType<typeof readQuizEvents>>;

beforeAll(async () => {
  const both = await startIngestBothWays();
  ingest = both.ingest;
  hot = new IngestClient(both.hotUrl);
  viaExpress = new IngestClient(both.expressUrl);
  reader = await readQuizEvents(ingest.codec);
});

async function quizWithPlayers(n: number, opts: { open?: boolean } = {}) {
  const quizId = uniqueId('hot');
  expect((await hot.createQuiz(sampleQuiz(quizId, { timeLimitMs: 600_000 }))).status).toBe(201);
  if (opts.open !== false) expect((await hot.open(quizId, 'q1')).status).toBe(200);
  const players = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const playerId = uniqueId(`p${i}`);
      const token = await hot.token(playerId, `Player ${i}`);
      expect((await hot.join(quizId, token)).status).toBe(201);
      return { playerId, token };
    }),
  );
  return { quizId, players };
}

/** What a client can rely on in a refusal: status, body, and the headers it reads. */
function reply(r: Reply) {
  return { status: r.status, body: r.body, wwwAuthenticate: r.headers.get('www-authenticate'), retryAfter: r.headers.get('retry-after') };
}

describe('the hot answer route refuses exactly as the express route does', () => {
  test('auth, body, quiz, question, choice, state, join and kick refusals', async () => {
    const { quizId, players } = await quizWithPlayers(2, { open: false });
    const [ann, bob] = [players[0]!, players[1]!];
    const stranger = await hot.token(uniqueId('stranger'), 'Stranger');
    const path = `/v1/quizzes/${quizId}/answers`;
    const cases: Array<[string, string, Parameters<IngestClient['request']>[2]]> = [
      ['no token', path, { body: { questionId: 'q1', choiceId: 'a' } }],
      ['bad token', path, { token: 'not.a.jwt', body: { questionId: 'q1', choiceId: 'a' } }],
      ['malformed JSON', path, { token: ann.token, rawBody: '{"questionId":', headers: { 'content-type': 'application/json' } }],
      ['JSON that is not an object', path, { token: ann.token, rawBody: '"q1"', headers: { 'content-type': 'application/json' } }],
      ['no body', path, { token: ann.token }],
      ['oversized body', path, { token: ann.token, body: { questionId: 'q1', choiceId: 'a', padding: 'x'.repeat(65 * 1024) } }],
      ['missing fields', path, { token: ann.token, body: { questionId: 'q1' } }],
      ['bad quiz id', '/v1/quizzes/bad%20id/answers', { token: ann.token, body: { questionId: 'q1', choiceId: 'a' } }],
      ['unknown quiz', `/v1/quizzes/${uniqueId('nope')}/answers`, { token: ann.token, body: { questionId: 'q1', choiceId: 'a' } }],
      ['unknown question', path, { token: ann.token, body: { questionId: 'q9', choiceId: 'a' } }],
      ['question not open yet, existing choice', path, { token: ann.token, body: { questionId: 'q1', choiceId: 'a' } }],
      ['question not open yet, missing choice', path, { token: ann.token, body: { questionId: 'q1', choiceId: 'zz' } }],
      ['not joined', path, { token: stranger, body: { questionId: 'q1', choiceId: 'a' } }],
    ];
    for (const [what, p, opts] of cases) {
      const [a, b] = [await hot.request('POST', p, opts), await viaExpress.request('POST', p, opts)];
      expect({ what, ...reply(a) }).toEqual({ what, ...reply(b) });
      expect({ what, status: a.status }).not.toEqual({ what, status: 202 });
    }

    expect((await hot.open(quizId, 'q1')).status).toBe(200);
    const open: Array<[string, Parameters<IngestClient['request']>[2]]> = [
      ['missing choice once open', { token: ann.token, body: { questionId: 'q1', choiceId: 'zz' } }],
      ['not joined once open', { token: stranger, body: { questionId: 'q1', choiceId: 'a' } }],
    ];
    for (const [what, opts] of open) expect({ what, ...reply(await hot.request('POST', path, opts)) }).toEqual({ what, ...reply(await viaExpress.request('POST', path, opts)) });

    const first = await hot.answer(quizId, ann.token, { questionId: 'q1', choiceId: 'a', answerId: 'ann-1' });
    expect(first.status).toBe(202);
    for (const client of [hot, viaExpress]) {
      const again = await client.answer(quizId, ann.token, { questionId: 'q1', choiceId: 'b', answerId: 'ann-2' });
      expect(again.status).toBe(409);
      expect(again.body.error).toMatchObject({ code: 'already_answered', details: { answerId: 'ann-1' } });
      const replay = await client.answer(quizId, ann.token, { questionId: 'q1', choiceId: 'a', answerId: 'ann-1' });
      expect({ status: replay.status, body: replay.body }).toEqual({ status: 202, body: { answerId: 'ann-1' } });
    }

    expect((await hot.admin('DELETE', `/v1/quizzes/${quizId}/players/${players[1]!.playerId}`)).status).toBe(200);
    const kicked = [await hot.answer(quizId, bob.token, { questionId: 'q1', choiceId: 'a' }), await viaExpress.answer(quizId, bob.token, { questionId: 'q1', choiceId: 'a' })];
    expect(reply(kicked[0]!)).toEqual(reply(kicked[1]!));
    expect(kicked[0]!.body.error.code).toBe('kicked');

    expect((await hot.closeQuiz(quizId)).status).toBe(200);
    const closed = [await hot.answer(quizId, ann.token, { questionId: 'q2', choiceId: 'a' }), await viaExpress.answer(quizId, ann.token, { questionId: 'q2', choiceId: 'a' })];
    expect(reply(closed[0]!)).toEqual(reply(closed[1]!));
    expect(closed[0]!.body.error.code).toBe('quiz_closed');
  });

  test('a Redis that lost the quiz, its kicks and its players still decides right (the use case asks Postgres)', async () => {
    const { quizId, players } = await quizWithPlayers(3);
    const [ann, bob, cid] = [players[0]!, players[1]!, players[2]!];
    expect((await hot.admin('DELETE', `/v1/quizzes/${quizId}/players/${cid.playerId}`)).status).toBe(200);
    const redis = ingest.deps.redis;
    await redis.del(redisKeys.quizStatus(quizId), redisKeys.quizMeta(quizId), redisKeys.questionState(quizId), redisKeys.kicked(quizId), redisKeys.joined(quizId));
    expect((await hot.answer(quizId, ann.token, { questionId: 'q1', choiceId: 'b' })).status).toBe(202);
    expect((await hot.answer(quizId, cid.token, { questionId: 'q1', choiceId: 'b' })).body.error.code).toBe('kicked');
    expect((await hot.answer(quizId, bob.token, { questionId: 'q2', choiceId: 'b' })).body.error.code).toBe('question_not_open');
    // Refilled: the status was copied from the rebuilt meta, the next answer is decided by the gate alone.
    expect(await redis.get(redisKeys.quizStatus(quizId))).toBe('open');
    expect((await hot.answer(quizId, bob.token, { questionId: 'q1', choiceId: 'a' })).status).toBe(202);
  });

  test('CORS and the request id, as express sets them', async () => {
    const { quizId, players } = await quizWithPlayers(1);
    const headers = { origin: 'http://127.0.0.1:8090', 'x-request-id': 'req-123' };
    const r = await hot.request('POST', `/v1/quizzes/${quizId}/answers`, { token: players[0]!.token, headers, body: { questionId: 'q1', choiceId: 'a' } });
    expect(r.status).toBe(202);
    expect(r.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8090');
    expect(r.headers.get('access-control-expose-headers')).toContain('retry-after');
    expect(r.headers.get('vary')).toContain('Origin');
    expect(r.headers.get('x-request-id')).toBe('req-123');
  });
});

describe('over two instances', () => {
  test('the first answer wins: many at once from one player, on both instances, give one 202 and one AnswerSubmitted', async () => {
    const second = await startTestIngest();
    const other = new IngestClient(second.url);
    const { quizId, players } = await quizWithPlayers(1);
    const { playerId, token } = players[0]!;
    const replies = await Promise.all(
      Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? hot : other).answer(quizId, token, { questionId: 'q1', choiceId: 'a', answerId: `a-${i}` })),
    );
    const accepted = replies.filter((r) => r.status === 202);
    expect(accepted).toHaveLength(1);
    for (const r of replies.filter((x) => x.status !== 202)) {
      expect(r.status).toBe(409);
      expect(['already_answered', 'answer_pending']).toContain(r.body.error.code);
    }
    const [written] = await reader.waitFor((e) => forQuiz(quizId)(e) && e.event.type === 'AnswerSubmitted');
    expect(written!.event.payload).toMatchObject({ playerId, answerId: accepted[0]!.body.answerId });
    // Every reply came after its own write settled, so a second write would be in the partition
    // before this later event of the quiz.
    expect((await hot.open(quizId, 'q2')).status).toBe(200);
    await reader.waitFor((e) => forQuiz(quizId)(e) && e.event.type === 'QuestionOpened' && (e.event.payload as { questionId: string }).questionId === 'q2');
    expect(reader.events.filter((e) => forQuiz(quizId)(e) && e.event.type === 'AnswerSubmitted' && (e.event.payload as { questionId: string }).questionId === 'q1')).toHaveLength(1);
  });

  test('the per-player and per-address limits count every instance together', async () => {
    // Each pair of instances shares its own counters.
    const limits = (player: number, ip: number, keyPrefix: string) => (o: TestIngest['options']) => ({
      ...o,
      rateLimit: { keyPrefix, player: { max: player, windowMs: 10_000 }, ip: { max: ip, windowMs: 10_000 } },
    });
    const [firstPair, secondPair] = [`${uniqueId('qs:rl:pair')}:`, `${uniqueId('qs:rl:pair')}:`];
    const { quizId, players } = await quizWithPlayers(2);
    const [a, b] = await Promise.all([startTestIngest({ options: limits(3, 1_000, firstPair) }), startTestIngest({ options: limits(3, 1_000, firstPair) })]);
    const [ca, cb] = [new IngestClient(a.url), new IngestClient(b.url)];
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await (i % 2 === 0 ? ca : cb).answer(quizId, players[0]!.token, { questionId: 'q1', choiceId: 'a' })).status);
    expect(statuses).toEqual([202, 409, 409, 429, 429]);
    const limited = await cb.answer(quizId, players[0]!.token, { questionId: 'q1', choiceId: 'a' });
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await ca.answer(quizId, players[1]!.token, { questionId: 'q1', choiceId: 'a' })).status).toBe(202);

    const [c, d] = await Promise.all([startTestIngest({ options: limits(100, 4, secondPair) }), startTestIngest({ options: limits(100, 4, secondPair) })]);
    const byAddress: number[] = [];
    for (let i = 0; i < 6; i++) byAddress.push((await new IngestClient((i % 2 === 0 ? c : d).url).answer(quizId, players[1]!.token, { questionId: 'q9', choiceId: 'a' })).status);
    expect(byAddress).toEqual([404, 404, 404, 404, 429, 429]);
  });
});

describe('the group-committed write', () => {
  test('a batch Kafka refuses: every answer in it gets 503, none stays claimed or counted, and each retry is accepted', async () => {
    const { quizId, players } = await quizWithPlayers(8);
    const broken = await startTestIngest({ config: (c) => ({ ...c, kafka: { ...c.kafka, brokers: ['127.0.0.1:1'] } }) });
    const brokenApi = new IngestClient(broken.url);
    const answers = players.map((p, i) => ({ ...p, answerId: `batch-${i}` }));
    const replies = await Promise.all(answers.map((p) => brokenApi.answer(quizId, p.token, { questionId: 'q1', choiceId: 'b', answerId: p.answerId })));
    for (const r of replies) {
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe('kafka_unavailable');
    }
    const answered = await ingest.deps.redis.hgetall(redisKeys.answered(quizId, 'q1'));
    expect(answered).toEqual({});
    const retries = await Promise.all(answers.map((p) => hot.answer(quizId, p.token, { questionId: 'q1', choiceId: 'b', answerId: p.answerId })));
    expect(retries.map((r) => r.status)).toEqual(answers.map(() => 202));
    const written = await reader.waitFor((e) => forQuiz(quizId)(e) && e.event.type === 'AnswerSubmitted', answers.length);
    expect(new Set(written.map((e) => (e.event.payload as { answerId: string }).answerId))).toEqual(new Set(answers.map((a) => a.answerId)));
    // Every confirm counted once: the count closeWhenAllAnswered compares with the players.
    expect(await ingest.deps.redis.hget(redisKeys.answered(quizId, 'q1'), '')).toBe(String(answers.length));
  });
});
