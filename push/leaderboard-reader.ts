import { AppError, SnapshotFormatError, UnavailableError } from '../common/errors';
import type { LeaderboardEntryWire, PlayerStandingWire, StandingsPageWire } from '../common/messages/wire';
import { redisKeys, type RedisClient } from '../common/redis';
import { ServedSnapshots, type ServedSnapshot } from './served-snapshots';

// Read-only scripts over what processors keep in Redis (key layout in common/redis.ts). A script
// reads the rank and the entries around it in one round trip and one consistent view: the sorted
// set and the totals hash change together (in the processors' scripts), so a score never
// disagrees with its rank. Only released points are there: an onClose quiz's held points live in
// another hash until the close, so nothing read here shows them early.
//
// Entries come out as a flat list of (playerId, total, display name) in ZREVRANGE order, which is
// the ranking (the composite score breaks ties, processors/ranking.ts). The name falls back to
// ingest's join record, then to the id, as the snapshot's does.
const LIST_ENTRIES = `
local function list_entries(out, lb, totals, names, joined, from, to)
  for _, id in ipairs(redis.call('ZREVRANGE', lb, from, to)) do
    out[#out + 1] = id
    out[#out + 1] = redis.call('HGET', totals, id) or '0'
    out[#out + 1] = redis.call('HGET', names, id) or redis.call('HGET', joined, id) or id
  end
  return out
end
`;

// → nil when the player is not on the board, else {rank0, from0, entries of ranks from0 .. rank0 + around}.
const READ_STANDING = `${LIST_ENTRIES}
local rank = redis.call('ZREVRANK', KEYS[1], ARGV[1])
if not rank then return false end
local around = tonumber(ARGV[2])
local from = rank - around
if from < 0 then from = 0 end
return list_entries({rank, from}, KEYS[1], KEYS[2], KEYS[3], KEYS[4], from, rank + around)
`;

// → {board size, 1 if a snapshot exists, entries of ranks offset .. offset + limit - 1}.
const READ_PAGE = `${LIST_ENTRIES}
local offset = tonumber(ARGV[1])
local out = {redis.call('ZCARD', KEYS[1]), redis.call('EXISTS', KEYS[5])}
return list_entries(out, KEYS[1], KEYS[2], KEYS[3], KEYS[4], offset, offset + tonumber(ARGV[2]) - 1)
`;

type Scripted = RedisClient & {
  qsReadStanding(...args: string[]): Promise<Array<string | number> | null>;
  qsReadPage(...args: string[]): Promise<Array<string | number>>;
};

/** Entries from a script's flat (playerId, total, name) triples starting at `at`; the first has rank firstRank. */
function entriesFrom(flat: Array<string | number>, at: number, firstRank: number): LeaderboardEntryWire[] {
  const entries: LeaderboardEntryWire[] = [];
  for (let i = at; i + 2 < flat.length; i += 3) {
    entries.push({ rank: firstRank + entries.length, playerId: String(flat[i]), displayName: String(flat[i + 2]), score: Number(flat[i + 1]) });
  }
  return entries;
}

/** Reads what processors keep in Redis. Push never writes there. */
export class LeaderboardReader {
  private readonly redis: Scripted;
  private readonly served: ServedSnapshots;
  /** Snapshot reads in flight, by quiz. */
  private readonly reading = new Map<string, Promise<ServedSnapshot | undefined>>();

  constructor(redis: RedisClient, snapshotCacheQuizzes: number) {
    redis.defineCommand('qsReadStanding', { numberOfKeys: 4, lua: READ_STANDING });
    redis.defineCommand('qsReadPage', { numberOfKeys: 5, lua: READ_PAGE });
    this.redis = redis as Scripted;
    this.served = new ServedSnapshots(snapshotCacheQuizzes);
  }

  /**
   * The latest snapshot, checked once per change (served-snapshots.ts); undefined when the quiz has
   * none yet. Requests for a quiz that arrive while its read is in flight share that read: under a
   * crowd polling one board, Redis gets one GET per round trip instead of one per request, and no
   * answer is older than a read that was still on its way when the request came in.
   */
  snapshot(quizId: string): Promise<ServedSnapshot | undefined> {
    let read = this.reading.get(quizId);
    if (!read) {
      read = this.readSnapshot(quizId).finally(() => this.reading.delete(quizId));
      this.reading.set(quizId, read);
    }
    return read;
  }

  private async readSnapshot(quizId: string): Promise<ServedSnapshot | undefined> {
    const raw = await this.call(() => this.redis.getBuffer(redisKeys.snapshot(quizId)));
    if (raw === null) return undefined;
    try {
      return this.served.resolve(quizId, raw);
    } catch (err) {
      if (err instanceof SnapshotFormatError) throw new AppError('snapshot_unreadable', err.message);
      throw err;
    }
  }

  /**
   * Rank from the sorted set (whose composite score already breaks ties), points from the totals
   * hash, and with `around` > 0 the players up to `around` ranks above and below: one script.
   */
  async player(quizId: string, playerId: string, around = 0): Promise<PlayerStandingWire | undefined> {
    const flat = await this.call(() =>
      this.redis.qsReadStanding(redisKeys.leaderboard(quizId), redisKeys.totals(quizId), redisKeys.names(quizId), redisKeys.joined(quizId), playerId, String(around)),
    );
    if (flat === null) return undefined;
    const rank = Number(flat[0]) + 1;
    const listed = entriesFrom(flat, 2, Number(flat[1]) + 1);
    const self = listed.find((e) => e.rank === rank);
    // The script lists the player's own rank, so `self` is only missing if the reply is malformed.
    if (!self) throw new UnavailableError('redis: standing reply without the player', 1, 'redis_unavailable');
    return { playerId, displayName: self.displayName, score: self.score, rank, ...(around > 0 ? { around: listed } : {}) };
  }

  /** Ranks offset + 1 .. offset + limit from the sorted set; undefined when the quiz has neither a board nor a snapshot. */
  async page(quizId: string, offset: number, limit: number): Promise<StandingsPageWire | undefined> {
    const flat = await this.call(() =>
      this.redis.qsReadPage(
        redisKeys.leaderboard(quizId),
        redisKeys.totals(quizId),
        redisKeys.names(quizId),
        redisKeys.joined(quizId),
        redisKeys.snapshot(quizId),
        String(offset),
        String(limit),
      ),
    );
    const players = Number(flat[0]);
    if (players === 0 && Number(flat[1]) === 0) return undefined;
    return { quizId, players, offset, entries: entriesFrom(flat, 2, offset + 1) };
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
