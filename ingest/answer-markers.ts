import { redisKeys, type RedisClient } from '../common/redis';
import { guardRedis } from './dependency-errors';
import { RedisScript } from './redis-script';

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

/**
 * Lua: claims a player's field of an answered hash; the claim script below and the request gate
 * (hot/request-gate.ts) both call it. `expiredKeys` (optional): hashes whose expiry this script call
 * already set, so a batch of claims on one hash sets it once.
 */
export const CLAIM_ANSWER_LUA = `
local function claimAnswer(key, player, answerId, now, staleMs, ttl, expiredKeys)
  local mine = 'p|' .. now .. '|' .. answerId
  -- A player's first answer, the usual case, is one command; any other reads what is there.
  if redis.call('HSETNX', key, player, mine) == 0 then
    local cur = redis.call('HGET', key, player)
    local accepted = string.match(cur, '^a|(.*)$')
    if accepted then return {'accepted', accepted} end
    local ts, id = string.match(cur, '^p|(%d+)|(.*)$')
    if ts and tonumber(ts) + tonumber(staleMs) > tonumber(now) then return {'pending', id} end
    redis.call('HSET', key, player, mine)
  end
  if not (expiredKeys and expiredKeys[key]) then
    redis.call('EXPIRE', key, ttl)
    if expiredKeys then expiredKeys[key] = true end
  end
  return {'claimed', mine}
end
`;

const CLAIM = new RedisScript(`${CLAIM_ANSWER_LUA}\nreturn claimAnswer(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])`, 1);

/**
 * Lua: confirms one answer's marker in its answered hash (its pending form becomes the accepted
 * one), counting it in `counts` (hash -> n); `countConfirmed(counts)` then raises each hash's count
 * once. Like the release below, it only touches a marker its own request wrote (`pending`), never
 * one a newer request has taken over. The confirm script below and the request gate
 * (hot/request-gate.ts) both call them.
 */
export const CONFIRM_MARKER_LUA = `
local function confirmMarker(key, player, pending, counts)
  if redis.call('HGET', key, player) == pending then
    redis.call('HSET', key, player, 'a|' .. string.match(pending, '^p|%d+|(.*)$'))
    counts[key] = (counts[key] or 0) + 1
  end
end
local function countConfirmed(counts)
  for key, n in pairs(counts) do redis.call('HINCRBY', key, '', n) end
end
`;

// One quiz's confirms (a Redis Cluster takes a script only when its keys share a slot, and a quiz's
// keys do): KEYS[i] is the i-th answer's answered hash (a key may repeat), ARGV its two confirmArgs.
const CONFIRM = new RedisScript(
  `${CONFIRM_MARKER_LUA}
local counts = {}
for i = 1, #KEYS do
  confirmMarker(KEYS[i], ARGV[2 * i - 1], ARGV[2 * i], counts)
end
countConfirmed(counts)
return 0
`,
  'all',
);

/** A confirm's answered hash and what confirmMarker takes: the player and the pending marker. */
export function confirmArgs(c: Claim): { key: string; args: [string, string] } {
  return { key: redisKeys.answered(c.quizId, c.questionId), args: [c.playerId, c.marker] };
}

/**
 * Who confirms a marker once Kafka has its answer: AnswerMarkers in a call of its own, or the
 * request gate in the call it makes anyway.
 */
export interface MarkerConfirms {
  confirm(c: Claim): Promise<void>;
}

/** Most markers confirmed by one script call. */
export const MAX_CONFIRMS = 500; // markers

/** The field of an answered hash that counts its confirmed markers. */
export const CONFIRMED_COUNT_FIELD = '';
const RELEASE = new RedisScript(
  `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
`,
  1,
);

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

/** What a claim script replied, for the answer of `answerId`. */
export function claimResultOf(reply: unknown, c: Omit<Claim, 'marker'>): ClaimResult {
  const [kind, value] = reply as [string, string];
  if (kind === 'claimed') return { kind, claim: { ...c, marker: value } };
  if (kind === 'accepted' || kind === 'pending') return { kind, answerId: value };
  throw new Error(`unexpected claim reply ${JSON.stringify(reply)}`);
}

interface QueuedConfirm {
  claim: Claim;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class AnswerMarkers implements MarkerConfirms {
  // Confirms asked for in one turn of the event loop (every answer of one Kafka batch is
  // acknowledged at once) go to Redis together: one script call per quiz, since a Redis Cluster
  // takes a script only when its keys share a slot, and a quiz's keys do.
  private confirms: QueuedConfirm[] = [];

  constructor(
    private readonly redis: RedisClient,
    /** Older pending claims are abandoned: their request outlived every timeout it had. */
    readonly staleAfterMs: number,
    readonly ttlSeconds: number,
  ) {}

  async claim(quizId: string, questionId: string, playerId: string, answerId: string): Promise<ClaimResult> {
    const reply = await guardRedis(this.redis, 'claim answer', () =>
      CLAIM.run(this.redis, [redisKeys.answered(quizId, questionId)], [playerId, answerId, Date.now(), this.staleAfterMs, this.ttlSeconds]),
    );
    return claimResultOf(reply, { quizId, questionId, playerId, answerId });
  }

  confirm(c: Claim): Promise<void> {
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    if (this.confirms.length === 0) setImmediate(() => void this.flushConfirms());
    this.confirms.push({ claim: c, resolve, reject });
    return promise;
  }

  async release(c: Claim): Promise<void> {
    await guardRedis(this.redis, 'release answer', () => RELEASE.run(this.redis, [redisKeys.answered(c.quizId, c.questionId)], [c.playerId, c.marker]));
  }

  private async flushConfirms(): Promise<void> {
    const groups = new Map<string, QueuedConfirm[]>();
    for (const queued of this.confirms) {
      const group = groups.get(queued.claim.quizId);
      if (group) group.push(queued);
      else groups.set(queued.claim.quizId, [queued]);
    }
    this.confirms = [];
    const calls: QueuedConfirm[][] = [];
    for (const group of groups.values()) for (let i = 0; i < group.length; i += MAX_CONFIRMS) calls.push(group.slice(i, i + MAX_CONFIRMS));
    // Each written at once: the turn that gathered them is over.
    await Promise.all(
      calls.map(async (call) => {
        try {
          const keys: string[] = [];
          const args: string[] = [];
          for (const { claim } of call) {
            const c = confirmArgs(claim);
            keys.push(c.key);
            args.push(...c.args);
          }
          await guardRedis(this.redis, 'confirm answers', () => CONFIRM.runNow(this.redis, keys, args));
          for (const { resolve } of call) resolve();
        } catch (err) {
          for (const { reject } of call) reject(err);
        }
      }),
    );
  }
}
