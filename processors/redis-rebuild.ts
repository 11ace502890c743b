import { randomBytes } from 'node:crypto';
import type { PgReader } from './write-behind';
import type { Logger } from '../common/logger';
import { failoverEpoch, redisKeys, type RedisClient } from '../common/redis';
import { scoredMarker, type LeaderboardWriter } from './leaderboard-writer';
import { TIME_SPAN, rankingEpoch, reachedOffset } from './ranking';
import { RecentMap } from './recent-map';
import { NO_STREAK, advanceStreak, previousOpening, streakField, type StreakState } from './scoring';

// Rebuilds a quiz's leaderboard state in Redis from Postgres after Redis lost it (a restart of a
// Redis without persistence, a failover to an empty replica, a flush). Without this, the next
// answers would be added to empty totals and every viewer would see a wrong ranking.
//
// How a loss is noticed: each quiz carries a marker key (redisKeys.built) written together
// with its state. Before a snapshot of a quiz is built, the marker is checked; when it is missing
// the quiz's state is rewritten from Postgres first. This runs under the processor's serial lock,
// between chunks, and reads Postgres behind the transactions of the chunks applied so far
// (write-behind.ts), so Postgres then holds every message this process applied: answers applied to
// the emptied Redis meanwhile are in Postgres too, and the rewrite replaces the partial totals they
// left. No snapshot is published from a Redis that lost its state.
//
// A Redis Cluster failover is subtler: the promoted replica has the quiz's marker but may lack the
// last writes its primary acknowledged (replication is asynchronous). So before any snapshot is
// built, the cluster's failover epoch is compared with the one last seen; when it moved, every quiz
// this process published is rewritten from Postgres, whatever its marker says, and its latest
// snapshot stored again.
//
// Quizzes that go idle would never be checked that way, so each process also keeps a marker of its
// own; when that one is gone, every quiz it published recently is rebuilt and its latest snapshot
// stored again (same seq: viewers already have it, a GET of the leaderboard needs it in Redis).

const SEEN_LIMIT = 10_000;
const PROCESS_MARKER_TTL_S = 600;

interface AnswerRow {
  question_id: string;
  player_id: string;
  answer_id: string;
  accepted_ms: string;
  choice_id: string;
  choice_ids: string[];
  correct: boolean;
  late: boolean;
  points: number;
  bonus: number;
  held: boolean;
}

interface QuestionRow {
  id: string;
  type: string;
  opened_ms: string | null;
}

/**
 * Each player's streak as the answer script left it: their answers in the order their questions
 * opened, each moving it (scoring.ts advanceStreak).
 */
export function replayStreaks(
  questions: ReadonlyArray<Pick<QuestionRow, 'id' | 'opened_ms'>>,
  answers: ReadonlyArray<Pick<AnswerRow, 'question_id' | 'player_id' | 'correct' | 'late'>>,
): Map<string, StreakState> {
  const openedAt = new Map(questions.map((q) => [q.id, q.opened_ms === null ? 0 : Number(q.opened_ms)]));
  const openings = [...openedAt.values()];
  const ordered = [...answers].sort((a, b) => (openedAt.get(a.question_id) ?? 0) - (openedAt.get(b.question_id) ?? 0));
  const out = new Map<string, StreakState>();
  for (const a of ordered) {
    const version = openedAt.get(a.question_id) ?? 0;
    out.set(a.player_id, advanceStreak(out.get(a.player_id) ?? NO_STREAK, version, previousOpening(openings, version), a.correct && !a.late).next);
  }
  return out;
}

interface PlayerRow {
  player_id: string;
  display_name: string;
  total: string;
  reached_ms: string;
  kicked: boolean;
}

export class RedisRebuild {
  /** Quizzes this process published, with the seq of their latest state (insertion order = LRU). */
  private readonly seen = new RecentMap<string, number>(SEEN_LIMIT);
  private readonly processMarker = `qs:processors:alive:${randomBytes(8).toString('hex')}`;
  private processMarkerSet = false;
  /** The Redis Cluster failover epoch the state was last known good at (undefined: not read yet). */
  private epoch: number | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly pg: PgReader,
    private readonly store: LeaderboardWriter,
    private readonly topN: number,
    private readonly log: Logger,
    private readonly openQuestions: (quizId: string) => Promise<string[]>,
  ) {}

  /** Called once a chunk is in Redis: these quizzes' state, and Postgres behind the queued transactions, now run up to `seq`. */
  noteChanged(changed: Map<string, number>): void {
    for (const [quizId, seq] of changed) this.seen.touch(quizId, seq);
  }

  /**
   * Makes sure every quiz about to be published has its state in Redis. False (logged) if a
   * dependency failed: the caller then publishes nothing now, and the next tick tries again.
   */
  async readyToPublish(quizIds: string[]): Promise<boolean> {
    try {
      await this.checkFailover();
      for (const quizId of quizIds) await this.ensureQuiz(quizId);
      return true;
    } catch (err) {
      this.log.warn({ err }, 'redis rebuild check failed; snapshots wait');
      return false;
    }
  }

  /** After a cluster failover, every quiz this process published is rewritten from Postgres (see the header). */
  private async checkFailover(): Promise<void> {
    const epoch = await failoverEpoch(this.redis);
    if (this.epoch === undefined || epoch === this.epoch) {
      this.epoch = epoch;
      return;
    }
    this.log.warn({ from: this.epoch, to: epoch, quizzes: this.seen.size }, 'redis cluster failover; rebuilding the quizzes this process published from postgres');
    await this.rebuildSeen(true);
    // Only now: a rebuild that failed half-way (the shard still without a primary) runs again next time.
    this.epoch = epoch;
  }

  /** Rewrites the quizzes this process published (all, or those without a marker) and stores their snapshots again. */
  private async rebuildSeen(all: boolean): Promise<void> {
    for (const [quizId, seq] of [...this.seen]) {
      if (all) await this.rebuild(quizId);
      else if (!(await this.ensureQuiz(quizId))) continue;
      const view = await this.store.ranking(quizId, this.topN, await this.openQuestions(quizId));
      await this.store.storeSnapshot({ quizId, seq, ...view });
    }
  }

  /** The per-process check for idle quizzes (see the header). Throws if Redis or Postgres fails. */
  async checkProcessMarker(): Promise<void> {
    const present = (await this.redis.exists(this.processMarker)) === 1;
    if (present) {
      await this.redis.expire(this.processMarker, PROCESS_MARKER_TTL_S);
      return;
    }
    if (this.processMarkerSet) {
      this.log.warn({ quizzes: this.seen.size }, 'redis lost its state; rebuilding the quizzes this process published');
      await this.rebuildSeen(false);
    }
    await this.redis.set(this.processMarker, '1', 'EX', PROCESS_MARKER_TTL_S);
    this.processMarkerSet = true;
  }

  /** True if the quiz had to be rebuilt. */
  async ensureQuiz(quizId: string): Promise<boolean> {
    if ((await this.redis.exists(redisKeys.built(quizId))) === 1) return false;
    await this.rebuild(quizId);
    return true;
  }

  private async rebuild(quizId: string): Promise<void> {
    const started = Date.now();
    // player_totals, not players: ingest inserts a player when it accepts the join, before the
    // processors applied PlayerJoined; the board must hold exactly what the processed stream holds.
    const [quiz, players, answers, questions] = await Promise.all([
      this.pg.query<{ created_ms: string; streak: boolean }>(
        'SELECT round(extract(epoch FROM created_at) * 1000)::bigint AS created_ms, streak FROM quizzes WHERE id = $1',
        [quizId],
      ),
      this.pg.query<PlayerRow>(
        // kicked_players also holds kicks ingest accepted that this stream has not reached yet:
        // those players leave the board a little early, as they were about to anyway.
        `SELECT t.player_id, coalesce(p.display_name, t.player_id) AS display_name, t.total,
                round(extract(epoch FROM t.reached_at) * 1000)::bigint AS reached_ms,
                EXISTS (SELECT 1 FROM kicked_players k WHERE k.quiz_id = t.quiz_id AND k.player_id = t.player_id) AS kicked
         FROM player_totals t LEFT JOIN players p ON p.quiz_id = t.quiz_id AND p.player_id = t.player_id
         WHERE t.quiz_id = $1`,
        [quizId],
      ),
      this.pg.query<AnswerRow>(
        `SELECT question_id, player_id, answer_id, round(extract(epoch FROM accepted_at) * 1000)::bigint AS accepted_ms, choice_id, choice_ids,
                correct, late, points, bonus, held
         FROM scored_answers WHERE quiz_id = $1`,
        [quizId],
      ),
      this.pg.query<QuestionRow>(
        'SELECT id, type, round(extract(epoch FROM opened_at) * 1000)::bigint AS opened_ms FROM questions WHERE quiz_id = $1',
        [quizId],
      ),
    ]);
    const types = new Map(questions.rows.map((q) => [q.id, q.type]));
    // An unknown quiz has nothing to rebuild; the marker still goes in so it is not asked again.
    const epoch = quiz.rows[0] ? rankingEpoch(Number(quiz.rows[0].created_ms)) : 0;

    const m = this.redis.multi();
    m.del(redisKeys.leaderboard(quizId), redisKeys.totals(quizId), redisKeys.names(quizId), redisKeys.stats(quizId), redisKeys.offBoard(quizId), redisKeys.streaks(quizId));
    for (const q of questions.rows) {
      m.del(redisKeys.scored(quizId, q.id), redisKeys.choiceCounts(quizId, q.id), redisKeys.held(quizId, q.id), redisKeys.bonus(quizId, q.id));
    }
    for (const p of players.rows) {
      const total = Number(p.total);
      const offset = reachedOffset(epoch, Number(p.reached_ms));
      // The same composite the Lua scripts write (ranking.ts), formatted as an exact integer.
      const score = BigInt(total) * BigInt(TIME_SPAN) + BigInt(TIME_SPAN - 1 - offset);
      m.hset(redisKeys.names(quizId), p.player_id, p.display_name);
      m.hset(redisKeys.totals(quizId), p.player_id, String(total));
      if (p.kicked) m.sadd(redisKeys.offBoard(quizId), p.player_id);
      else m.zadd(redisKeys.leaderboard(quizId), score.toString(), p.player_id);
    }
    for (const a of answers.rows) {
      m.hset(redisKeys.scored(quizId, a.question_id), a.player_id, scoredMarker(a.answer_id, Number(a.accepted_ms)));
      // The counters APPLY_ANSWER adds to (scoring.ts revealTally): a text answer's `correct` is whether it matched.
      const tally = types.get(a.question_id) === 'text' ? [a.correct ? 'correct' : 'wrong'] : a.choice_ids.length > 0 ? a.choice_ids : [a.choice_id];
      for (const field of tally) m.hincrby(redisKeys.choiceCounts(quizId, a.question_id), field, 1);
      if (a.bonus > 0) m.hset(redisKeys.bonus(quizId, a.question_id), a.player_id, String(a.bonus));
      // Not in player_totals yet: its question's close adds it (the format APPLY_ANSWER writes).
      if (a.held) m.hset(redisKeys.held(quizId, a.question_id), a.player_id, `${a.points}:${reachedOffset(epoch, Number(a.accepted_ms))}`);
    }
    if (quiz.rows[0]?.streak) {
      for (const [playerId, s] of replayStreaks(questions.rows, answers.rows)) m.hset(redisKeys.streaks(quizId), playerId, streakField(s));
    }
    m.hset(redisKeys.stats(quizId), 'answers', String(answers.rows.length));
    m.set(redisKeys.built(quizId), String(Date.now()));
    const results = await m.exec();
    const failed = results?.find(([err]) => err !== null);
    if (!results || failed) throw new Error(`redis rebuild of ${quizId} failed: ${failed?.[0]?.message ?? 'transaction aborted'}`);
    // Info, not warn: the first snapshot of every new quiz goes through here too (no marker yet).
    this.log.info(
      { quizId, players: players.rows.length, answers: answers.rows.length, ms: Date.now() - started },
      'rebuilt the quiz leaderboard in redis from postgres',
    );
  }
}
