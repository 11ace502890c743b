import type { Pool, PoolClient } from 'pg';
import { booleanArray, integerArray, textArray } from './pg-arrays';

// One Postgres transaction per flushed batch: joined and kicked players, scored answers, the totals they add
// to, the questions whose close released held points, and the Kafka position they bring the
// partition to. Every insert is keyed so that a replay (after a crash or a rebalance) inserts
// nothing, and totals only grow by what this very transaction changed (RETURNING): an answer's
// points are added exactly once, either when it is inserted not held, or when the release of its
// question flips it from held.

export interface PlayerRow {
  quizId: string;
  playerId: string;
  displayName: string;
  joinedAt: number;
}

export interface KickRow {
  quizId: string;
  playerId: string;
  kickedAt: number;
}

export interface ScoredRow {
  quizId: string;
  questionId: string;
  playerId: string;
  answerId: string;
  choiceId: string;
  /** Every choice picked ([] from clients that sent only choiceId, and for text). */
  choiceIds: string[];
  /** A text question's typed answer. */
  text: string | null;
  correct: boolean;
  late: boolean;
  /** Streak bonus included. */
  points: number;
  /** The streak part of points. */
  bonus: number;
  latencyMs: number;
  acceptedAt: number;
  scoredAt: number;
  /** Points wait for the question's close (onClose quiz, question still open when it was scored). */
  held: boolean;
}

export interface ReleaseRow {
  quizId: string;
  questionId: string;
}

export interface OffsetRow {
  topic: string;
  partition: number;
  nextOffset: string;
}

export interface PgBatch {
  players: PlayerRow[];
  /** After the players: a join and its kick may share a batch. */
  kicks: KickRow[];
  answers: ScoredRow[];
  /** Applied after the answers, so a close releases the answers of its own batch too. */
  releases: ReleaseRow[];
  offsets: OffsetRow[];
}

// Exact millisecond timestamps (to_timestamp(ms / 1000.0) goes through a float).
const TS = (col: string) => `timestamptz 'epoch' + ${col} * interval '1 millisecond'`;

const INSERT_PLAYERS = `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS t(quiz_id, player_id, display_name, joined_ms)
  ), players_in AS (
    INSERT INTO players (quiz_id, player_id, display_name, joined_at)
    SELECT quiz_id, player_id, display_name, ${TS('joined_ms')} FROM input
    ON CONFLICT DO NOTHING
  )
  INSERT INTO player_totals (quiz_id, player_id, total, answers, reached_at)
  SELECT quiz_id, player_id, 0, 0, ${TS('joined_ms')} FROM input
  ON CONFLICT DO NOTHING`;

// The row ingest wrote when it accepted the kick has the same values; one written first is kept.
const INSERT_KICKS = `
  INSERT INTO kicked_players (quiz_id, player_id, kicked_at)
  SELECT quiz_id, player_id, ${TS('kicked_ms')} FROM unnest($1::text[], $2::text[], $3::bigint[]) AS t(quiz_id, player_id, kicked_ms)
  ON CONFLICT DO NOTHING`;

// reached_at is when the player reached their current total: the latest acceptance of an answer
// that scored points, else (still at 0) the join, the same tie-breaker the Redis composite encodes.
// `answers` counts every answer at once; `total` and `reached_at` move only with points that count.
// It reads the CTE `changed` of the statement it ends: answers inserted, or answers released.
const GROW_TOTALS = `
  agg AS (
    SELECT quiz_id, player_id, sum(points) FILTER (WHERE NOT held)::bigint AS total, count(*) FILTER (WHERE counted)::int AS answers,
           max(accepted_at) FILTER (WHERE points > 0 AND NOT held) AS reached, min(accepted_at) AS first_at
    FROM changed GROUP BY quiz_id, player_id
  ), totals AS (
    INSERT INTO player_totals AS pt (quiz_id, player_id, total, answers, reached_at)
    SELECT quiz_id, player_id, coalesce(total, 0), answers, coalesce(reached, first_at) FROM agg
    ON CONFLICT (quiz_id, player_id) DO UPDATE SET
      total = pt.total + EXCLUDED.total,
      answers = pt.answers + EXCLUDED.answers,
      reached_at = CASE WHEN EXCLUDED.total > 0 THEN greatest(pt.reached_at, EXCLUDED.reached_at) ELSE pt.reached_at END
  )`;

// A held answer whose question Postgres already records as released (a close committed by another
// owner of the partition) is inserted counted: no later release would ever add it.
const INSERT_ANSWERS = `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bool[], $7::bool[],
                         $8::int[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bool[], $13::text[], $14::text[], $15::int[]) WITH ORDINALITY
      AS t(quiz_id, question_id, player_id, answer_id, choice_id, correct, late, points, latency_ms, accepted_ms, scored_ms, held, choice_ids_json, answer_text, bonus, ord)
  ), changed AS (
    INSERT INTO scored_answers (quiz_id, question_id, player_id, answer_id, choice_id, correct, late, points, latency_ms, accepted_at, scored_at, held,
                                choice_ids, answer_text, bonus)
    SELECT quiz_id, question_id, player_id, answer_id, choice_id, correct, late, points, latency_ms, ${TS('accepted_ms')}, ${TS('scored_ms')},
           held AND NOT EXISTS (SELECT 1 FROM released_questions r WHERE r.quiz_id = input.quiz_id AND r.question_id = input.question_id),
           ARRAY(SELECT jsonb_array_elements_text(choice_ids_json::jsonb)), answer_text, bonus
    FROM input ORDER BY ord
    ON CONFLICT DO NOTHING
    RETURNING quiz_id, player_id, points, accepted_at, held, true AS counted
  ),${GROW_TOTALS}
  SELECT count(*)::int AS inserted FROM changed`;

// A question's close: its held answers (those of this batch included, inserted just before) count
// from now on. The release is recorded once; a replay flips nothing and adds nothing.
const RELEASE_QUESTIONS = `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[]) AS t(quiz_id, question_id)
  ), recorded AS (
    INSERT INTO released_questions (quiz_id, question_id) SELECT quiz_id, question_id FROM input ON CONFLICT DO NOTHING
  ), changed AS (
    UPDATE scored_answers s SET held = false FROM input i
    WHERE s.quiz_id = i.quiz_id AND s.question_id = i.question_id AND s.held
    RETURNING s.quiz_id, s.player_id, s.points, s.accepted_at, false AS held, false AS counted
  ),${GROW_TOTALS}
  SELECT count(*)::int AS released FROM changed`;

// Offsets only move forward: a previous owner of the partition finishing late must not move it back.
const UPSERT_OFFSETS = `
  INSERT INTO consumer_offsets AS co (group_id, topic, partition, next_offset, updated_at)
  SELECT $1, topic, partition, next_offset, now() FROM unnest($2::text[], $3::int[], $4::bigint[]) AS t(topic, partition, next_offset)
  ON CONFLICT (group_id, topic, partition) DO UPDATE SET
    next_offset = greatest(co.next_offset, EXCLUDED.next_offset), updated_at = now()`;

/** Writes the batch in one transaction; returns how many answers were new to Postgres. */
export async function writePgBatch(pg: Pool, groupId: string, batch: PgBatch): Promise<{ insertedAnswers: number }> {
  const client = await pg.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const inserted = await writeInTransaction(client, groupId, batch);
    await client.query('COMMIT');
    return { insertedAnswers: inserted };
  } catch (err) {
    broken = err as Error;
    await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
      // The connection is unusable; release(err) below destroys it instead of pooling it.
      broken = rollbackErr as Error;
    });
    throw err;
  } finally {
    client.release(broken);
  }
}

async function writeInTransaction(client: PoolClient, groupId: string, b: PgBatch): Promise<number> {
  if (b.players.length > 0) {
    await client.query(INSERT_PLAYERS, [
      b.players.map((p) => p.quizId),
      b.players.map((p) => p.playerId),
      b.players.map((p) => p.displayName),
      b.players.map((p) => p.joinedAt),
    ]);
  }
  if (b.kicks.length > 0) {
    await client.query(INSERT_KICKS, [b.kicks.map((k) => k.quizId), b.kicks.map((k) => k.playerId), b.kicks.map((k) => k.kickedAt)]);
  }
  let inserted = 0;
  if (b.answers.length > 0) {
    const a = b.answers;
    const { rows } = await client.query<{ inserted: number }>(INSERT_ANSWERS, [
      textArray(a.map((r) => r.quizId)),
      textArray(a.map((r) => r.questionId)),
      textArray(a.map((r) => r.playerId)),
      textArray(a.map((r) => r.answerId)),
      textArray(a.map((r) => r.choiceId)),
      booleanArray(a.map((r) => r.correct)),
      booleanArray(a.map((r) => r.late)),
      integerArray(a.map((r) => r.points)),
      integerArray(a.map((r) => r.latencyMs)),
      integerArray(a.map((r) => r.acceptedAt)),
      integerArray(a.map((r) => r.scoredAt)),
      booleanArray(a.map((r) => r.held)),
      // unnest flattens a two-dimensional array: each answer's picks travel as one JSON text.
      textArray(a.map((r) => JSON.stringify(r.choiceIds))),
      textArray(a.map((r) => r.text)),
      integerArray(a.map((r) => r.bonus)),
    ]);
    inserted = rows[0]?.inserted ?? 0;
  }
  if (b.releases.length > 0) {
    await client.query(RELEASE_QUESTIONS, [b.releases.map((r) => r.quizId), b.releases.map((r) => r.questionId)]);
  }
  if (b.offsets.length > 0) {
    await client.query(UPSERT_OFFSETS, [
      groupId,
      b.offsets.map((o) => o.topic),
      b.offsets.map((o) => o.partition),
      b.offsets.map((o) => o.nextOffset),
    ]);
  }
  return inserted;
}
