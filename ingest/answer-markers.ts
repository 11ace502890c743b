import { redisKeys, type RedisClient } from '../common/redis';
import { guardRedis } from './dependency-errors';

// The cheap duplicate check: one hash per question, playerId -> marker. The processors stay the
// final judge (first accepted answer wins), so a marker lost with Redis costs a 202 instead of a
// 409, never a wrong score. A marker is
//   p|<claimedAtMs>|<answerId>   a request is writing this answer to Kafka right now
//   a|<answerId>                 Kafka acknowledged this answer
// The pending form lets a retry with the same answerId tell "still in flight" from "accepted", and
// its timestamp lets a later request take over a claim whose owner died before it could clean up.
// The field "" (never a player id) counts the markers that went from pending to accepted, each
// once: how many players' answers Kafka has, which closeWhenAllAnswered compares to the players
// (all-answered.ts). Lost with the hash, it counts low, and the question then closes at its time limit.

const CLAIM = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local accepted = string.match(cur, '^a|(.*)$')
  if accepted then return {'accepted', accepted} end
  local ts, id = string.match(cur, '^p|(%d+)|(.*)$')
  if ts and tonumber(ts) + tonumber(ARGV[4]) > tonumber(ARGV[3]) then return {'pending', id} end
end
local mine = 'p|' .. ARGV[3] .. '|' .. ARGV[2]
redis.call('HSET', KEYS[1], ARGV[1], mine)
redis.call('EXPIRE', KEYS[1], ARGV[5])
return {'claimed', mine}
`;

// Both only touch the marker this request wrote, never one a newer request has taken over.
const CONFIRM = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  redis.call('HINCRBY', KEYS[1], '', 1)
  return 1
end
return 0
`;

/** The field of an answered hash that counts its confirmed markers. */
export const CONFIRMED_COUNT_FIELD = '';
const RELEASE = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
`;

export type ClaimResult =
  | { kind: 'claimed'; claim: Claim }
  | { kind: 'accepted'; answerId: string }
  | { kind: 'pending'; answerId: string };

export interface Claim {
  quizId: string;
  questionId: string;
  playerId: string;
  answerId: string;
  marker: string;
}

export class AnswerMarkers {
  constructor(
    private readonly redis: RedisClient,
    /** Older pending claims are abandoned: their request outlived every timeout it had. */
    private readonly staleAfterMs: number,
    private readonly ttlSeconds: number,
  ) {}

  async claim(quizId: string, questionId: string, playerId: string, answerId: string): Promise<ClaimResult> {
    const reply = (await guardRedis(this.redis, 'claim answer', () =>
      this.redis.eval(CLAIM, 1, redisKeys.answered(quizId, questionId), playerId, answerId, Date.now(), this.staleAfterMs, this.ttlSeconds),
    )) as [string, string];
    const [kind, value] = reply;
    if (kind === 'claimed') return { kind, claim: { quizId, questionId, playerId, answerId, marker: value } };
    if (kind === 'accepted' || kind === 'pending') return { kind, answerId: value };
    throw new Error(`unexpected claim reply ${JSON.stringify(reply)}`);
  }

  async confirm(c: Claim): Promise<void> {
    await guardRedis(this.redis, 'confirm answer', () =>
      this.redis.eval(CONFIRM, 1, redisKeys.answered(c.quizId, c.questionId), c.playerId, c.marker, `a|${c.answerId}`),
    );
  }

  async release(c: Claim): Promise<void> {
    await guardRedis(this.redis, 'release answer', () => this.redis.eval(RELEASE, 1, redisKeys.answered(c.quizId, c.questionId), c.playerId, c.marker));
  }
}
