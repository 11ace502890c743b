import type { RedisClient } from '../../common/redis';
import { redisKeys } from '../../common/redis';
import { DistinctKeys } from '../../common/distinct-keys';
import { QuestionKeySets } from '../../common/question-key-sets';
import type { RateLimitOptions } from '../../common/rate-limit';
import { CLAIM_ANSWER_LUA, CONFIRM_MARKER_LUA, MAX_CONFIRMS, claimResultOf, confirmArgs, type AnswerMarkers, type Claim, type ClaimResult, type MarkerConfirms } from '../answer-markers';
import { CACHED_QUIZ_STATUS_LUA } from '../cached-quiz-status';
import { guardRedis } from '../dependency-errors';
import { KICKED_SET_COMPLETE } from '../kicked-players';
import type { QuestionState } from '../quiz-store';
import { RedisScript } from '../redis-script';

// Everything the answer route must know from Redis, decided in one script call (one round trip):
// the per-address and per-player rate limits (the same counters, in the same way, as the express
// limiters of every other route: rate-limit-redis's fixed window), the quiz's status, the
// question's open state, whether the host kicked the player, whether the player joined, and the
// first-answer claim (the same claimAnswer as the use case's). The checks run in the use case's
// order (answers.ts submit), so a request gets the same refusal either way.
//
// What the cache cannot say (the quiz's entries expired, a kicked set not known complete, a player
// Redis does not list as joined) is not guessed: the script answers "uncached" after counting the
// limits, and the route hands the request to the use case, which asks Postgres and refills Redis.
//
// The requests of one turn of the event loop (every request whose body arrived in one poll) go to
// Redis in one script call, each decided in arrival order as if alone: one command to build, send
// and parse instead of one per request, on both sides of the wire. While a call is out, the
// requests of the turns until its reply wait and go together in the next call.
//
// The gate also confirms the markers of answers Kafka has acknowledged (MarkerConfirms), first
// thing in its next call: a call of their own would cost both sides another write, read and
// wake-up per batch, about a tenth of ingest's CPU per answer. Confirmed before the call's claims,
// a retry of the answer in the same call is already told it was accepted.
//
// The limit counters and the quiz's keys sit in different hash slots, which a Redis Cluster refuses
// in one script: there app.ts leaves every request to the express routes.

// KEYS: the distinct answered hashes the call's confirms go to, then the distinct limit counters
// of its requests (each address's and each player's), then one set of keys per question the call's
// answers go to (the quiz's status, meta, question states, joined and kicked players, and the
// question's answered hash): the same for every answer to the question, so sent once per call.
// ARGV: what every call shares (SHARED_ARGS), the three counts (answered hashes, limit counters,
// confirms), then one argument per confirm and one per request, each its fields joined by spaces
// (no id, number or marker holds one: common/ids.ts) and naming its keys by their place in KEYS.
// ioredis pays for each argument: in a harness here a call of 280 arguments cost the client 138-182
// µs of CPU, the same bytes in 40 arguments 64-70 µs (a PING 56 µs). Splitting them costs Redis
// about 2 µs per answer and saves ingest about 7 (README, Performance, 2026-12-04 evening).
const KEYS_PER_QUESTION = 6;
// The same for every request of a gate (limits, marker timings, the kicked set's completeness member).
const SHARED_ARGS = 7;
/** Most requests in one script call: Redis runs nothing else while it runs (each takes ~10-25 µs). */
const MAX_BATCH = 128; // requests

const GATE = new RedisScript(
  `${CLAIM_ANSWER_LUA}
${CONFIRM_MARKER_LUA}
${CACHED_QUIZ_STATUS_LUA}
-- rate-limit-redis's fixed window; a window already open costs one command (INCR). A counter this
-- call already read and left under its limit (an address's, hit by most of the call's requests) is
-- counted here and written once at the end (INCRBY): nothing else runs between, and time stands
-- still for expiry while a script runs, so every request sees the count the INCRs would have given.
local counted = {}
local function hit(key, max, windowMs)
  local c = counted[key]
  if c and c.n < max then
    c.n, c.unwritten = c.n + 1, c.unwritten + 1
    return nil
  end
  -- This request's count, and whatever this call counted before without writing it.
  local n = redis.call('INCRBY', key, 1 + (c and c.unwritten or 0))
  c = {n = n, unwritten = 0}
  counted[key] = c
  if n == 1 then
    redis.call('PEXPIRE', key, windowMs)
    return nil
  end
  if n <= max then return nil end
  local ttl = redis.call('PTTL', key)
  if ttl <= 0 then
    redis.call('SET', key, 1, 'PX', windowMs)
    c.n = 1
    return nil
  end
  return ttl
end
local function writeCounts()
  for key, c in pairs(counted) do
    if c.unwritten > 0 then redis.call('INCRBY', key, c.unwritten) end
  end
end
local ipMax, ipWindowMs, playerMax, playerWindowMs, staleMs, ttl, kickedComplete = unpack(ARGV, 1, ${SHARED_ARGS})
ipMax, playerMax = tonumber(ipMax), tonumber(playerMax)
local answeredKeys, limitKeys, confirms = tonumber(ARGV[${SHARED_ARGS} + 1]), tonumber(ARGV[${SHARED_ARGS} + 2]), tonumber(ARGV[${SHARED_ARGS} + 3])
local A0 = ${SHARED_ARGS} + 3
local counts = {}
for i = 1, confirms do
  local key, player, pending = string.match(ARGV[A0 + i], '^(%d+) (%S+) (%S+)$')
  confirmMarker(KEYS[tonumber(key)], player, pending, counts)
end
countConfirmed(counts)
-- Offsets of the limit counters and the question sets in KEYS, and of the requests in ARGV.
local L0, Q0, R0 = answeredKeys, answeredKeys + limitKeys, A0 + confirms
-- What the answers to one question share is read once per call, when the first of them is decided:
-- the quiz's status, the question's state (and its JSON decode: the stored text, which a refusal
-- quotes, and when it closes while it is open), whether the kicked set is complete. Nothing in this
-- script changes them. An answered hash's expiry is likewise set once (claimAnswer's expiredKeys).
local questions, expiredKeys = {}, {}
local function question(set, questionId)
  local q = questions[set]
  if q then return q end
  local Q = Q0 + (set - 1) * ${KEYS_PER_QUESTION}
  q = {
    status = cachedQuizStatus(KEYS[Q + 1], KEYS[Q + 2]) or false,
    state = redis.call('HGET', KEYS[Q + 3], questionId),
    joined = KEYS[Q + 4],
    kicked = KEYS[Q + 5],
    kickedKnown = redis.call('SISMEMBER', KEYS[Q + 5], kickedComplete) == 1,
    -- Only the completeness member: nobody to look for.
    nobodyKicked = redis.call('SCARD', KEYS[Q + 5]) == 1,
    answered = KEYS[Q + 6],
  }
  if q.state then
    local s = cjson.decode(q.state)
    local function field(name)
      local v = s[name]
      if v == cjson.null then return nil end
      return v
    end
    q.closesAt = (not field('closedAt') and field('openedAt') and field('closesAt')) or nil
  end
  questions[set] = q
  return q
end
local function decide(request)
  local scope, ip, player, questionId, playerId, answerId, at, fits, set = string.match(request, '^(%S+) (%d+) (%d+) (%S*) (%S*) (%S*) (%d+) (%d) (%d+)$')
  local over = hit(KEYS[L0 + tonumber(ip)], ipMax, ipWindowMs)
  if over then return {'limited', over} end
  if scope == 'ip' then return {'passed'} end
  over = hit(KEYS[L0 + tonumber(player)], playerMax, playerWindowMs)
  if over then return {'limited', over} end
  if scope == 'limits' then return {'passed'} end

  local q = question(tonumber(set), questionId)
  if not q.status then return {'uncached'} end
  if q.status == 'missing' then return {'quiz_not_found'} end
  if not q.state then return {'uncached'} end
  if q.status == 'closed' then return {'quiz_closed'} end
  if not q.kickedKnown then return {'uncached'} end
  if not q.nobodyKicked and redis.call('SISMEMBER', q.kicked, playerId) == 1 then return {'kicked'} end
  if redis.call('HEXISTS', q.joined, playerId) == 0 then return {'uncached'} end
  if not q.closesAt or tonumber(at) > q.closesAt then return {'not_open', q.state} end
  if fits ~= '1' then return {'bad_answer'} end
  return claimAnswer(q.answered, playerId, answerId, at, staleMs, ttl, expiredKeys)
end
-- One string per request, "<kind>" or "<kind> <value>": a nested reply costs the client a parse per element.
local verdicts = {}
for i = R0 + 1, #ARGV do
  local v = decide(ARGV[i])
  verdicts[#verdicts + 1] = v[2] and (v[1] .. ' ' .. v[2]) or v[1]
end
writeCounts()
return verdicts
`,
  'all',
);

/** How far the gate goes: the address's limit only, both limits (the join route), or every check and the claim (answers). */
export type GateScope = 'ip' | 'limits' | 'full';

export interface GateRequest {
  scope: GateScope;
  address: string;
  /** Needed from scope 'limits' on. */
  playerId?: string;
  quizId?: string;
  questionId?: string;
  answerId?: string;
  /** The answer's acceptedAt: the question must be open at this instant. */
  at?: number;
  /** Whether the answer suits the question (the route checks it against the cached question): refused only once the question is open. */
  answerFits?: boolean;
}

export type GateVerdict =
  | { kind: 'limited'; retryAfterSeconds: number }
  /** The limits passed; scope 'full' never ends here. */
  | { kind: 'passed' }
  /** Redis cannot decide: the use case must (limits are counted already). */
  | { kind: 'uncached' }
  | { kind: 'quiz_not_found' | 'quiz_closed' | 'kicked' | 'bad_answer' }
  | { kind: 'not_open'; state: QuestionState }
  | { kind: 'claim'; result: ClaimResult };

export interface GateLimits {
  ip: RateLimitOptions;
  player: RateLimitOptions;
  /** The express limiters' prefix (ingest/rate-limit.ts): `${keyPrefix}ip:` and `${keyPrefix}player:`. */
  keyPrefix: string;
}

interface Queued {
  request: GateRequest;
  resolve: (verdict: GateVerdict) => void;
  reject: (err: unknown) => void;
}

interface QueuedConfirm {
  claim: Claim;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class RequestGate implements MarkerConfirms {
  private queued: Queued[] = [];
  private confirms: QueuedConfirm[] = [];
  /** A flush's calls are out (see schedule). */
  private sending = false;
  /** A flush waits for the end of this turn. */
  private scheduled = false;
  /** ARGV[1..SHARED_ARGS] of every call. */
  private readonly sharedArgs: Array<string | number>;

  constructor(
    private readonly redis: RedisClient,
    markers: AnswerMarkers,
    private readonly limits: GateLimits,
  ) {
    const { ip, player } = limits;
    this.sharedArgs = [ip.max, ip.windowMs, player.max, player.windowMs, markers.staleAfterMs, markers.ttlSeconds, KICKED_SET_COMPLETE];
  }

  pass(r: GateRequest): Promise<GateVerdict> {
    const { promise, resolve, reject } = Promise.withResolvers<GateVerdict>();
    this.queued.push({ request: r, resolve, reject });
    this.schedule();
    return promise;
  }

  /** Confirms a claim's marker in the next call (see the top of this file). */
  confirm(claim: Claim): Promise<void> {
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.confirms.push({ claim, resolve, reject });
    this.schedule();
    return promise;
  }

  /**
   * One flush out at a time: requests that arrive while its calls are out wait for their replies
   * and go together in the next. Under load that is many turns' requests in one call instead of a
   * call per turn, and each call costs both sides a write, a read and a wake-up.
   */
  private schedule(): void {
    if (this.sending || this.scheduled || (this.queued.length === 0 && this.confirms.length === 0)) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  /** The call's KEYS and ARGV (their layout is described above GATE). */
  private callOf(batch: Queued[], confirms: QueuedConfirm[]): { keys: string[]; args: Array<string | number> } {
    const { keyPrefix } = this.limits;
    const answered = new DistinctKeys();
    const confirmArgv = confirms.map(({ claim }) => {
      const { key, args } = confirmArgs(claim);
      return `${answered.placeOf(key)} ${args.join(' ')}`;
    });
    const counters = new DistinctKeys();
    const sets = new QuestionKeySets(questionKeys);
    const requestArgv = batch.map(({ request: r }) => {
      const ip = counters.placeOf(`${keyPrefix}ip:${r.address}`);
      const player = r.scope === 'ip' ? 0 : counters.placeOf(`${keyPrefix}player:${r.playerId ?? ''}`);
      const set = r.scope === 'full' ? sets.numberOf(r.quizId ?? '', r.questionId ?? '') : 0;
      return `${r.scope} ${ip} ${player} ${r.questionId ?? ''} ${r.playerId ?? ''} ${r.answerId ?? ''} ${r.at ?? 0} ${r.answerFits ? 1 : 0} ${set}`;
    });
    return {
      keys: [...answered.keys, ...counters.keys, ...sets.keys],
      args: [...this.sharedArgs, answered.keys.length, counters.keys.length, confirms.length, ...confirmArgv, ...requestArgv],
    };
  }

  private async flush(): Promise<void> {
    const { queued, confirms } = this;
    this.queued = [];
    this.confirms = [];
    this.sending = true;
    const calls: Array<Promise<void>> = [];
    for (let r = 0, c = 0; r < queued.length || c < confirms.length; r += MAX_BATCH, c += MAX_CONFIRMS) {
      calls.push(this.send(queued.slice(r, r + MAX_BATCH), confirms.slice(c, c + MAX_CONFIRMS)));
    }
    await Promise.all(calls);
    this.sending = false;
    this.schedule();
  }

  private async send(batch: Queued[], confirms: QueuedConfirm[]): Promise<void> {
    let replies: string[];
    try {
      const { keys, args } = this.callOf(batch, confirms);
      replies = (await guardRedis(this.redis, 'request gate', () => GATE.runNow(this.redis, keys, args))) as string[];
    } catch (err) {
      for (const q of confirms) q.reject(err);
      for (const q of batch) q.reject(err);
      return;
    }
    for (const { resolve } of confirms) resolve();
    batch.forEach((q, i) => {
      try {
        q.resolve(verdictOf(replies[i]!, q.request));
      } catch (err) {
        q.reject(err);
      }
    });
  }
}

/** A question's set of keys, in the order the script reads them (KEYS_PER_QUESTION). */
function questionKeys(quizId: string, questionId: string): string[] {
  return [
    redisKeys.quizStatus(quizId),
    redisKeys.quizMeta(quizId),
    redisKeys.questionState(quizId),
    redisKeys.joined(quizId),
    redisKeys.kicked(quizId),
    redisKeys.answered(quizId, questionId),
  ];
}

/** A request's reply, "<kind>" or "<kind> <value>" (the script's end). */
function verdictOf(reply: string, r: GateRequest): GateVerdict {
  const space = reply.indexOf(' ');
  const kind = space < 0 ? reply : reply.slice(0, space);
  const value = space < 0 ? undefined : reply.slice(space + 1);
  switch (kind) {
    case 'limited':
      return { kind, retryAfterSeconds: Math.max(1, Math.ceil(Number(value) / 1000)) };
    case 'passed':
    case 'uncached':
    case 'quiz_not_found':
    case 'quiz_closed':
    case 'kicked':
    case 'bad_answer':
      return { kind };
    case 'not_open':
      return { kind, state: JSON.parse(String(value)) as QuestionState };
    default:
      return { kind: 'claim', result: claimResultOf([kind, value], { quizId: r.quizId ?? '', questionId: r.questionId ?? '', playerId: r.playerId ?? '', answerId: r.answerId ?? '' }) };
  }
}
