import { stringify } from 'csv-stringify/sync';
import type { Pool } from 'pg';
import { ConflictError, NotFoundError, UnavailableError } from '../common/errors';
import type { Choice } from '../common/messages/events';
import { guardPostgres } from './dependency-errors';
import { phaseOf, type QuizStore } from './quiz-store';

// What a quiz produced, read from what the processors stored in Postgres: each player's total
// (player_totals) and each scored answer (scored_answers, with its points, correctness and time).
// Nothing here scores: points are whatever rule the processors applied, so a new question type or
// scoring option changes these numbers without a change here.
//
// Readable once the processors have released what closed: a question counts as released when its
// row is in released_questions, which the processors write in the same transaction as the answers
// and totals of its close. Until then the answer is results_pending (retry shortly), so the
// reveal and the exports never show a state the board has not reached. That answer is a 503 with
// Retry-After, like any work a part of the pipeline cannot do yet (the processors are behind).

export interface Reveal {
  questionId: string;
  type: string;
  /** The correct choice ids; empty for a text question. */
  correct: string[];
  /** A text question's accepted spellings; empty otherwise. */
  accepted: string[];
  /**
   * First answers per choice, every choice listed (0 when nobody picked it; an answer with several
   * picks counts for each); for a text question "correct" and "wrong".
   */
  counts: Record<string, number>;
  answered: number;
  closedAt: string;
}

/** A spreadsheet would run a cell that starts like a formula; names and prompts are other people's text. */
function cell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

function csv(columns: string[], rows: Array<Array<string | number>>): string {
  return stringify(
    rows.map((r) => r.map((v) => (typeof v === 'string' ? cell(v) : v))),
    // The byte order mark makes spreadsheets read the names as UTF-8.
    { header: true, columns, bom: true },
  );
}

const seconds = (ms: number | null): string => (ms === null ? '' : (ms / 1000).toFixed(2));
const fraction = (part: number, whole: number): string => (whole === 0 ? '' : (part / whole).toFixed(2));

// The board's order (processors/ranking.ts): total, then who reached it first, then player id
// descending (Redis's order for equal composites). Kicked players are off the board, so off here.
const PLAYER_RESULTS = `
  SELECT p.player_id, p.display_name, coalesce(t.total, 0)::bigint AS total,
         count(a.answer_id) FILTER (WHERE a.correct AND NOT a.late)::int AS correct_answers,
         count(a.answer_id)::int AS answers,
         round(avg(a.latency_ms))::bigint AS average_ms
  FROM players p
  LEFT JOIN player_totals t ON t.quiz_id = p.quiz_id AND t.player_id = p.player_id
  LEFT JOIN scored_answers a ON a.quiz_id = p.quiz_id AND a.player_id = p.player_id
  WHERE p.quiz_id = $1
    AND NOT EXISTS (SELECT 1 FROM kicked_players k WHERE k.quiz_id = p.quiz_id AND k.player_id = p.player_id)
  GROUP BY p.player_id, p.display_name, t.total, t.reached_at, p.joined_at
  ORDER BY total DESC, coalesce(t.reached_at, p.joined_at) ASC, p.player_id DESC`;

// Every first answer of each question (kicked players' too: they were answers when the question
// closed, and the reveal counted them).
const QUESTION_STATS = `
  SELECT q.id, q.position, q.type, q.prompt, q.choices, q.correct, q.accepted,
         count(a.answer_id)::int AS answers,
         count(a.answer_id) FILTER (WHERE a.correct AND NOT a.late)::int AS correct_answers,
         round(percentile_cont(0.5) WITHIN GROUP (ORDER BY a.latency_ms))::bigint AS median_ms
  FROM questions q
  LEFT JOIN scored_answers a ON a.quiz_id = q.quiz_id AND a.question_id = q.id
  WHERE q.quiz_id = $1
  GROUP BY q.id, q.position, q.type, q.prompt, q.choices, q.correct, q.accepted
  ORDER BY q.position`;

// The reveal's counters, as the processors count them (processors/scoring.ts revealTally): each
// choice picked (choice_ids, or choice_id from clients that sent only that), or whether a text
// answer matched (its `correct`).
const CHOICE_COUNTS = `
  SELECT a.question_id, t.field AS choice_id, count(*)::int AS n
  FROM scored_answers a JOIN questions q ON q.quiz_id = a.quiz_id AND q.id = a.question_id
  CROSS JOIN LATERAL unnest(CASE WHEN q.type = 'text' THEN ARRAY[CASE WHEN a.correct THEN 'correct' ELSE 'wrong' END]
                                 WHEN cardinality(a.choice_ids) > 0 THEN a.choice_ids
                                 ELSE ARRAY[a.choice_id] END) AS t(field)
  WHERE a.quiz_id = $1 AND ($2::text IS NULL OR a.question_id = $2)
  GROUP BY a.question_id, t.field`;

const UNRELEASED = `
  SELECT q.id FROM questions q
  WHERE q.quiz_id = $1 AND q.opened_at IS NOT NULL AND ($2::text IS NULL OR q.id = $2)
    AND NOT EXISTS (SELECT 1 FROM released_questions r WHERE r.quiz_id = q.quiz_id AND r.question_id = q.id)`;

interface QuestionRow {
  id: string;
  position: number;
  type: string;
  prompt: string;
  choices: Choice[];
  correct: string[];
  accepted: string[];
  answers: number;
  correct_answers: number;
  median_ms: string | null;
}

export class QuizResults {
  constructor(
    private readonly pg: Pool,
    private readonly store: QuizStore,
  ) {}

  /** The correct choices and how many picked each, once the question is closed and released. */
  async reveal(quizId: string, questionId: string): Promise<Reveal> {
    const quiz = await this.store.getQuiz(quizId);
    if (!quiz) throw new NotFoundError(`quiz "${quizId}" does not exist`, 'quiz_not_found');
    const question = quiz.questions.find((q) => q.id === questionId);
    if (!question) throw new NotFoundError(`quiz "${quizId}" has no question "${questionId}"`, 'question_not_found');
    const state = (await this.store.getQuestionStates(quiz)).get(questionId) ?? {};
    if (phaseOf(state, Date.now()) !== 'closed' || state.closedAt === undefined) {
      throw new ConflictError(`question "${questionId}" is not closed yet`, 'question_not_closed');
    }
    await this.requireReleased(quizId, questionId);
    const [key, counted, answered] = await guardPostgres('read reveal', () =>
      Promise.all([
        this.pg.query<{ type: string; correct: string[]; accepted: string[] }>('SELECT type, correct, accepted FROM questions WHERE quiz_id = $1 AND id = $2', [
          quizId,
          questionId,
        ]),
        this.pg.query<{ choice_id: string; n: number }>(CHOICE_COUNTS, [quizId, questionId]),
        this.pg.query<{ n: number }>('SELECT count(*)::int AS n FROM scored_answers WHERE quiz_id = $1 AND question_id = $2', [quizId, questionId]),
      ]),
    );
    const type = key.rows[0]?.type ?? 'choice';
    const counts: Record<string, number> = Object.fromEntries((type === 'text' ? ['correct', 'wrong'] : question.choices.map((c) => c.id)).map((id) => [id, 0]));
    for (const r of counted.rows) counts[r.choice_id] = r.n;
    return {
      questionId,
      type,
      correct: key.rows[0]?.correct ?? [],
      accepted: key.rows[0]?.accepted ?? [],
      counts,
      answered: answered.rows[0]?.n ?? 0,
      closedAt: new Date(state.closedAt).toISOString(),
    };
  }

  /** One row per player on the final board: rank, name, score, correct answers, average answer time. */
  async playersCsv(quizId: string): Promise<string> {
    await this.requireClosedAndReleased(quizId);
    const { rows } = await guardPostgres('read player results', () =>
      this.pg.query<{ player_id: string; display_name: string; total: string; correct_answers: number; answers: number; average_ms: string | null }>(
        PLAYER_RESULTS,
        [quizId],
      ),
    );
    return csv(
      ['rank', 'player_id', 'display_name', 'score', 'correct_answers', 'answers', 'average_answer_time_s'],
      rows.map((r, i) => [i + 1, r.player_id, r.display_name, Number(r.total), r.correct_answers, r.answers, seconds(r.average_ms === null ? null : Number(r.average_ms))]),
    );
  }

  /**
   * One row per question: its type, answers, correct rate, median answer time, the key (correct
   * choices' texts, or accepted spellings), the distribution ("text: n | …" per choice, or
   * "correct: n | wrong: n") and, for choice questions, a column pair per choice.
   */
  async questionsCsv(quizId: string): Promise<string> {
    await this.requireClosedAndReleased(quizId);
    const [stats, counted] = await guardPostgres('read question results', () =>
      Promise.all([this.pg.query<QuestionRow>(QUESTION_STATS, [quizId]), this.pg.query<{ question_id: string; choice_id: string; n: number }>(CHOICE_COUNTS, [quizId, null])]),
    );
    const counts = new Map<string, number>(counted.rows.map((r) => [`${r.question_id}\u0000${r.choice_id}`, r.n]));
    const widest = Math.max(0, ...stats.rows.map((q) => q.choices.length));
    const choiceColumns = Array.from({ length: widest }, (_, i) => [`choice_${i + 1}`, `choice_${i + 1}_answers`]).flat();
    const count = (q: QuestionRow, field: string) => counts.get(`${q.id}\u0000${field}`) ?? 0;
    return csv(
      ['position', 'question_id', 'type', 'prompt', 'answers', 'correct_answers', 'correct_rate', 'median_answer_time_s', 'correct_choices', 'distribution', ...choiceColumns],
      stats.rows.map((q) => {
        const choiceCells = Array.from({ length: widest }, (_, i) => {
          const c = q.choices[i];
          return c ? [c.text, count(q, c.id)] : ['', ''];
        }).flat();
        const text = q.type === 'text';
        const key = text ? q.accepted.join(' | ') : q.correct.map((id) => q.choices.find((c) => c.id === id)?.text ?? id).join(' | ');
        const distribution = text
          ? `correct: ${count(q, 'correct')} | wrong: ${count(q, 'wrong')}`
          : q.choices.map((c) => `${c.text}: ${count(q, c.id)}`).join(' | ');
        return [
          q.position + 1,
          q.id,
          q.type,
          q.prompt,
          q.answers,
          q.correct_answers,
          fraction(q.correct_answers, q.answers),
          seconds(q.median_ms === null ? null : Number(q.median_ms)),
          key,
          distribution,
          ...choiceCells,
        ];
      }),
    );
  }

  private async requireClosedAndReleased(quizId: string): Promise<void> {
    const quiz = await this.store.getQuiz(quizId);
    if (!quiz) throw new NotFoundError(`quiz "${quizId}" does not exist`, 'quiz_not_found');
    if (quiz.status !== 'closed') throw new ConflictError(`quiz "${quizId}" is still running; its results are ready once it is closed`, 'quiz_not_closed');
    await this.requireReleased(quizId, null);
  }

  private async requireReleased(quizId: string, questionId: string | null): Promise<void> {
    const { rows } = await guardPostgres('check released', () => this.pg.query<{ id: string }>(UNRELEASED, [quizId, questionId]));
    if (rows.length > 0) {
      throw new UnavailableError(`the scores of ${rows.map((r) => r.id).join(', ')} are still being processed; retry in a moment`, 1, 'results_pending');
    }
  }
}
