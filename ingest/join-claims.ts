import type { Pool } from 'pg';
import { UnavailableError } from '../common/errors';
import { redisKeys, type RedisClient } from '../common/redis';
import { guardPostgres, guardRedis } from './dependency-errors';
import { nameKey } from './display-names';
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

const CLAIM = new RedisScript(
  `
local joined = redis.call('HGET', KEYS[1], ARGV[1])
if joined then return {'joined', joined} end
if redis.call('HEXISTS', KEYS[3], '') == 0 then return {'unbuilt', ''} end
local claim = redis.call('HGET', KEYS[2], ARGV[1])
if claim then
  local at, name = string.match(claim, '^(%d+)|(.*)$')
  if tonumber(at) + tonumber(ARGV[5]) > tonumber(ARGV[4]) then return {'pending', name} end
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[4] .. '|' .. name)
  return {'claimed', name}
end
local owner = redis.call('HGET', KEYS[3], ARGV[3])
if owner and owner ~= ARGV[1] then
  for i = 7, #ARGV do
    if redis.call('HEXISTS', KEYS[3], ARGV[i]) == 0 then return {'taken', tostring(i - 7)} end
  end
  return {'taken', ''}
end
redis.call('HSET', KEYS[3], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[4] .. '|' .. ARGV[2])
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[6]) end
return {'claimed', ARGV[2]}
`,
  3,
);

// Joins Postgres knows (players), so names survive a Redis that lost them. Never overwrites. The
// last batch (ARGV[2] = 1) marks the owners complete.
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

export type JoinClaim =
  /** Write the PlayerJoined with `displayName` (the requested one, or the name of an earlier claim taken over). */
  | { kind: 'claimed'; displayName: string }
  | { kind: 'joined'; displayName: string }
  | { kind: 'pending'; displayName: string }
  /** Someone else holds the name; `suggestion` is a free variant, when one of the candidates was. */
  | { kind: 'taken'; suggestion?: string };

export class JoinClaims {
  constructor(
    private readonly redis: RedisClient,
    private readonly pg: Pool,
    /** Older pending claims are taken over: their request outlived every timeout it had. */
    private readonly staleAfterMs: number,
    private readonly ttlSeconds: number,
  ) {}

  /** `suggestions` are offered, first free one first, when the name is taken. */
  async claim(quizId: string, playerId: string, displayName: string, suggestions: string[]): Promise<JoinClaim> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const [kind, value] = (await guardRedis(this.redis, 'claim join', () =>
        CLAIM.run(this.redis, this.keys(quizId), [
          playerId,
          displayName,
          nameKey(displayName),
          Date.now(),
          this.staleAfterMs,
          this.ttlSeconds,
          ...suggestions.map(nameKey),
        ]),
      )) as [string, string];
      if (kind === 'claimed' || kind === 'joined' || kind === 'pending') return { kind, displayName: value };
      if (kind === 'taken') return value === '' ? { kind } : { kind, suggestion: suggestions[Number(value)]! };
      await this.rebuild(quizId);
    }
    throw new UnavailableError('the players of this quiz could not be loaded into redis; retry', 1, 'cache_unavailable');
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

  private async rebuild(quizId: string): Promise<void> {
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
