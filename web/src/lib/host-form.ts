import type { ScoreVisibility } from './quiz';

// The host page's form, checked in the browser so the host reads a plain sentence rather than a 400.

export interface FormQuestion {
  prompt: string;
  choices: string[];
  correctIndex: number;
  timeLimitSeconds: number;
}

/** Builds a create-quiz body from the host form's simple fields; throws a message for the user. */
export function quizFromForm(
  title: string,
  id: string,
  questions: FormQuestion[],
  scoreVisibility: ScoreVisibility = 'onClose',
  closeWhenAllAnswered = false,
): Record<string, unknown> {
  if (!title.trim()) throw new Error('Give the quiz a title.');
  if (questions.length === 0) throw new Error('Add at least one question.');
  return {
    ...(id.trim() ? { id: id.trim() } : {}),
    title: title.trim(),
    scoreVisibility,
    closeWhenAllAnswered,
    questions: questions.map((q, i) => {
      const choices = q.choices.map((text, j) => ({ id: String.fromCharCode(97 + j), text: text.trim() })).filter((c) => c.text);
      if (!q.prompt.trim()) throw new Error(`Question ${i + 1} has no prompt.`);
      if (choices.length < 2) throw new Error(`Question ${i + 1} needs at least two choices.`);
      const correct = String.fromCharCode(97 + q.correctIndex);
      if (!choices.some((c) => c.id === correct)) throw new Error(`Question ${i + 1}: the correct choice is empty.`);
      return { id: `q${i + 1}`, prompt: q.prompt.trim(), choices, correct: [correct], timeLimitMs: Math.round(q.timeLimitSeconds * 1000) };
    }),
  };
}
