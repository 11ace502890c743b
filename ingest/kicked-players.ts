import type { Pool } from 'pg';
import { redisKeys, type RedisClient } from '../common/redis';
import { guardPostgres, guardRedis } from './dependency-errors';

// Who the host kicked out of a quiz, as ingest checks it on every join and answer: one Redis set per
// quiz (redisKeys.kicked, under the quiz's hash tag, so a script of the answer path can read it with
// the quiz's other keys). Postgres (kicked_players) is the truth; the set's member "" says the set
// holds all of it, and a set without it (Redis restarted, the entry expired) is refilled from
// Postgres before it is believed. Refills only add, so a kick written meanwhile is never undone.

/** The member that marks the set complete; never a player id (ids are 1-64 characters). */
export const KICKED_SET_COMPLETE = '';

export class KickedPlayers {
  constructor(
    private readonly redis: RedisClient,
    private readonly pg: Pool,
    private readonly ttlSeconds: number,
  ) {}

  async isKicked(quizId: string, playerId: string): Promise<boolean> {
    const known = await this.lookUp(quizId, playerId);
    if (known !== undefined) return known;
    return (await this.refill(quizId)).has(playerId);
  }

  /**
   * What the set says, or undefined while it is not complete. For callers that read it in their own
   * pipeline: `[SISMEMBER playerId, SISMEMBER ""]` replies.
   */
  static answer(isMember: unknown, complete: unknown): boolean | undefined {
    return complete === 1 ? isMember === 1 : undefined;
  }

  /** Refused from now on by every ingest instance. The caller has recorded the kick in Postgres (or is about to commit it). */
  async add(quizId: string, playerId: string): Promise<void> {
    if ((await this.lookUp(quizId, playerId)) === undefined) await this.refill(quizId);
    const key = redisKeys.kicked(quizId);
    await guardRedis(this.redis, 'record kick', () => this.redis.multi().sadd(key, playerId).expire(key, this.ttlSeconds).exec());
  }

  /** Takes back a kick whose event Kafka did not take (its transaction rolls back). */
  async remove(quizId: string, playerId: string): Promise<void> {
    await guardRedis(this.redis, 'undo kick', () => this.redis.srem(redisKeys.kicked(quizId), playerId));
  }

  private async lookUp(quizId: string, playerId: string): Promise<boolean | undefined> {
    const key = redisKeys.kicked(quizId);
    const replies = await guardRedis(this.redis, 'read kicked', () => this.redis.pipeline().sismember(key, playerId).sismember(key, KICKED_SET_COMPLETE).exec());
    const [member, complete] = (replies ?? []).map(([err, value]) => {
      if (err) throw err;
      return value;
    });
    return KickedPlayers.answer(member, complete);
  }

  private async refill(quizId: string): Promise<Set<string>> {
    const { rows } = await guardPostgres('load kicked players', () =>
      this.pg.query<{ player_id: string }>('SELECT player_id FROM kicked_players WHERE quiz_id = $1', [quizId]),
    );
    const key = redisKeys.kicked(quizId);
    const members = [...rows.map((r) => r.player_id), KICKED_SET_COMPLETE];
    await guardRedis(this.redis, 'refill kicked', () => this.redis.multi().sadd(key, ...members).expire(key, this.ttlSeconds).exec());
    return new Set(members);
  }
}
