import '../../helpers/cleanup';
import type { ChainableCommander } from 'ioredis';
import { createRedis, redisKeys } from '../../../common/redis';
import { AnswerMarkers, CONFIRMED_COUNT_FIELD, type Claim } from '../../../ingest/answer-markers';
import { RequestGate, type GateRequest, type GateVerdict } from '../../../ingest/hot/request-gate';
import { KICKED_SET_COMPLETE } from '../../../ingest/kicked-players';
import { onCleanup } from '../../helpers/cleanup';
import { uniqueId } from '../../helpers/ids';
import { testConfig } from '../../helpers/stack';

// The request gate against a real Redis: the requests of one turn of the event loop go out as one
// script call (a batch), and each is still decided in arrival order as if it had come alone.

jest.setTimeout(30_000);

const redis = createRedis(testConfig.redis, 'gate-test');
onCleanup(() => redis.quit());
const markers = new AnswerMarkers(redis, 10_000, 3_600);

function gate(playerMax = 1_000) {
  return new RequestGate(redis, markers, { ip: { max: 100_000, windowMs: 60_000 }, player: { max: playerMax, windowMs: 60_000 }, keyPrefix: `${uniqueId('rl')}:` });
}

/** A quiz whose question q1 is open and whose cache knows `players` as joined and nobody as kicked. */
async function openQuiz(players: string[]): Promise<string> {
  const quizId = uniqueId('gate');
  const now = Date.now();
  await redis
    .multi()
    .set(redisKeys.quizStatus(quizId), 'open', 'EX', 600)
    .hset(redisKeys.questionState(quizId), 'q1', JSON.stringify({ openedAt: now - 1_000, closesAt: now + 600_000 }))
    .hset(redisKeys.joined(quizId), Object.fromEntries(players.map((p) => [p, p])))
    .sadd(redisKeys.kicked(quizId), KICKED_SET_COMPLETE)
    .exec();
  return quizId;
}

function answer(quizId: string, playerId: string, answerId: string): GateRequest {
  return { scope: 'full', address: '127.0.0.9', playerId, quizId, questionId: 'q1', answerId, at: Date.now(), answerFits: true };
}

describe('one turn of the event loop', () => {
  test('goes to Redis as one script call, each request decided in arrival order', async () => {
    const quizId = await openQuiz(['ann', 'bob']);
    const g = gate();
    const sent = jest.spyOn(redis, 'pipeline');
    const verdicts = await Promise.all([
      g.pass(answer(quizId, 'ann', 'a-1')),
      g.pass(answer(quizId, 'ann', 'a-2')),
      g.pass(answer(quizId, 'bob', 'b-1')),
      g.pass(answer(quizId, 'cy', 'c-1')),
    ]);
    expect(sent).toHaveBeenCalledTimes(1);
    sent.mockRestore();
    expect(verdicts.map((v) => (v.kind === 'claim' ? `${v.result.kind}:${v.result.kind === 'claimed' ? v.result.claim.answerId : v.result.answerId}` : v.kind))).toEqual([
      'claimed:a-1',
      // ann's first answer of this batch holds the claim: the second sees it in flight.
      'pending:a-1',
      'claimed:b-1',
      // Redis does not list cy as joined: the use case asks Postgres.
      'uncached',
    ]);
  });

  test('counts the limits request by request: the one past the player limit is refused', async () => {
    const g = gate(2);
    const verdicts = await Promise.all([1, 2, 3].map(() => g.pass({ scope: 'limits', address: '127.0.0.9', playerId: 'dee' })));
    expect(verdicts.map((v) => v.kind)).toEqual(['passed', 'passed', 'limited']);
    const limited = verdicts[2]!;
    expect(limited.kind === 'limited' && limited.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });

  test("an address's counter reads in Redis as if each request had counted it alone, past its limit too", async () => {
    const keyPrefix = `${uniqueId('rl')}:`;
    const g = new RequestGate(redis, markers, { ip: { max: 3, windowMs: 60_000 }, player: { max: 100, windowMs: 60_000 }, keyPrefix });
    const sent = jest.spyOn(redis, 'pipeline');
    const verdicts = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((p) => g.pass({ scope: 'limits', address: '127.0.0.7', playerId: p })));
    expect(sent).toHaveBeenCalledTimes(1);
    sent.mockRestore();
    expect(verdicts.map((v) => v.kind)).toEqual(['passed', 'passed', 'passed', 'limited', 'limited']);
    const key = `${keyPrefix}ip:127.0.0.7`;
    expect(await redis.get(key)).toBe('5');
    expect(await redis.pttl(key)).toBeGreaterThan(59_000);
    // The next call goes on from there.
    const later = await Promise.all([g.pass({ scope: 'ip', address: '127.0.0.7' }), g.pass({ scope: 'ip', address: '127.0.0.8' })]);
    expect(later.map((v) => v.kind)).toEqual(['limited', 'passed']);
    expect(await redis.get(key)).toBe('6');
  });

  test('more requests than one call takes are split into several calls, none lost', async () => {
    const players = Array.from({ length: 300 }, (_, i) => `p${i}`);
    const quizId = await openQuiz(players);
    const g = gate();
    const sent = jest.spyOn(redis, 'pipeline');
    const verdicts = await Promise.all(players.map((p) => g.pass(answer(quizId, p, `${p}-answer`))));
    expect(sent).toHaveBeenCalledTimes(3); // 128 + 128 + 44
    sent.mockRestore();
    expect(verdicts.every((v, i) => v.kind === 'claim' && v.result.kind === 'claimed' && v.result.claim.answerId === `p${i}-answer`)).toBe(true);
    expect(await redis.hlen(redisKeys.answered(quizId, 'q1'))).toBe(300);
  });

  test('what requests share is read once per call, yet each request gets its own quiz and question', async () => {
    const quizA = await openQuiz(['ann', 'bob']);
    const quizB = await openQuiz(['ann']);
    const closedState = JSON.stringify({ openedAt: Date.now() - 5_000, closesAt: Date.now() - 1_000 });
    await redis.hset(redisKeys.questionState(quizA), 'q2', closedState);
    await redis.set(redisKeys.quizStatus(quizB), 'closed', 'EX', 600);
    // ann already answered q1 of quiz A: the first request of the batch claims nothing.
    await redis.hset(redisKeys.answered(quizA, 'q1'), 'ann', 'a|a-0');
    const g = gate();
    const sent = jest.spyOn(redis, 'pipeline');
    const verdicts = await Promise.all([
      g.pass(answer(quizA, 'ann', 'a-1')),
      g.pass({ ...answer(quizA, 'bob', 'b-2'), questionId: 'q2' }),
      g.pass(answer(quizB, 'ann', 'a-3')),
      g.pass(answer(quizA, 'bob', 'b-1')),
    ]);
    expect(sent).toHaveBeenCalledTimes(1);
    sent.mockRestore();
    expect(verdicts[0]).toEqual({ kind: 'claim', result: { kind: 'accepted', answerId: 'a-0' } });
    expect(verdicts[1]).toEqual({ kind: 'not_open', state: JSON.parse(closedState) });
    expect(verdicts[2]).toEqual({ kind: 'quiz_closed' });
    expect(verdicts[3]!.kind === 'claim' && verdicts[3]!.result.kind).toBe('claimed');
    // The claim after a request that claimed nothing still gives the hash its expiry.
    const ttl = await redis.ttl(redisKeys.answered(quizA, 'q1'));
    expect(ttl).toBeGreaterThan(3_500);
    expect(ttl).toBeLessThanOrEqual(3_600);
  });
});

/** Counts the pipelines made from now on, the first one's exec replaced by `exec(realExec)`. */
function withFirstPipeline(exec: (realExec: () => ReturnType<ChainableCommander['exec']>) => ReturnType<ChainableCommander['exec']>) {
  const pipeline = redis.pipeline.bind(redis);
  const sent = jest.spyOn(redis, 'pipeline').mockImplementation(() => {
    const p = pipeline();
    if (sent.mock.calls.length === 1) {
      const realExec = p.exec.bind(p);
      p.exec = () => exec(realExec);
    }
    return p;
  });
  return sent;
}

describe('while a call is out', () => {
  test('requests of later turns wait for its reply and go together in the next call', async () => {
    const quizId = await openQuiz(['ann', 'bob', 'cy', 'dee']);
    const g = gate();
    const { promise: replyMayCome, resolve: letReplyCome } = Promise.withResolvers<void>();
    // The first call is held before it is written: to the gate, a reply that has not come yet.
    const sent = withFirstPipeline(async (realExec) => {
      await replyMayCome;
      return realExec();
    });
    const first = g.pass(answer(quizId, 'ann', 'a-1'));
    const later: Array<Promise<GateVerdict>> = [];
    for (const player of ['bob', 'cy', 'dee']) {
      await new Promise((r) => setImmediate(r));
      later.push(g.pass(answer(quizId, player, `${player}-1`)));
    }
    await new Promise((r) => setImmediate(r));
    expect(sent).toHaveBeenCalledTimes(1);
    letReplyCome();
    const verdicts = await Promise.all([first, ...later]);
    expect(sent).toHaveBeenCalledTimes(2);
    sent.mockRestore();
    expect(verdicts.map((v) => (v.kind === 'claim' && v.result.kind === 'claimed' ? v.result.claim.answerId : v.kind))).toEqual(['a-1', 'bob-1', 'cy-1', 'dee-1']);
  });

  test('a call Redis fails rejects only its own requests; the next call goes out', async () => {
    const quizId = await openQuiz(['ann', 'bob']);
    const g = gate();
    const sent = withFirstPipeline(() => Promise.reject(new Error('connection reset')));
    const failed = expect(g.pass(answer(quizId, 'ann', 'a-1'))).rejects.toMatchObject({ code: 'cache_unavailable', retriable: true });
    await new Promise((r) => setImmediate(r));
    const next = g.pass(answer(quizId, 'bob', 'b-1'));
    await failed;
    const verdict = await next;
    sent.mockRestore();
    expect(verdict.kind === 'claim' && verdict.result.kind).toBe('claimed');
  });
});

describe('confirms', () => {
  /** The player's claim of q1, made through the gate. */
  async function claimed(g: RequestGate, quizId: string, player: string, answerId: string): Promise<Claim> {
    const verdict = await g.pass(answer(quizId, player, answerId));
    if (verdict.kind !== 'claim' || verdict.result.kind !== 'claimed') throw new Error(`expected a claim, got ${JSON.stringify(verdict)}`);
    return verdict.result.claim;
  }

  test('go in the call of the same turn, ahead of its claims: a retry there is told the answer was accepted', async () => {
    const quizId = await openQuiz(['ann', 'bob']);
    const g = gate();
    const claim = await claimed(g, quizId, 'ann', 'a-1');
    const sent = jest.spyOn(redis, 'pipeline');
    const [, retry, other] = await Promise.all([g.confirm(claim), g.pass(answer(quizId, 'ann', 'a-1')), g.pass(answer(quizId, 'bob', 'b-1'))]);
    expect(sent).toHaveBeenCalledTimes(1);
    sent.mockRestore();
    expect(retry).toEqual({ kind: 'claim', result: { kind: 'accepted', answerId: 'a-1' } });
    expect(other.kind === 'claim' && other.result.kind).toBe('claimed');
    const answered = await redis.hgetall(redisKeys.answered(quizId, 'q1'));
    expect(answered).toMatchObject({ ann: 'a|a-1', [CONFIRMED_COUNT_FIELD]: '1' });
  });

  test('go out on their own when no request comes, and leave a marker a newer request took over alone', async () => {
    const quizId = await openQuiz(['ann', 'bob']);
    const g = gate();
    const ann = await claimed(g, quizId, 'ann', 'a-1');
    const bob = await claimed(g, quizId, 'bob', 'b-1');
    const key = redisKeys.answered(quizId, 'q1');
    await redis.hset(key, 'bob', `p|${Date.now()}|b-2`);
    await Promise.all([g.confirm(ann), g.confirm(bob)]);
    expect(await redis.hgetall(key)).toMatchObject({ ann: 'a|a-1', bob: expect.stringMatching(/^p\|\d+\|b-2$/), [CONFIRMED_COUNT_FIELD]: '1' });
  });

  test('a call Redis fails rejects its confirms with its requests', async () => {
    const quizId = await openQuiz(['ann', 'bob']);
    const g = gate();
    const claim = await claimed(g, quizId, 'ann', 'a-1');
    const sent = withFirstPipeline(() => Promise.reject(new Error('connection reset')));
    const confirm = g.confirm(claim);
    const request = g.pass(answer(quizId, 'bob', 'b-1'));
    await expect(confirm).rejects.toMatchObject({ code: 'cache_unavailable' });
    await expect(request).rejects.toMatchObject({ code: 'cache_unavailable' });
    sent.mockRestore();
    expect(await redis.hget(redisKeys.answered(quizId, 'q1'), 'ann')).toBe(claim.marker);
  });
});
