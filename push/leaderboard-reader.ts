import { AppError, SnapshotFormatError, UnavailableError } from '../common/errors';
import type { SnapshotWire } from '../common/messages/wire';
import { redisKeys, type RedisClient } from '../common/redis';
import { parseStoredSnapshot } from './snapshot-wire';

export interface PlayerStanding {
  playerId: string;
  displayName: string;
  score: number;
  rank: number;
}

/** Reads what processors keep in Redis (key layout in common/redis.ts). Push never writes there. */
export class LeaderboardReader {
  constructor(private readonly redis: RedisClient) {}

  /** The latest snapshot JSON, or undefined when the quiz has none yet. */
  async snapshot(quizId: string): Promise<(SnapshotWire & { createdAt?: number }) | undefined> {
    const json = await this.call(() => this.redis.get(redisKeys.snapshot(quizId)));
    if (json === null) return undefined;
    try {
      return parseStoredSnapshot(json);
    } catch (err) {
      if (err instanceof SnapshotFormatError) throw new AppError('snapshot_unreadable', err.message);
      throw err;
    }
  }

  /** Rank from the sorted set (whose composite score already breaks ties), points from the totals hash. */
  async player(quizId: string, playerId: string): Promise<PlayerStanding | undefined> {
    const results = await this.call(() =>
      this.redis
        .multi()
        .zrevrank(redisKeys.leaderboard(quizId), playerId)
        .hget(redisKeys.totals(quizId), playerId)
        .hget(redisKeys.names(quizId), playerId)
        .hget(redisKeys.joined(quizId), playerId)
        .exec(),
    );
    if (!results) throw new UnavailableError('redis: transaction aborted', 1, 'redis_unavailable');
    const values = results.map(([err, value]) => {
      if (err) throw new UnavailableError(`redis: ${err.message}`, 1, 'redis_unavailable');
      return value;
    });
    const [rank, total, name, joinedName] = values as [number | null, string | null, string | null, string | null];
    if (rank === null) return undefined;
    return { playerId, displayName: name ?? joinedName ?? '', score: total === null ? 0 : Number(total), rank: rank + 1 };
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new UnavailableError(`redis: ${(err as Error).message}`, 1, 'redis_unavailable');
    }
  }
}
