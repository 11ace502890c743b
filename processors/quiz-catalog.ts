import type { PgReader } from './write-behind';
import { PoisonMessageError } from '../common/errors';
import type { QuestionClosed, QuestionOpened } from '../common/messages/events';
import { rankingEpoch } from './ranking';
import type { QuestionRules, QuestionType, QuizRules, ScoringRule } from './scoring';

// Quiz and question metadata for scoring. The score visibility, answer key, points and time limit
// come from Postgres (ingest writes them when the quiz is created, before any event). Open and close times come from the
// stream as it is read and from Postgres after a restart, when the QuestionOpened may lie before the
// committed offset. Repeated opens/closes (an ingest retry after a 503) keep the later time, which
// is the one ingest enforces.

export interface QuestionInfo extends QuestionRules {
  id: string;
  choiceIds: string[];
  /**
   * A QuestionClosed was applied by this process, or Postgres records the question released (a
   * close applied and committed before this process loaded the quiz): later closes are repeats and
   * reveal and release nothing, and answers that arrive after it are not held.
   */
  closeSeen: boolean;
}

export type ScoreVisibility = 'onClose' | 'live';

export interface QuizInfo {
  quizId: string;
  scoreVisibility: ScoreVisibility;
  /** Speed or flat, streak, partial credit (scoring.ts). */
  rules: QuizRules;
  /** Origin of the leaderboard's tie-break clock (see ranking.ts). */
  epochMs: number;
  questions: Map<string, QuestionInfo>;
}

interface Row {
  created_ms: string;
  score_visibility: ScoreVisibility;
  scoring: ScoringRule;
  streak: boolean;
  partial: boolean;
  released: boolean;
  type: QuestionType | null;
  accepted: string[] | null;
  ignore_accents: boolean | null;
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
  SELECT round(extract(epoch FROM z.created_at) * 1000)::bigint AS created_ms, z.score_visibility, z.scoring, z.streak, z.partial,
         q.id AS question_id, q.type, q.accepted, q.ignore_accents, q.points, q.time_limit_ms, q.correct, q.choices,
         round(extract(epoch FROM q.opened_at) * 1000)::bigint AS opened_ms,
         round(extract(epoch FROM q.closes_at) * 1000)::bigint AS closes_ms,
         round(extract(epoch FROM q.closed_at) * 1000)::bigint AS closed_ms,
         r.question_id IS NOT NULL AS released
  FROM quizzes z LEFT JOIN questions q ON q.quiz_id = z.id
  LEFT JOIN released_questions r ON r.quiz_id = q.quiz_id AND r.question_id = q.id
  WHERE z.id = $1
  ORDER BY q.position`;

const ms = (v: string | null): number | undefined => (v === null ? undefined : Number(v));
const later = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.max(a, b);

export class QuizCatalog {
  private readonly quizzes = new Map<string, QuizInfo>();

  constructor(
    private readonly pg: PgReader,
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

  /**
   * The question a QuestionClosed closes, and whether it is the first close seen. It counts as seen
   * only once `closeApplied` says so: a close whose effects failed half way is applied again whole.
   */
  async closing(e: QuestionClosed): Promise<{ question: QuestionInfo; first: boolean }> {
    const q = await this.question(e.quizId, e.questionId);
    q.closedAt = later(q.closedAt, e.closedAt);
    return { question: q, first: !q.closeSeen };
  }

  closeApplied(question: QuestionInfo): void {
    question.closeSeen = true;
  }

  /**
   * The questions of the quiz that opened and have not closed yet, in quiz order (the board shows
   * how many have answered each). An unknown quiz has none.
   */
  async openQuestions(quizId: string): Promise<string[]> {
    let quiz: QuizInfo;
    try {
      quiz = await this.quiz(quizId);
    } catch (err) {
      if (err instanceof PoisonMessageError) return [];
      throw err;
    }
    return [...quiz.questions.values()].filter((q) => q.openedAt !== undefined && q.closedAt === undefined && !q.closeSeen).map((q) => q.id);
  }

  clear(): void {
    this.quizzes.clear();
  }

  private async load(quizId: string): Promise<QuizInfo> {
    const { rows } = await this.pg.query<Row>(LOAD_QUIZ, [quizId]);
    if (rows.length === 0) throw new PoisonMessageError(`unknown quiz "${quizId}"`);
    const previous = this.quizzes.get(quizId);
    const info: QuizInfo = {
      quizId,
      scoreVisibility: rows[0]!.score_visibility,
      rules: { scoring: rows[0]!.scoring, streak: rows[0]!.streak, partial: rows[0]!.partial },
      epochMs: rankingEpoch(Number(rows[0]!.created_ms)),
      questions: new Map(),
    };
    for (const r of rows) {
      if (r.question_id === null) continue;
      const seen = previous?.questions.get(r.question_id);
      const openedMs = ms(r.opened_ms);
      const streamOpen = seen?.openedAt !== undefined && (openedMs === undefined || seen.openedAt >= openedMs) ? seen : undefined;
      info.questions.set(r.question_id, {
        id: r.question_id,
        points: r.points ?? 0,
        timeLimitMs: r.time_limit_ms ?? 1,
        type: r.type ?? 'choice',
        correct: r.correct ?? [],
        accepted: r.accepted ?? [],
        ignoreAccents: r.ignore_accents === true,
        choiceIds: (r.choices ?? []).map((c) => c.id),
        openedAt: streamOpen ? streamOpen.openedAt : openedMs,
        closesAt: streamOpen ? streamOpen.closesAt : ms(r.closes_ms),
        closedAt: later(seen?.closedAt, ms(r.closed_ms)),
        closeSeen: (seen?.closeSeen ?? false) || r.released,
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
