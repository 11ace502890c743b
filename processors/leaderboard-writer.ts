import { snapshotJson, type LeaderboardEntryWire, type SnapshotWire } from '../common/messages/wire';
import { QuestionKeySets } from '../common/question-key-sets';
import { isCluster, redisKeys, type RedisClient } from '../common/redis';
import { TIME_SPAN } from './ranking';
import { STREAK_CAP, STREAK_STEP } from './scoring';

// The processors' Redis state for one quiz: leaderboard sorted set (composite score, see ranking.ts),
// totals, display names, per-question "scored" markers and choice counts, the answer counter and the
// latest snapshot. Every write is one Lua script, so a crash can never leave half an answer applied,
// and every script is idempotent, so a replay after a crash or a rebalance changes nothing.

// Numbers handed to redis.call are formatted with 14 significant digits, which would round a
// composite near 2^53; string.format('%.0f') writes the exact integer. The tie-breaker is when the
// current total was reached: a 0-point answer keeps it, points move it to the latest acceptance.
// Adding an answer's points is the same whether it happens when the answer is scored (live) or
// when its question closes (onClose), so both scripts share this function.
// A player the host kicked (in the off-board set) keeps a total, as player_totals does, but never
// goes back into the sorted set: off the board for good.
const ADD_POINTS = `
local function add_points(totals, lb, offboard, player, points, offset, span)
  local total = redis.call('HINCRBY', totals, player, points)
  if redis.call('SISMEMBER', offboard, player) == 1 then return end
  local old = redis.call('ZSCORE', lb, player)
  if old then
    local s = tonumber(old)
    local oldOffset = span - 1 - (s - math.floor(s / span) * span)
    if points == 0 or oldOffset > offset then offset = oldOffset end
  end
  redis.call('ZADD', lb, string.format('%.0f', total * span + (span - 1 - offset)), player)
end
`;

// The answer streak (scoring.ts advanceStreak, which this mirrors): hash playerId -> "count:version",
// version being the openedAt of the question that last moved it. It moves in the same script that
// writes the answer's "scored" marker, so it moves exactly once per answer: a redelivered answer
// finds the marker and only reads back the bonus it earned (KEYS[9], written when not 0).
const STREAK = `
local function advance_streak(key, player, version, previous, earned)
  local count, at = 0, 0
  local cur = redis.call('HGET', key, player)
  if cur then
    local sep = string.find(cur, ':', 1, true)
    count = tonumber(string.sub(cur, 1, sep - 1))
    at = tonumber(string.sub(cur, sep + 1))
  end
  if tonumber(version) < at then return 0 end
  if at < tonumber(previous) then count = 0 end
  if not earned then
    redis.call('HSET', key, player, '0:' .. version)
    return 0
  end
  redis.call('HSET', key, player, (count + 1) .. ':' .. version)
  return math.min(count * ${STREAK_STEP}, ${STREAK_CAP})
end
`;

// ARGV[6] 'hold': the answer is counted (marker, answer and choice counters) but its points wait in
// the question's held hash (KEYS[6]) until the close releases them, so neither the sorted set nor
// the totals (what push reads) change while the question is open. A new answer from a player
// already off the board (KEYS[7]; accepted by ingest just before the kick) counts for nothing:
// 'kicked'. A redelivered answer of theirs from before the kick stays a replay. ARGV[7] 'streak'
// moves the player's streak (ARGV[8] '1': correct and in time; ARGV[9] the question's version,
// ARGV[10] the previous question's) and adds its bonus to the points. ARGV[11..] are the reveal
// counters the answer adds to (its choices, or correct/wrong for a text question).
const APPLY_ANSWER = `${ADD_POINTS}${STREAK}
local span = tonumber(ARGV[5])
local outcome = 'scored'
local bonus = 0
local marker = redis.call('HGET', KEYS[1], ARGV[1])
if marker then
  if marker == ARGV[2] then
    outcome = 'replay'
    bonus = tonumber(redis.call('HGET', KEYS[9], ARGV[1]) or '0')
  else
    outcome = 'duplicate'
  end
elseif redis.call('SISMEMBER', KEYS[7], ARGV[1]) == 1 then
  return {'kicked', 0, -1, 0}
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  if ARGV[7] == 'streak' then
    bonus = advance_streak(KEYS[8], ARGV[1], ARGV[9], ARGV[10], ARGV[8] == '1')
    if bonus > 0 then redis.call('HSET', KEYS[9], ARGV[1], bonus) end
  end
  local points = tonumber(ARGV[3]) + bonus
  if ARGV[6] == 'hold' then
    redis.call('HSET', KEYS[6], ARGV[1], string.format('%d', points) .. ':' .. ARGV[4])
  else
    add_points(KEYS[2], KEYS[3], KEYS[7], ARGV[1], points, tonumber(ARGV[4]), span)
  end
  redis.call('HINCRBY', KEYS[4], 'answers', 1)
  for i = 11, #ARGV do redis.call('HINCRBY', KEYS[5], ARGV[i], 1) end
end
local total = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
local rank = redis.call('ZREVRANK', KEYS[3], ARGV[1])
return {outcome, total, rank or -1, bonus}
`;

/** The keys of one answer script (KEYS[1..9] above). */
const ANSWER_KEYS = 9;
/** Most answers in one batched call: Redis serves nobody else while it runs (~10-20 µs each). */
const MAX_ANSWERS_PER_CALL = 100; // answers

// A run of answers queued one after another, in one call: each is applied exactly as the script
// above applies it alone, in order (the script's body is the function, KEYS and ARGV its own), so
// the effects and replies are those of the separate calls; only the per-call work is shared. The
// keys of a question (nine, the same for every answer to it) are sent once per call: KEYS holds
// one set of nine per question of the run, and each answer's ARGV starts with the number
// of its set, then its argument count (the reveal counters vary in number), then its arguments.
const APPLY_ANSWERS = `
local function apply_answer(KEYS, ARGV)
${APPLY_ANSWER}
end
local keysets = {}
local replies = {}
local a = 0
while a < #ARGV do
  local set = tonumber(ARGV[a + 1])
  local n = tonumber(ARGV[a + 2])
  local keys = keysets[set]
  if not keys then
    keys = {unpack(KEYS, (set - 1) * ${ANSWER_KEYS} + 1, set * ${ANSWER_KEYS})}
    keysets[set] = keys
  end
  replies[#replies + 1] = apply_answer(keys, {unpack(ARGV, a + 3, a + 2 + n)})
  a = a + 2 + n
end
return replies
`;

// A question's close: every held answer's points go into the totals and the sorted set, and the
// held hash goes with them, in one script, so a replayed close (crash, rebalance) finds nothing
// left to add. Then the standing (total, rank) of each player in ARGV[2..], read after all of it.
const RELEASE = `${ADD_POINTS}
local span = tonumber(ARGV[1])
local held = redis.call('HGETALL', KEYS[1])
for i = 1, #held, 2 do
  local v = held[i + 1]
  local sep = string.find(v, ':', 1, true)
  add_points(KEYS[2], KEYS[3], KEYS[4], held[i], tonumber(string.sub(v, 1, sep - 1)), tonumber(string.sub(v, sep + 1)), span)
end
redis.call('DEL', KEYS[1])
local out = {}
for i = 2, #ARGV do
  out[#out + 1] = tonumber(redis.call('HGET', KEYS[2], ARGV[i]) or '0')
  out[#out + 1] = redis.call('ZREVRANK', KEYS[3], ARGV[i]) or -1
end
return out
`;

// A PlayerJoined of a player already off the board (a redelivery after the kick) leaves them off.
const APPLY_JOIN = `
local span = tonumber(ARGV[4])
local fresh = redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSETNX', KEYS[2], ARGV[1], 0)
if redis.call('SISMEMBER', KEYS[4], ARGV[1]) == 0 and not redis.call('ZSCORE', KEYS[3], ARGV[1]) then
  redis.call('ZADD', KEYS[3], string.format('%.0f', span - 1 - tonumber(ARGV[3])), ARGV[1])
end
return fresh
`;

// Off the board for good: out of the sorted set (so out of snapshots, counts and GET players/:id),
// and into the off-board set that keeps answers, releases and joins from putting them back.
// Their name and total stay, as in Postgres. Idempotent.
const APPLY_KICK = `
redis.call('SADD', KEYS[1], ARGV[1])
return redis.call('ZREM', KEYS[2], ARGV[1])
`;

// Push must never go backwards: a snapshot is stored unless the stored one has a higher seq
// (a replay after a crash, or the previous owner of a partition, may compute older ones).
// KEYS[5..] are the "scored" hashes of the quiz's open questions: one field per player who answered.
const READ_RANKING = `
local ids = redis.call('ZREVRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
local out = { redis.call('ZCARD', KEYS[1]), redis.call('HGET', KEYS[3], 'answers') or '0' }
for i = 5, #KEYS do out[#out + 1] = redis.call('HLEN', KEYS[i]) end
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

export type AnswerOutcome = 'scored' | 'replay' | 'duplicate' | 'kicked';

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
  /** The streak bonus added to the answer's points (read back for a replay). */
  bonus: number;
}

export interface AnswerWrite {
  /** Counted now, points added at the question's close (onClose quizzes while the question is open). */
  hold: boolean;
  quizId: string;
  questionId: string;
  playerId: string;
  answerId: string;
  /** When ingest accepted it; with answerId, it tells a redelivery from a client's retry. */
  acceptedAt: number;
  /** The reveal's counters it adds to (scoring.ts revealTally). */
  tally: readonly string[];
  /** Without the streak bonus, which the script adds. */
  points: number;
  reachedOffsetMs: number;
  /** Set in quizzes with the streak on: moves the player's streak, and the bonus joins the points. */
  streak?: { earned: boolean; version: number; previous: number };
}

/** What a snapshot reads from the ranking: the wire shape without the quiz and seq it is stored under. */
export type RankingView = Omit<SnapshotWire, 'quizId' | 'seq'>;

/** A player's standing right after a release. */
export interface Standing {
  total: number;
  /** 1-based; 0 if the player is not on the leaderboard. */
  rank: number;
}

type Scripted = RedisClient & {
  qsApplyAnswer(...args: string[]): Promise<[string, number, number]>;
  qsApplyAnswers(...args: string[]): Promise<Array<[string, number, number]>>;
  qsApplyJoin(...args: string[]): Promise<number>;
  qsApplyKick(...args: string[]): Promise<number>;
  qsRelease(...args: string[]): Promise<number[]>;
  qsStoreSnapshot(...args: string[]): Promise<number>;
  qsReadRanking(...args: string[]): Promise<Array<string | number>>;
};

interface QueuedCommand {
  name: ScriptName | 'hgetall';
  /** An answer's: its arguments after the keys, which `send` adds (answerKeys). */
  args: string[];
  /** Every key of a command is one quiz's, under its {quizId} hash tag: one Redis Cluster slot. */
  quizId: string;
  /** An answer's question: with quizId, its keys. */
  questionId?: string;
}

/**
 * The Redis writes of a run of messages, queued in offset order and sent as one pipeline (on a Redis
 * Cluster, one per quiz): Redis runs them in that order, as if each had been awaited in turn, for
 * one round trip. Each queue method returns the index of its reply in what `exec` resolves to.
 * Every queued script is idempotent, so a round that failed halfway (Redis went away) is simply
 * sent again whole.
 */
export class WriteRound {
  private readonly commands: QueuedCommand[] = [];

  constructor(
    private readonly redis: Scripted,
    /** On a Redis Cluster a pipeline must stay on one node: one pipeline per quiz. */
    private readonly cluster: boolean,
  ) {}

  get size(): number {
    return this.commands.length;
  }

  applyAnswer(w: AnswerWrite): number {
    return this.queue('qsApplyAnswer', answerValues(w), w.quizId, w.questionId);
  }

  applyJoin(quizId: string, playerId: string, displayName: string, joinedOffsetMs: number): number {
    return this.queue('qsApplyJoin', joinArgs(quizId, playerId, displayName, joinedOffsetMs), quizId);
  }

  applyKick(quizId: string, playerId: string): number {
    return this.queue('qsApplyKick', [redisKeys.offBoard(quizId), redisKeys.leaderboard(quizId), playerId], quizId);
  }

  /** The question's per-choice counts as they stand after everything queued before. */
  choiceCounts(quizId: string, questionId: string): number {
    return this.queue('hgetall', [redisKeys.choiceCounts(quizId, questionId)], quizId);
  }

  /**
   * Sends the queued writes; every reply, or the first error (none of the replies is trusted then).
   * Answers queued one after another go as one batched call (APPLY_ANSWERS), the rest one call each.
   * On a Redis Cluster each quiz's commands go as a pipeline of their own, in their order (a
   * chunk holds the quizzes of one partition, whose slots may live on different nodes, and ioredis
   * refuses a pipeline that spans nodes); quizzes share no keys, so their relative order is free.
   */
  async exec(): Promise<unknown[]> {
    if (this.commands.length === 0) return [];
    if (!this.cluster) return this.send(this.commands);
    const byQuiz = new Map<string, number[]>();
    this.commands.forEach((c, i) => {
      const indexes = byQuiz.get(c.quizId);
      if (indexes) indexes.push(i);
      else byQuiz.set(c.quizId, [i]);
    });
    const replies = new Array<unknown>(this.commands.length);
    // Every pipeline settles before an error is thrown: the round is then sent again whole, and
    // none of this one's may still be on its way.
    const sent = await Promise.allSettled(
      [...byQuiz.values()].map(async (indexes) => {
        const part = await this.send(indexes.map((i) => this.commands[i]!));
        indexes.forEach((commandIndex, k) => {
          replies[commandIndex] = part[k];
        });
      }),
    );
    const failed = sent.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return replies;
  }

  /** One pipeline of these commands, in order; their replies in the same order. */
  private async send(commands: QueuedCommand[]): Promise<unknown[]> {
    const pipeline = this.redis.pipeline() as unknown as Record<string, (...args: string[]) => unknown> & { exec(): Promise<Array<[Error | null, unknown]> | null> };
    /** How many queued commands each pipelined call stands for, in order. */
    const calls: number[] = [];
    for (let i = 0; i < commands.length; ) {
      const run = answerRun(commands, i);
      if (run > 1) {
        const sets = new QuestionKeySets(answerKeys);
        const args: string[] = [];
        for (let k = i; k < i + run; k++) {
          const { quizId, questionId, args: values } = commands[k]!;
          args.push(String(sets.numberOf(quizId, questionId!)), String(values.length), ...values);
        }
        pipeline.qsApplyAnswers!(String(sets.keys.length), ...sets.keys, ...args);
      } else {
        const c = commands[i]!;
        if (c.name === 'qsApplyAnswer') pipeline.qsApplyAnswer!(...answerKeys(c.quizId, c.questionId!), ...c.args);
        else pipeline[c.name]!(...c.args);
      }
      calls.push(run);
      i += run;
    }
    const results = await pipeline.exec();
    if (!results) throw new Error('redis discarded the pipelined round');
    const replies = new Array<unknown>(commands.length);
    let next = 0;
    for (let i = 0; i < results.length; i++) {
      const [err, reply] = results[i]!;
      if (err) throw err;
      if (calls[i] === 1) replies[next++] = reply;
      else for (const one of reply as unknown[]) replies[next++] = one;
    }
    return replies;
  }

  private queue(name: ScriptName | 'hgetall', args: string[], quizId: string, questionId?: string): number {
    this.commands.push({ name, args, quizId, questionId });
    return this.commands.length - 1;
  }
}

/** How many answers, from `start` on, can go in one call (1 for any other command). */
function answerRun(commands: QueuedCommand[], start: number): number {
  if (commands[start]!.name !== 'qsApplyAnswer') return 1;
  let end = start + 1;
  while (end < commands.length && end - start < MAX_ANSWERS_PER_CALL && commands[end]!.name === 'qsApplyAnswer') end++;
  return end - start;
}

type ScriptName = 'qsApplyAnswer' | 'qsApplyJoin' | 'qsApplyKick';

/** An answer's KEYS (the same for every answer to the question). */
function answerKeys(quizId: string, questionId: string): string[] {
  return [
    redisKeys.scored(quizId, questionId),
    redisKeys.totals(quizId),
    redisKeys.leaderboard(quizId),
    redisKeys.stats(quizId),
    redisKeys.choiceCounts(quizId, questionId),
    redisKeys.held(quizId, questionId),
    redisKeys.offBoard(quizId),
    redisKeys.streaks(quizId),
    redisKeys.bonus(quizId, questionId),
  ];
}

/** An answer's ARGV. */
function answerValues(w: AnswerWrite): string[] {
  return [
    w.playerId,
    scoredMarker(w.answerId, w.acceptedAt),
    String(w.points),
    String(w.reachedOffsetMs),
    String(TIME_SPAN),
    w.hold ? 'hold' : 'count',
    w.streak ? 'streak' : 'none',
    w.streak?.earned ? '1' : '0',
    String(w.streak?.version ?? 0),
    String(w.streak?.previous ?? 0),
    ...w.tally,
  ];
}

function joinArgs(quizId: string, playerId: string, displayName: string, joinedOffsetMs: number): string[] {
  return [
    redisKeys.names(quizId),
    redisKeys.totals(quizId),
    redisKeys.leaderboard(quizId),
    redisKeys.offBoard(quizId),
    playerId,
    displayName,
    String(joinedOffsetMs),
    String(TIME_SPAN),
  ];
}

/** The reply of the answer script (queued or awaited). */
export function appliedAnswer(reply: unknown): AppliedAnswer {
  const [outcome, total, rank, bonus] = reply as [string, number, number, number?];
  return { outcome: outcome as AnswerOutcome, total: Number(total), rank: Number(rank) + 1, bonus: Number(bonus ?? 0) };
}

/** An HGETALL reply of per-choice counters. */
export function choiceCountsOf(reply: unknown): Record<string, number> {
  const raw = reply as Record<string, string>;
  const counts: Record<string, number> = {};
  for (const k of Object.keys(raw)) counts[k] = Number(raw[k]);
  return counts;
}

export class LeaderboardWriter {
  private readonly redis: Scripted;
  private readonly cluster: boolean;

  constructor(redis: RedisClient) {
    redis.defineCommand('qsApplyAnswer', { numberOfKeys: ANSWER_KEYS, lua: APPLY_ANSWER });
    // Key count varies with the number of answers: given per call (first argument).
    redis.defineCommand('qsApplyAnswers', { lua: APPLY_ANSWERS });
    redis.defineCommand('qsRelease', { numberOfKeys: 4, lua: RELEASE });
    redis.defineCommand('qsApplyJoin', { numberOfKeys: 4, lua: APPLY_JOIN });
    redis.defineCommand('qsApplyKick', { numberOfKeys: 2, lua: APPLY_KICK });
    redis.defineCommand('qsStoreSnapshot', { numberOfKeys: 2, lua: STORE_SNAPSHOT });
    // Key count varies with the open questions: given per call (first argument).
    redis.defineCommand('qsReadRanking', { lua: READ_RANKING });
    this.redis = redis as Scripted;
    this.cluster = isCluster(redis);
  }

  /** A round of writes to queue and send together. */
  round(): WriteRound {
    return new WriteRound(this.redis, this.cluster);
  }

  async applyAnswer(w: AnswerWrite): Promise<AppliedAnswer> {
    return appliedAnswer(await this.redis.qsApplyAnswer(...answerKeys(w.quizId, w.questionId), ...answerValues(w)));
  }

  /**
   * Adds the question's held points to the leaderboard (nothing if a previous run of this close
   * already did) and returns the standing of each of `playerIds` afterwards.
   */
  async release(quizId: string, questionId: string, playerIds: string[]): Promise<Map<string, Standing>> {
    const flat = await this.redis.qsRelease(
      redisKeys.held(quizId, questionId),
      redisKeys.totals(quizId),
      redisKeys.leaderboard(quizId),
      redisKeys.offBoard(quizId),
      String(TIME_SPAN),
      ...playerIds,
    );
    return new Map(playerIds.map((id, i) => [id, { total: Number(flat[2 * i]), rank: Number(flat[2 * i + 1]) + 1 }]));
  }

  /** Puts the player on the leaderboard with 0 points; true if this was their first join. */
  async applyJoin(quizId: string, playerId: string, displayName: string, joinedOffsetMs: number): Promise<boolean> {
    return (await this.redis.qsApplyJoin(...joinArgs(quizId, playerId, displayName, joinedOffsetMs))) === 1;
  }

  /** Takes the player off the board for good; true if they were on it. */
  async applyKick(quizId: string, playerId: string): Promise<boolean> {
    return (await this.redis.qsApplyKick(redisKeys.offBoard(quizId), redisKeys.leaderboard(quizId), playerId)) === 1;
  }

  async choiceCounts(quizId: string, questionId: string): Promise<Record<string, number>> {
    return choiceCountsOf(await this.redis.hgetall(redisKeys.choiceCounts(quizId, questionId)));
  }

  /**
   * Top N with names and totals, player and answer counts, and how many have answered each of
   * `openQuestionIds`, read in one script so they agree.
   */
  async ranking(quizId: string, topN: number, openQuestionIds: string[] = []): Promise<RankingView> {
    const keys = [
      redisKeys.leaderboard(quizId),
      redisKeys.totals(quizId),
      redisKeys.stats(quizId),
      redisKeys.names(quizId),
      ...openQuestionIds.map((q) => redisKeys.scored(quizId, q)),
    ];
    const raw = await this.redis.qsReadRanking(String(keys.length), ...keys, String(topN));
    const openQuestions = openQuestionIds.map((questionId, i) => ({ questionId, answered: Number(raw[2 + i]) }));
    const entries: LeaderboardEntryWire[] = [];
    for (let i = 2 + openQuestionIds.length; i + 2 < raw.length; i += 3) {
      entries.push({ rank: entries.length + 1, playerId: String(raw[i]), displayName: String(raw[i + 2]), score: Number(raw[i + 1]) });
    }
    return { players: Number(raw[0]), answers: Number(raw[1]), openQuestions, entries };
  }

  /**
   * Stores the snapshot push serves, as its exact wire bytes (snapshotJson) at
   * redisKeys.snapshot(quizId), so push can serve them as they are. True if stored: no
   * snapshot with a higher seq is there (an equal seq is rewritten, so a failed publish can be retried).
   */
  async storeSnapshot(snapshot: SnapshotWire): Promise<boolean> {
    const stored = await this.redis.qsStoreSnapshot(
      redisKeys.snapshot(snapshot.quizId),
      redisKeys.built(snapshot.quizId),
      String(snapshot.seq),
      snapshotJson(snapshot),
    );
    // Thrown, not false: the snapshot stays due and is published once the quiz is rebuilt.
    if (stored === -1) throw new Error(`redis lost the state of quiz ${snapshot.quizId}; it is rebuilt before the next snapshot`);
    return stored === 1;
  }
}
