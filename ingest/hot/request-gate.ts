import type { RedisClient } from '../../common/redis';
import { redisKeys } from '../../common/redis';
import type { RateLimitOptions } from '../../common/rate-limit';
import { CLAIM_ANSWER_LUA, claimResultOf, type AnswerMarkers, type ClaimResult } from '../answer-markers';
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
// The limit counters and the quiz's keys sit in different hash slots, which a Redis Cluster refuses
// in one script: there app.ts leaves every request to the express routes.

const GATE = new RedisScript(
  `${CLAIM_ANSWER_LUA}
local function hit(key, max, windowMs)
  local ttl = redis.call('PTTL', key)
  if ttl <= 0 then
    redis.call('SET', key, 1, 'PX', windowMs)
    return nil
  end
  if redis.call('INCR', key) > tonumber(max) then return ttl end
  return nil
end
local over = hit(KEYS[1], ARGV[2], ARGV[3])
if over then return {'limited', over} end
if ARGV[1] == 'ip' then return {'passed'} end
over = hit(KEYS[2], ARGV[4], ARGV[5])
if over then return {'limited', over} end
if ARGV[1] == 'limits' then return {'passed'} end

local status = redis.call('GET', KEYS[3])
if not status then
  local meta = redis.call('GET', KEYS[4])
  if not meta then return {'uncached'} end
  if meta == 'missing' then status = 'missing' else status = cjson.decode(meta)['status'] end
  local ttl = redis.call('PTTL', KEYS[4])
  if ttl > 0 then redis.call('SET', KEYS[3], status, 'PX', ttl) end
end
if status == 'missing' then return {'quiz_not_found'} end
local state = redis.call('HGET', KEYS[5], ARGV[6])
if not state then return {'uncached'} end
if status == 'closed' then return {'quiz_closed'} end
if redis.call('SISMEMBER', KEYS[7], ARGV[13]) == 0 then return {'uncached'} end
if redis.call('SISMEMBER', KEYS[7], ARGV[7]) == 1 then return {'kicked'} end
if redis.call('HEXISTS', KEYS[6], ARGV[7]) == 0 then return {'uncached'} end
local s = cjson.decode(state)
local function field(name)
  local v = s[name]
  if v == cjson.null then return nil end
  return v
end
if field('closedAt') or not field('openedAt') or not field('closesAt') or tonumber(ARGV[9]) > field('closesAt') then return {'not_open', state} end
if ARGV[12] ~= '1' then return {'bad_answer'} end
return claimAnswer(KEYS[8], ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11])
`,
  8,
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

export class RequestGate {
  constructor(
    private readonly redis: RedisClient,
    private readonly markers: AnswerMarkers,
    private readonly limits: GateLimits,
  ) {}

  async pass(r: GateRequest): Promise<GateVerdict> {
    const { ip, player, keyPrefix } = this.limits;
    const quizId = r.quizId ?? '';
    const questionId = r.questionId ?? '';
    const playerId = r.playerId ?? '';
    const keys = [
      `${keyPrefix}ip:${r.address}`,
      `${keyPrefix}player:${playerId}`,
      redisKeys.quizStatus(quizId),
      redisKeys.quizMeta(quizId),
      redisKeys.questionState(quizId),
      redisKeys.joined(quizId),
      redisKeys.kicked(quizId),
      redisKeys.answered(quizId, questionId),
    ];
    const args = [
      r.scope,
      ip.max,
      ip.windowMs,
      player.max,
      player.windowMs,
      questionId,
      playerId,
      r.answerId ?? '',
      r.at ?? 0,
      this.markers.staleAfterMs,
      this.markers.ttlSeconds,
      r.answerFits ? '1' : '0',
      KICKED_SET_COMPLETE,
    ];
    const reply = (await guardRedis(this.redis, 'request gate', () => GATE.run(this.redis, keys, args))) as [string, (string | number)?];
    const [kind, value] = reply;
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
        return { kind: 'claim', result: claimResultOf(reply, { quizId, questionId, playerId, answerId: r.answerId ?? '' }) };
    }
  }
}
