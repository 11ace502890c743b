import type Redis from 'ioredis';
import type { LeaderboardEntry } from '../common/events';
import { redisKeys } from '../common/redis';
import { TIME_SPAN } from './ranking';

// The processors' Redis state for one quiz: leaderboard sorted set (composite score, see ranking.ts),
// totals, display names, per-question "scored" markers and choice counts, the answer counter and the
// latest snapshot. Every write is one Lua script, so a crash can never leave half an answer applied,
// and every script is idempotent, so a replay after a crash or a rebalance changes nothing.

// Numbers handed to redis.call are formatted with 14 significant digits, which would round a
// composite near 2^53; string.format('%.0f') writes the exact integer.
const APPLY_ANSWER = `
local span = tonumber(ARGV[6])
local outcome = 'scored'
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then
  if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then outcome = 'replay' else outcome = 'duplicate' end
else
  local points = tonumber(ARGV[3])
  local offset = tonumber(ARGV[4])
  local total = redis.call('HINCRBY', KEYS[2], ARGV[1], points)
  local old = redis.call('ZSCORE', KEYS[3], ARGV[1])
  if old then
    local s = tonumber(old)
    local oldOffset = span - 1 - (s - math.floor(s / span) * span)
    -- the tie-breaker is when the current total was reached: a 0-point answer keeps it,
    -- points move it to the latest acceptance
    if points == 0 or oldOffset > offset then offset = oldOffset end
  end
  redis.call('ZADD', KEYS[3], string.format('%.0f', total * span + (span - 1 - offset)), ARGV[1])
  redis.call('HINCRBY', KEYS[4], 'answers', 1)
  redis.call('HINCRBY', KEYS[5], ARGV[5], 1)
end
local total = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
local rank = redis.call('ZREVRANK', KEYS[3], ARGV[1])
return {outcome, total, rank or -1}
`;

const APPLY_JOIN = `
local span = tonumber(ARGV[4])
local fresh = redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSETNX', KEYS[2], ARGV[1], 0)
if not redis.call('ZSCORE', KEYS[3], ARGV[1]) then
  redis.call('ZADD', KEYS[3], string.format('%.0f', span - 1 - tonumber(ARGV[3])), ARGV[1])
end
return fresh
`;

// Push must never go backwards: a snapshot is stored unless the stored one has a higher seq
// (a replay after a crash, or the previous owner of a partition, may compute older ones).
const READ_RANKING = `
local ids = redis.call('ZREVRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
local out = { redis.call('ZCARD', KEYS[1]), redis.call('HGET', KEYS[3], 'answers') or '0' }
for _, id in ipairs(ids) do
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGET', KEYS[2], id) or '0'
  out[#out + 1] = redis.call('HGET', KEYS[4], id) or id
end
return out
`;

// KEYS[2] is the quiz's rebuild marker (redis-rebuild.ts): without it Redis lost the quiz's state
// (restarted empty) after the ranking was checked, so the ranking just read may be partial; -1
// tells the caller to rebuild first instead of publishing it.
const STORE_SNAPSHOT = `
if redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
local cur = redis.call('GET', KEYS[1])
if cur then
  local ok, obj = pcall(cjson.decode, cur)
  if ok and type(obj) == 'table' and tonumber(obj.seq) and tonumber(obj.seq) > tonumber(ARGV[1]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`;

export type AnswerOutcome = 'scored' | 'replay' | 'duplicate';

/**
 * What the per-question "scored" hash keeps for a player's counted answer. A redelivery of that
 * message (crash, rebalance) matches it and is a replay; a client's retry after a 503 whose first
 * write did land carries the same answerId but a later acceptedAt, and must stay a duplicate, or it
 * would re-emit the answer with the retry's (lower) points.
 */
export function scoredMarker(answerId: string, acceptedAt: number): string {
  return `${answerId}@${acceptedAt}`;
}

export interface AppliedAnswer {
  outcome: AnswerOutcome;
  total: number;
  /** 1-based; 0 if the player is not on the leaderboard (cannot happen after a scored answer). */
  rank: number;
}

export interface AnswerWrite {
  quizId: string;
  questionId: string;
  playerId: string;
  answerId: string;
  /** When ingest accepted it; with answerId, it tells a redelivery from a client's retry. */
  acceptedAt: number;
  choiceId: string;
  points: number;
  reachedOffsetMs: number;
}

/** The v1 wire shape push serves, stored as JSON at redisKeys.snapshot(quizId). */
export interface SnapshotJson {
  quizId: string;
  seq: number;
  players: number;
  answers: number;
  entries: LeaderboardEntry[];
}

export interface RankingView {
  players: number;
  answers: number;
  entries: LeaderboardEntry[];
}

type Scripted = Redis & {
  qsApplyAnswer(...args: string[]): Promise<[string, number, number]>;
  qsApplyJoin(...args: string[]): Promise<number>;
  qsStoreSnapshot(...args: string[]): Promise<number>;
  qsReadRanking(...args: string[]): Promise<Array<string | number>>;
};

export class LeaderboardStore {
  private readonly redis: Scripted;

  constructor(redis: Redis) {
    redis.defineCommand('qsApplyAnswer', { numberOfKeys: 5, lua: APPLY_ANSWER });
    redis.defineCommand('qsApplyJoin', { numberOfKeys: 3, lua: APPLY_JOIN });
    redis.defineCommand('qsStoreSnapshot', { numberOfKeys: 2, lua: STORE_SNAPSHOT });
    redis.defineCommand('qsReadRanking', { numberOfKeys: 4, lua: READ_RANKING });
    this.redis = redis as Scripted;
  }

  async applyAnswer(w: AnswerWrite): Promise<AppliedAnswer> {
    const [outcome, total, rank] = await this.redis.qsApplyAnswer(
      redisKeys.scored(w.quizId, w.questionId),
      redisKeys.totals(w.quizId),
      redisKeys.leaderboard(w.quizId),
      redisKeys.stats(w.quizId),
      redisKeys.choiceCounts(w.quizId, w.questionId),
      w.playerId,
      scoredMarker(w.answerId, w.acceptedAt),
      String(w.points),
      String(w.reachedOffsetMs),
      w.choiceId,
      String(TIME_SPAN),
    );
    return { outcome: outcome as AnswerOutcome, total: Number(total), rank: Number(rank) + 1 };
  }

  /** Puts the player on the leaderboard with 0 points; true if this was their first join. */
  async applyJoin(quizId: string, playerId: string, displayName: string, joinedOffsetMs: number): Promise<boolean> {
    const fresh = await this.redis.qsApplyJoin(
      redisKeys.names(quizId),
      redisKeys.totals(quizId),
      redisKeys.leaderboard(quizId),
      playerId,
      displayName,
      String(joinedOffsetMs),
      String(TIME_SPAN),
    );
    return fresh === 1;
  }

  async choiceCounts(quizId: string, questionId: string): Promise<Record<string, number>> {
    const raw = await this.redis.hgetall(redisKeys.choiceCounts(quizId, questionId));
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]));
  }

  /** Top N with names and totals, player and answer counts, read in one script so they agree. */
  async ranking(quizId: string, topN: number): Promise<RankingView> {
    const raw = await this.redis.qsReadRanking(
      redisKeys.leaderboard(quizId),
      redisKeys.totals(quizId),
      redisKeys.stats(quizId),
      redisKeys.names(quizId),
      String(topN),
    );
    const entries: LeaderboardEntry[] = [];
    for (let i = 2; i + 2 < raw.length; i += 3) {
      entries.push({ rank: entries.length + 1, playerId: String(raw[i]), score: Number(raw[i + 1]), displayName: String(raw[i + 2]) });
    }
    return { players: Number(raw[0]), answers: Number(raw[1]), entries };
  }

  /** True if stored: no snapshot with a higher seq is there (an equal seq is rewritten, so a failed publish can be retried). */
  async storeSnapshot(snapshot: SnapshotJson): Promise<boolean> {
    const stored = await this.redis.qsStoreSnapshot(
      redisKeys.snapshot(snapshot.quizId),
      redisKeys.built(snapshot.quizId),
      String(snapshot.seq),
      JSON.stringify(snapshot),
    );
    // Thrown, not false: the snapshot stays due and is published once the quiz is rebuilt.
    if (stored === -1) throw new Error(`redis lost the state of quiz ${snapshot.quizId}; it is rebuilt before the next snapshot`);
    return stored === 1;
  }
}
