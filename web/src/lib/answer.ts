import type { QuestionReveal } from './messages';
import type { Choice, OpenQuestion } from './quiz';

// How a player answers each question type, and what the play page sends and says about it. No
// DOM here, so unit tests run these in Node.

/** What the play page offers: one tap, checkboxes and a submit button, two big buttons, or a text field. */
export type AnswerMode = 'single' | 'multiple' | 'truefalse' | 'text';

/** What the player picked or typed. */
export type AnswerInput = { choiceIds: string[] } | { text: string };

/** The POST …/answers body: exactly one of choiceId, choiceIds or text (ingest's contract). */
export type AnswerBody = { questionId: string; answerId: string } & ({ choiceId: string } | { choiceIds: string[] } | { text: string });

/** Ingest refuses longer typed answers (and the field stops there too). */
export const TEXT_ANSWER_MAX = 200;

/** The server's own two choices, for a true/false question that came without them. */
export const TRUE_FALSE_CHOICES: readonly Choice[] = [
  { id: 'true', text: 'True' },
  { id: 'false', text: 'False' },
];

export function answerModeOf(q: Pick<OpenQuestion, 'type' | 'multiple'>): AnswerMode {
  if (q.type === 'text') return 'text';
  if (q.type === 'truefalse') return 'truefalse';
  return q.multiple ? 'multiple' : 'single';
}

/** The choices to offer: a true/false question's fixed pair when it came without any. */
export function choicesOf(q: Pick<OpenQuestion, 'type' | 'choices'>): readonly Choice[] {
  return q.type === 'truefalse' && q.choices.length === 0 ? TRUE_FALSE_CHOICES : q.choices;
}

/**
 * The answer body for what the player gave; throws a sentence for the player when there is
 * nothing to send yet. One pick goes as `choiceId` (valid for every ingest, old or new), several
 * as `choiceIds`; a typed answer is sent trimmed (ingest trims it to match anyway).
 */
export function answerBody(questionId: string, answerId: string, input: AnswerInput): AnswerBody {
  if ('text' in input) {
    const text = input.text.trim();
    if (!text) throw new Error('Type an answer first.');
    if (text.length > TEXT_ANSWER_MAX) throw new Error(`Keep the answer under ${TEXT_ANSWER_MAX + 1} characters.`);
    return { questionId, answerId, text };
  }
  const choiceIds = [...new Set(input.choiceIds)];
  if (choiceIds.length === 0) throw new Error('Pick at least one answer.');
  return choiceIds.length === 1 ? { questionId, answerId, choiceId: choiceIds[0]! } : { questionId, answerId, choiceIds };
}

/** The answer in the player's words, for "locked in": the picked choices' texts, or what was typed. */
export function answerLabel(input: AnswerInput, choices: readonly Choice[]): string {
  if ('text' in input) return input.text.trim();
  return input.choiceIds.map((id) => choices.find((c) => c.id === id)?.text ?? id).join(' + ');
}

/**
 * Whether the player's picks were right by the reveal alone, while their points are on their way:
 * exactly the correct choices. Undefined when the reveal cannot tell: a typed answer (the matching
 * rules are the server's) or several picks in a quiz that may give part of the points.
 */
export function rightByReveal(input: AnswerInput, reveal: Pick<QuestionReveal, 'correct'>, partialPossible: boolean): boolean | undefined {
  if ('text' in input) return undefined;
  const picked = new Set(input.choiceIds);
  const exact = picked.size === reveal.correct.length && reveal.correct.every((id) => picked.has(id));
  if (exact) return true;
  return partialPossible && reveal.correct.length > 1 ? undefined : false;
}
