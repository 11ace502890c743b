import type { Pool } from 'pg';
import { redisKeys, type RedisClient } from '../common/redis';
import { CACHED_QUIZ_STATUS_LUA } from './cached-quiz-status';
import { guardPostgres, guardRedis } from './dependency-errors';
import { nameKey } from './display-names';
import { KICKED_SET_COMPLETE } from './kicked-players';
import { RedisScript } from './redis-script';

// A player's first join, and the display name it takes, are claimed in one Redis script per quiz
// (all keys carry the {quizId} hash tag, so it runs on one cluster slot), whichever ingest instance
// each request reaches. Three hashes:
//   joined       playerId -> displayName          Kafka has the PlayerJoined (answers may come)
//   join-claims  playerId -> <claimedAtMs>|name   a request is writing the PlayerJoined now
//   name-owners  nameKey  -> playerId             who holds each name; field "" = complete
// A claim fixes the player's name for good: a request that died, or whose write Kafka refused (a
// refused write may still land), leaves its claim, and the player's next join takes it over with
// that same name, so every PlayerJoined of a player carries one name and nobody else gets it.
// name-owners is rebuilt from Postgres (players) when Redis lost it, before any new name is given.
// The same script first checks what else a join depends on (the quiz's status, the host's kicks),
// so a join that the cache can decide costs one round trip; what it cannot decide it calls
// 'uncached', and the caller refills that part from Postgres and asks again.

const CLAIM = new RedisScript(
  `${CACHED_QUIZ_STATUS_LUA}
local status = cachedQuizStatus(KEYS[4], KEYS[5])
if not status then return {'uncached'} end
if status == 'missing' then return {'quiz_not_found'} end
if status == 'closed' then return {'quiz_closed'} end
if redis.call('SISMEMBER', KEYS[6], ARGV[8]) == 0 then return {'uncached'} end
if redis.call('SISMEMBER', KEYS[6], ARGV[1]) == 1 then return {'kicked'} end
local joined = redis.call('HGET', KEYS[1], ARGV[1])
if joined then return {'joined', joined} end
if redis.call('HEXISTS', KEYS[3], '') == 0 then return {'uncached'} end
if ARGV[7] ~= 'ok' then return {ARGV[7]} end
local claim = redis.call('HGET', KEYS[2], ARGV[1])
if claim then
  local at, name = string.match(claim, '^(%d+)|(.*)$')
  if tonumber(at) + tonumber(ARGV[5]) > tonumber(ARGV[4]) then return {'pending', name} end
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[4] .. '|' .. name)
  return {'claimed', name}
end
local owner = redis.call('HGET', KEYS[3], ARGV[3])
if owner and owner ~= ARGV[1] then
  for i = 9, #ARGV do
    if redis.call('HEXISTS', KEYS[3], ARGV[i]) == 0 then return {'taken', tostring(i - 9)} end
  end
  return {'taken', ''}
end
redis.call('HSET', KEYS[3], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[4] .. '|' .. ARGV[2])
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[6]) end
return {'claimed', ARGV[2]}
`,
  6,
);

const FILL = `
for i = 3, #ARGV, 3 do
  redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 2])
  redis.call('HSETNX', KEYS[3], ARGV[i + 1], ARGV[i])
end
if ARGV[2] == '1' then redis.call('HSET', KEYS[3], '', '1') end
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[1]) end
return 1
`;
const FILL_BATCH = 1_000; // players per script call, so a big quiz does not block Redis in one go

const CONFIRM = new RedisScript(
  `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[3], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[4]) end
return 1
`,
  3,
);

/** What the join's requested name is, judged before the script (a rejoin keeps its first name, whatever it asks for). */
export type NameVerdict = 'ok' | 'no_name' | 'name_rejected';

export type JoinClaim =
  /** Write the PlayerJoined with `displayName` (the requested one, or the name of an earlier claim taken over). */
  | { kind: 'claimed'; displayName: string }
  | { kind: 'joined'; displayName: string }
  | { kind: 'pending'; displayName: string }
  /** Someone else holds the name; `suggestion` is a free variant, when one of the candidates was. */
  | { kind: 'taken'; suggestion?: string }
  /** Not a new join, and the name is missing or not allowed. */
  | { kind: 'no_name' | 'name_rejected' }
  | { kind: 'quiz_not_found' | 'quiz_closed' | 'kicked' }
  /** Redis does not know the quiz, its kicks or its names completely: refill them (`fill`) and ask again. */
  | { kind: 'uncached' };

export interface ClaimRequest {
  displayName: string;
  name: NameVerdict;
  /** Offered, first free one first, when the name is taken. */
  suggestions: string[];
}

export class JoinClaims {
  constructor(
    private readonly redis: RedisClient,
    private readonly pg: Pool,
    /** Older pending claims are taken over: their request outlived every timeout it had. */
    private readonly staleAfterMs: number,
    private readonly ttlSeconds: number,
  ) {}

  async claim(quizId: string, playerId: string, r: ClaimRequest): Promise<JoinClaim> {
    const keys = [...this.keys(quizId), redisKeys.quizStatus(quizId), redisKeys.quizMeta(quizId), redisKeys.kicked(quizId)];
    const args = [playerId, r.displayName, nameKey(r.displayName), Date.now(), this.staleAfterMs, this.ttlSeconds, r.name, KICKED_SET_COMPLETE, ...r.suggestions.map(nameKey)];
    const [kind, value] = (await guardRedis(this.redis, 'claim join', () => CLAIM.run(this.redis, keys, args))) as [string, string?];
    switch (kind) {
      case 'claimed':
      case 'joined':
      case 'pending':
        return { kind, displayName: value ?? '' };
      case 'taken':
        return value === '' || value === undefined ? { kind } : { kind, suggestion: r.suggestions[Number(value)]! };
      case 'no_name':
      case 'name_rejected':
      case 'quiz_not_found':
      case 'quiz_closed':
      case 'kicked':
      case 'uncached':
        return { kind };
      default:
        throw new Error(`join claim: unexpected reply ${String(kind)}`);
    }
  }

  /** Kafka has the PlayerJoined: the player has joined under this name. */
  async confirm(quizId: string, playerId: string, displayName: string): Promise<void> {
    await guardRedis(this.redis, 'confirm join', () =>
      CONFIRM.run(this.redis, this.keys(quizId), [playerId, displayName, nameKey(displayName), this.ttlSeconds]),
    );
  }

  /**
   * The PlayerJoined may not have been written: the claim stays, with its name, and is free for
   * the same player's next join at once (a write Kafka refused can still land, with this name).
   */
  async abandon(quizId: string, playerId: string, displayName: string): Promise<void> {
    await guardRedis(this.redis, 'abandon join claim', () => this.redis.hset(redisKeys.joinClaims(quizId), playerId, `0|${displayName}`));
  }

  private keys(quizId: string): [string, string, string] {
    return [redisKeys.joined(quizId), redisKeys.joinClaims(quizId), redisKeys.nameOwners(quizId)];
  }

  /** Loads the quiz's players and their names from Postgres into Redis (only adds; marks them complete). */
  async fill(quizId: string): Promise<void> {
    const { rows } = await guardPostgres('load players', () =>
      this.pg.query<{ player_id: string; display_name: string }>('SELECT player_id, display_name FROM players WHERE quiz_id = $1 ORDER BY joined_at', [
        quizId,
      ]),
    );
    for (let from = 0; from === 0 || from < rows.length; from += FILL_BATCH) {
      const batch = rows.slice(from, from + FILL_BATCH);
      const last = from + FILL_BATCH >= rows.length ? 1 : 0;
      const args = batch.flatMap((r) => [r.player_id, nameKey(r.display_name), r.display_name]);
      await guardRedis(this.redis, 'rebuild names', () => this.redis.eval(FILL, 3, ...this.keys(quizId), this.ttlSeconds, last, ...args));
    }
  }
}
