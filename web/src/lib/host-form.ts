import type { QuestionType, ScoreVisibility } from './quiz';

// The host page's form, checked in the browser so the host reads a plain sentence rather than a 400.

/** Ingest's limit on one accepted spelling (and on a typed answer). */
export const ACCEPTED_MAX = 200;

export interface FormQuestion {
  /** Absent: a choice question, as before question types. */
  type?: QuestionType;
  prompt: string;
  /** choice: the four text fields, empty ones dropped. */
  choices: string[];
  /** choice: the indexes of the correct choices (one, or several when the host ticked several). */
  correct: number[];
  /** truefalse: whether the statement is true. */
  answerIsTrue?: boolean;
  /** text: the accepted spellings, one per line. */
  accepted?: string;
  /** text: é matches e (and so on). */
  ignoreAccents?: boolean;
  timeLimitSeconds: number;
}

export interface FormOptions {
  scoreVisibility?: ScoreVisibility;
  closeWhenAllAnswered?: boolean;
  /** speed (the default): faster correct answers score more; flat: every correct answer scores its full points. */
  scoring?: 'speed' | 'flat';
  /** +100 per correct answer in a row before this one, at most +500. */
  streak?: boolean;
  /** Several correct choices: part of the points for part of them. */
  partial?: boolean;
}

/** One spelling per line, trimmed, blank lines and repeats dropped. */
export function acceptedSpellings(lines: string): string[] {
  return [...new Set(lines.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== ''))];
}

function questionBody(q: FormQuestion, i: number): Record<string, unknown> {
  const label = `Question ${i + 1}`;
  if (!q.prompt.trim()) throw new Error(`${label} has no prompt.`);
  const base = { id: `q${i + 1}`, prompt: q.prompt.trim() };
  const timeLimitMs = Math.round(q.timeLimitSeconds * 1000);
  if (q.type === 'truefalse') {
    if (q.answerIsTrue === undefined) throw new Error(`${label}: say whether it is true or false.`);
    // The server supplies the two choices ("true" and "false").
    return { ...base, type: 'truefalse', correct: [q.answerIsTrue ? 'true' : 'false'], timeLimitMs };
  }
  if (q.type === 'text') {
    const accepted = acceptedSpellings(q.accepted ?? '');
    if (accepted.length === 0) throw new Error(`${label}: give at least one accepted answer.`);
    const long = accepted.find((a) => a.length > ACCEPTED_MAX);
    if (long !== undefined) throw new Error(`${label}: an accepted answer is longer than ${ACCEPTED_MAX} characters (“${long.slice(0, 20)}…”).`);
    return { ...base, type: 'text', accepted, ...(q.ignoreAccents ? { ignoreAccents: true } : {}), timeLimitMs };
  }
  const choices = q.choices.map((text, j) => ({ id: String.fromCharCode(97 + j), text: text.trim() })).filter((c) => c.text);
  if (choices.length < 2) throw new Error(`${label} needs at least two choices.`);
  const correct = [...new Set(q.correct)].sort((a, b) => a - b).map((j) => String.fromCharCode(97 + j));
  if (correct.length === 0) throw new Error(`${label}: mark the correct choice.`);
  if (!correct.every((id) => choices.some((c) => c.id === id))) throw new Error(`${label}: the correct choice is empty.`);
  // No `type` for a plain choice question: the body stays what every ingest version accepts.
  return { ...base, choices, correct, timeLimitMs };
}

/** Builds a create-quiz body from the host form's simple fields; throws a message for the user. */
export function quizFromForm(title: string, id: string, questions: FormQuestion[], options: FormOptions = {}): Record<string, unknown> {
  if (!title.trim()) throw new Error('Give the quiz a title.');
  if (questions.length === 0) throw new Error('Add at least one question.');
  return {
    ...(id.trim() ? { id: id.trim() } : {}),
    title: title.trim(),
    scoreVisibility: options.scoreVisibility ?? 'onClose',
    closeWhenAllAnswered: options.closeWhenAllAnswered ?? false,
    // The defaults are left out, so the body means the same to an ingest that predates them.
    ...(options.scoring === 'flat' ? { scoring: 'flat' } : {}),
    ...(options.streak ? { streak: true } : {}),
    ...(options.partial ? { partial: true } : {}),
    questions: questions.map(questionBody),
  };
}

// The JSON box starts with an example of each question type and of the scoring options.
export const SAMPLE_QUIZ = {
  title: 'Capitals',
  scoreVisibility: 'onClose',
  scoring: 'speed',
  streak: true,
  questions: [
    {
      id: 'q1',
      prompt: 'What is the capital of Australia?',
      choices: [
        { id: 'a', text: 'Sydney' },
        { id: 'b', text: 'Canberra' },
        { id: 'c', text: 'Melbourne' },
      ],
      correct: ['b'],
      timeLimitMs: 20000,
    },
    { id: 'q2', type: 'truefalse', prompt: 'Canberra was planned as the capital.', correct: ['true'], timeLimitMs: 15000 },
    { id: 'q3', type: 'text', prompt: 'The capital of Iceland?', accepted: ['Reykjavík'], ignoreAccents: true, timeLimitMs: 30000 },
  ],
};
