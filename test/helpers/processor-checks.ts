import type Redis from 'ioredis';
import type { Pool } from 'pg';
import { redisKeys } from '../../common/redis';
import { onCleanup } from './cleanup';
import { insertQuizRows, type Workload } from './processor-workload';
import { deleteQuizKeys, deleteQuizRows } from './quiz-cleanup';
import { referenceRanking, type RefResult } from './reference-ranking';

// Reads what the processors left in Redis and Postgres for one quiz, in the shapes the reference
// ranking produces, and waits for the pipeline to go idle.

export interface RankRow {
  playerId: string;
  score: number;
  reachedAt?: number;
}

export interface QuizState {
  redisOrder: RankRow[];
  redisAnswers: number;
  names: Record<string, string>;
  snapshot: { quizId: string; seq: number; players: number; answers: number; entries: Array<{ rank: number; playerId: string; displayName: string; score: number }> } | null;
  pgOrder: RankRow[];
  pgAnswers: Map<string, number>;
  pgPlayers: number;
  /** Scored answers whose points an onClose question still holds (released at its close). */
  pgHeld: number;
}

export async function readQuizState(redis: Redis, pg: Pool, quizId: string): Promise<QuizState> {
  const [ids, totals, names, answers, snapshot] = await Promise.all([
    redis.zrevrange(redisKeys.leaderboard(quizId), 0, -1),
    redis.hgetall(redisKeys.totals(quizId)),
    redis.hgetall(redisKeys.names(quizId)),
    redis.hget(redisKeys.stats(quizId), 'answers'),
    redis.get(redisKeys.snapshot(quizId)),
  ]);
  const pgTotals = await pg.query<{ player_id: string; total: string; reached_ms: string }>(
    `SELECT player_id, total, round(extract(epoch FROM reached_at) * 1000)::bigint AS reached_ms
     FROM player_totals WHERE quiz_id = $1 ORDER BY total DESC, reached_at ASC, player_id DESC`,
    [quizId],
  );
  const pgScored = await pg.query<{ answer_id: string; points: number }>('SELECT answer_id, points FROM scored_answers WHERE quiz_id = $1', [quizId]);
  const pgPlayers = await pg.query<{ n: number }>('SELECT count(*)::int AS n FROM players WHERE quiz_id = $1', [quizId]);
  const pgHeld = await pg.query<{ n: number }>('SELECT count(*)::int AS n FROM scored_answers WHERE quiz_id = $1 AND held', [quizId]);
  return {
    redisOrder: ids.map((playerId) => ({ playerId, score: Number(totals[playerId] ?? NaN) })),
    redisAnswers: Number(answers ?? 0),
    names,
    snapshot: snapshot ? JSON.parse(snapshot) : null,
    pgOrder: pgTotals.rows.map((r) => ({ playerId: r.player_id, score: Number(r.total), reachedAt: Number(r.reached_ms) })),
    pgAnswers: new Map(pgScored.rows.map((r) => [r.answer_id, r.points])),
    pgPlayers: pgPlayers.rows[0]!.n,
    pgHeld: pgHeld.rows[0]!.n,
  };
}

/**
 * No points are held any more and the latest snapshot shows the released totals: a quiz whose
 * questions have all closed is settled in both visibility modes (an onClose close may still be
 * releasing after every answer is counted).
 */
export function isSettled(s: QuizState): boolean {
  const snapshotPoints = s.snapshot?.entries.reduce((sum, e) => sum + e.score, 0) ?? 0;
  const topPoints = s.redisOrder.slice(0, s.snapshot?.entries.length ?? 0).reduce((sum, e) => sum + e.score, 0);
  return s.pgHeld === 0 && snapshotPoints === topPoints;
}

/**
 * Polls until every quiz has all its answers in Redis, Postgres and the latest snapshot, and (every
 * question of these workloads closes) no points are still held: the last close is released and a
 * snapshot taken after it, so idle means settled in both visibility modes.
 */
export async function waitForIdle(
  redis: Redis,
  pg: Pool,
  expected: Array<{ quizId: string; ref: RefResult }>,
  timeoutMs: number,
): Promise<Map<string, QuizState>> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const states = new Map<string, QuizState>();
    let done = true;
    const progress: string[] = [];
    for (const { quizId, ref } of expected) {
      const s = await readQuizState(redis, pg, quizId);
      states.set(quizId, s);
      progress.push(`${quizId}: redis ${s.redisAnswers}/${ref.answers} pg ${s.pgAnswers.size}/${ref.answers} snapshot ${s.snapshot?.answers ?? '-'} held ${s.pgHeld}`);
      if (s.redisAnswers < ref.answers || s.pgAnswers.size < ref.answers || (s.snapshot?.answers ?? -1) < ref.answers || !isSettled(s)) done = false;
    }
    last = progress.join('; ');
    if (done) return states;
    if (Date.now() > deadline) throw new Error(`pipeline not idle after ${timeoutMs} ms: ${last}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Writes the rows ingest would have written for each workload (quizzes, questions), registers the
 * cleanup of everything the run leaves in Postgres and Redis, and returns the reference rankings.
 */
export async function stageWorkloads(pg: Pool, redis: Redis, workloads: Workload[]): Promise<RefResult[]> {
  const quizIds = workloads.map((w) => w.quizId);
  onCleanup(async () => {
    await deleteQuizRows(pg, quizIds);
    for (const id of quizIds) await deleteQuizKeys(redis, id);
  });
  for (const w of workloads) await insertQuizRows(pg, w);
  return workloads.map((w) => referenceRanking(w));
}
