import type { PgReader } from './write-behind';
import type { ScoredRow } from './pg-batch';

// Every counted answer to one question, for the results a close releases: what earlier batches
// made durable in Postgres (the read waits for their queued transactions, write-behind.ts) plus
// what the batch in progress has applied but not flushed yet. Read
// from Postgres, not from Redis, so a Redis that lost its state (and is rebuilt before the next
// snapshot) cannot make a close forget anyone's result.

interface Row {
  player_id: string;
  answer_id: string;
  choice_id: string;
  choice_ids: string[];
  answer_text: string | null;
  bonus: number;
  correct: boolean;
  late: boolean;
  points: number;
  latency_ms: string;
  accepted_ms: string;
  scored_ms: string;
  held: boolean;
}

// Exact milliseconds, as the catalog reads them (see quiz-catalog.ts).
const ANSWERS_OF_QUESTION = `
  SELECT player_id, answer_id, choice_id, choice_ids, answer_text, bonus, correct, late, points, latency_ms,
         round(extract(epoch FROM accepted_at) * 1000)::bigint AS accepted_ms,
         round(extract(epoch FROM scored_at) * 1000)::bigint AS scored_ms, held
  FROM scored_answers WHERE quiz_id = $1 AND question_id = $2`;

export class QuestionAnswers {
  constructor(private readonly pg: PgReader) {}

  /** One row per player: Postgres's when it has one (a replayed answer in `pending` repeats it). */
  async of(quizId: string, questionId: string, pending: readonly ScoredRow[]): Promise<ScoredRow[]> {
    const { rows } = await this.pg.query<Row>(ANSWERS_OF_QUESTION, [quizId, questionId]);
    const byPlayer = new Map<string, ScoredRow>();
    for (const r of rows) {
      byPlayer.set(r.player_id, {
        quizId,
        questionId,
        playerId: r.player_id,
        answerId: r.answer_id,
        choiceId: r.choice_id,
        choiceIds: r.choice_ids,
        text: r.answer_text,
        bonus: r.bonus,
        correct: r.correct,
        late: r.late,
        points: r.points,
        latencyMs: Number(r.latency_ms),
        acceptedAt: Number(r.accepted_ms),
        scoredAt: Number(r.scored_ms),
        held: r.held,
      });
    }
    for (const a of pending) {
      if (a.quizId === quizId && a.questionId === questionId && !byPlayer.has(a.playerId)) byPlayer.set(a.playerId, a);
    }
    return [...byPlayer.values()];
  }
}
