import type { LeaderboardEntryWire, SnapshotWire } from '../../../common/messages/wire';
import type { PublicQuestion, PublicQuiz, QuestionType } from './quiz';

// Which screen the big screen shows, from ingest's public view of the quiz: the lobby until the
// first question opens, the open question, the reveal of the last closed one between questions,
// and the podium once the quiz is over. No DOM here, so unit tests run these in Node.

export type Stage =
  | { kind: 'lobby' }
  | { kind: 'question'; question: PublicQuestion }
  | { kind: 'reveal'; question: PublicQuestion }
  | { kind: 'podium' };

export function stageOf(quiz: PublicQuiz): Stage {
  if (quiz.status === 'closed') return { kind: 'podium' };
  const open = quiz.questions.find((q) => q.state === 'open');
  if (open) return { kind: 'question', question: open };
  // Closed by the host, the time limit or everyone answering (a question whose time ran out and
  // that nobody closed yet shows as closed without closedAt: its reveal is not out yet).
  const closed = quiz.questions
    .filter((q) => q.state === 'closed' && q.closedAt !== null)
    .sort((a, b) => Date.parse(a.closedAt!) - Date.parse(b.closedAt!) || a.position - b.position);
  const last = closed.at(-1);
  return last ? { kind: 'reveal', question: last } : { kind: 'lobby' };
}

/** "3 of 12 answered" for one open question; answers of players kicked since do not push it past everyone. */
export function answeredOf(s: SnapshotWire | undefined, questionId: string): string | undefined {
  const q = s?.openQuestions.find((x) => x.questionId === questionId);
  if (!s || !q) return undefined;
  return `${Math.min(q.answered, s.players)} of ${s.players} answered`;
}

/** The top three, first to third (ties keep the board's order). */
export function podiumOf(s: SnapshotWire | undefined): LeaderboardEntryWire[] {
  return s ? [...s.entries].sort((a, b) => a.rank - b.rank).slice(0, 3) : [];
}

/** Each choice's share of the answers, in percent (0 when nobody answered). */
export function shares(counts: Record<string, number>, choiceIds: string[]): Record<string, number> {
  const total = choiceIds.reduce((sum, id) => sum + (counts[id] ?? 0), 0);
  return Object.fromEntries(choiceIds.map((id) => [id, total === 0 ? 0 : Math.round(((counts[id] ?? 0) / total) * 100)]));
}

/** What the big screen says under the prompt, so a room knows how to answer before reading the choices. */
export function answerHintOf(q: { type?: QuestionType; multiple?: boolean }): string {
  if (q.type === 'text') return 'Type your answer on your phone';
  if (q.type === 'truefalse') return 'True or false?';
  return q.multiple ? 'More than one answer is right: pick them all' : '';
}

/** The reveal's bars: per choice, or right against wrong for a typed answer. */
export function revealRowsOf(
  q: { type?: QuestionType; choices?: ReadonlyArray<{ id: string; text: string }> },
  reveal: { correct: string[]; counts: Record<string, number> },
): Array<{ id: string; text: string; right: boolean; count: number; share: number }> {
  const rows =
    q.type === 'text'
      ? [
          { id: 'correct', text: 'Right', right: true },
          { id: 'wrong', text: 'Wrong', right: false },
        ]
      : (q.choices ?? []).map((c) => ({ id: c.id, text: c.text, right: reveal.correct.includes(c.id) }));
  const pct = shares(reveal.counts, rows.map((r) => r.id));
  return rows.map((r) => ({ ...r, count: reveal.counts[r.id] ?? 0, share: pct[r.id] ?? 0 }));
}
