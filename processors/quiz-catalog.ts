import type { Pool } from 'pg';
import { PoisonMessageError } from '../common/errors';
import type { QuestionClosed, QuestionOpened } from '../common/events';
import { rankingEpoch } from './ranking';
import type { QuestionRules } from './scoring';

// Question metadata for scoring. The answer key, points and time limit come from Postgres (ingest
// writes them when the quiz is created, before any event). Open and close times come from the
// stream as it is read and from Postgres after a restart, when the QuestionOpened may lie before the
// committed offset. Repeated opens/closes (an ingest retry after a 503) keep the later time, which
// is the one ingest enforces.

export interface QuestionInfo extends QuestionRules {
  id: string;
  choiceIds: string[];
  /** A QuestionClosed was applied by this process: later ones are repeats and reveal nothing. */
  closeSeen: boolean;
}

export interface QuizInfo {
  quizId: string;
  /** Origin of the leaderboard's tie-break clock (see ranking.ts). */
  epochMs: number;
  questions: Map<string, QuestionInfo>;
}

interface Row {
  created_ms: string;
  question_id: string | null;
  points: number | null;
  time_limit_ms: number | null;
  correct: string[] | null;
  choices: Array<{ id: string }> | null;
  opened_ms: string | null;
  closes_ms: string | null;
  closed_ms: string | null;
}

// Milliseconds computed in SQL: ingest stores to_timestamp(ms / 1000.0), and letting pg parse that
// into a Date could truncate 0.123 s stored as 0.122999 s to the wrong millisecond.
const LOAD_QUIZ = `
  SELECT round(extract(epoch FROM z.created_at) * 1000)::bigint AS created_ms,
         q.id AS question_id, q.points, q.time_limit_ms, q.correct, q.choices,
         round(extract(epoch FROM q.opened_at) * 1000)::bigint AS opened_ms,
         round(extract(epoch FROM q.closes_at) * 1000)::bigint AS closes_ms,
         round(extract(epoch FROM q.closed_at) * 1000)::bigint AS closed_ms
  FROM quizzes z LEFT JOIN questions q ON q.quiz_id = z.id
  WHERE z.id = $1`;

const ms = (v: string | null): number | undefined => (v === null ? undefined : Number(v));
const later = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.max(a, b);

export class QuizCatalog {
  private readonly quizzes = new Map<string, QuizInfo>();

  constructor(
    private readonly pg: Pool,
    private readonly maxQuizzes: number,
  ) {}

  /** The quiz, from memory or Postgres. Unknown quiz: PoisonMessageError (nothing can apply it). */
  async quiz(quizId: string): Promise<QuizInfo> {
    const hit = this.quizzes.get(quizId);
    if (hit) {
      // Map order is insertion order: re-inserting keeps recently used quizzes at the end.
      this.quizzes.delete(quizId);
      this.quizzes.set(quizId, hit);
      return hit;
    }
    return this.load(quizId);
  }

  /** The question; reloaded from Postgres once if it is unknown or not yet seen open. */
  async question(quizId: string, questionId: string): Promise<QuestionInfo> {
    let q = (await this.quiz(quizId)).questions.get(questionId);
    if (!q || q.openedAt === undefined) q = (await this.load(quizId)).questions.get(questionId);
    if (!q) throw new PoisonMessageError(`quiz "${quizId}" has no question "${questionId}"`);
    return q;
  }

  async opened(e: QuestionOpened): Promise<QuestionInfo> {
    const q = await this.question(e.quizId, e.questionId);
    if (q.openedAt === undefined || e.openedAt >= q.openedAt) {
      q.openedAt = e.openedAt;
      q.closesAt = e.closesAt;
    }
    return q;
  }

  /** True if this is the first close this process applied for the question (it gets a reveal). */
  async closed(e: QuestionClosed): Promise<{ question: QuestionInfo; first: boolean }> {
    const q = await this.question(e.quizId, e.questionId);
    q.closedAt = later(q.closedAt, e.closedAt);
    const first = !q.closeSeen;
    q.closeSeen = true;
    return { question: q, first };
  }

  clear(): void {
    this.quizzes.clear();
  }

  private async load(quizId: string): Promise<QuizInfo> {
    const { rows } = await this.pg.query<Row>(LOAD_QUIZ, [quizId]);
    if (rows.length === 0) throw new PoisonMessageError(`unknown quiz "${quizId}"`);
    const previous = this.quizzes.get(quizId);
    const info: QuizInfo = { quizId, epochMs: rankingEpoch(Number(rows[0]!.created_ms)), questions: new Map() };
    for (const r of rows) {
      if (r.question_id === null) continue;
      const seen = previous?.questions.get(r.question_id);
      const openedMs = ms(r.opened_ms);
      const streamOpen = seen?.openedAt !== undefined && (openedMs === undefined || seen.openedAt >= openedMs) ? seen : undefined;
      info.questions.set(r.question_id, {
        id: r.question_id,
        points: r.points ?? 0,
        timeLimitMs: r.time_limit_ms ?? 1,
        correct: r.correct ?? [],
        choiceIds: (r.choices ?? []).map((c) => c.id),
        openedAt: streamOpen ? streamOpen.openedAt : openedMs,
        closesAt: streamOpen ? streamOpen.closesAt : ms(r.closes_ms),
        closedAt: later(seen?.closedAt, ms(r.closed_ms)),
        closeSeen: seen?.closeSeen ?? false,
      });
    }
    this.quizzes.delete(quizId);
    this.quizzes.set(quizId, info);
    while (this.quizzes.size > this.maxQuizzes) {
      const oldest = this.quizzes.keys().next().value;
      if (oldest === undefined) break;
      this.quizzes.delete(oldest);
    }
    return info;
  }
}
