import { z } from 'zod';
import { ValidationError } from '../common/errors';
import { idSchema } from '../common/ids';
import { NAME_PROBLEMS, normalizeDisplayName } from './display-names';

// Everything a client sends is checked here before it touches Redis, Postgres or Kafka. Ids follow
// the rule in common/ids.ts; free text is length-limited and stripped of characters that corrupt
// logs or displays.

// C0/C1 controls (newlines, escapes), lone surrogates (not valid UTF-8) and the bidi overrides and
// isolates that let a name display as something else. Emoji joiners stay allowed.
const UNSAFE_TEXT = /[\p{Cc}\p{Cs}\u202A-\u202E\u2066-\u2069]/u;

function text(maxCodePoints: number) {
  return z
    .string()
    .transform((s) => s.trim())
    .refine((s) => s.length > 0, 'must not be empty')
    .refine((s) => [...s].length <= maxCodePoints, `must be at most ${maxCodePoints} characters`)
    .refine((s) => !UNSAFE_TEXT.test(s), 'must not contain control characters');
}

/** Normalized as design.md's "Players" says (display-names.ts); bad names are a 400 naming the rule. */
export const displayNameSchema = z.string().transform((raw, ctx) => {
  const result = normalizeDisplayName(raw);
  if ('problem' in result) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: NAME_PROBLEMS[result.problem] });
    return z.NEVER;
  }
  return result.name;
});

export const LIMITS = {
  questions: 100,
  choices: 10,
  maxPoints: 100_000,
  minTimeLimitMs: 100,
  maxTimeLimitMs: 3_600_000,
} as const;

const choiceSchema = z.object({ id: idSchema, text: text(200) }).strict();

const questionSchema = z
  .object({
    id: idSchema,
    prompt: text(1_000),
    choices: z.array(choiceSchema).min(2, 'a question needs at least 2 choices').max(LIMITS.choices),
    correct: z.array(idSchema).min(1, 'at least one choice must be correct'),
    points: z.number().int().min(0).max(LIMITS.maxPoints).default(1000),
    timeLimitMs: z.number().int().min(LIMITS.minTimeLimitMs).max(LIMITS.maxTimeLimitMs).default(20_000),
  })
  .strict()
  .superRefine((q, ctx) => {
    const ids = new Set<string>();
    q.choices.forEach((c, i) => {
      if (ids.has(c.id)) ctx.addIssue({ code: 'custom', path: ['choices', i, 'id'], message: `duplicate choice id "${c.id}"` });
      ids.add(c.id);
    });
    const seen = new Set<string>();
    q.correct.forEach((c, i) => {
      if (!ids.has(c)) ctx.addIssue({ code: 'custom', path: ['correct', i], message: `"${c}" is not one of the choices` });
      if (seen.has(c)) ctx.addIssue({ code: 'custom', path: ['correct', i], message: `"${c}" is listed twice` });
      seen.add(c);
    });
  });

export const SCORE_VISIBILITIES = ['onClose', 'live'] as const;
export type ScoreVisibility = (typeof SCORE_VISIBILITIES)[number];

// Admin input is strict: a misspelt "timeLimitMS" silently becoming the 20 s default is worse than a 400.
export const createQuizSchema = z
  .object({
    id: idSchema.optional(),
    title: text(200),
    // onClose: nobody learns whether an answer was right before its question closes; live: points
    // reach the player and the board as soon as they are scored (which shows who was right).
    scoreVisibility: z.enum(SCORE_VISIBILITIES).default('onClose'),
    // Close each question as soon as every joined (not kicked) player has answered it, not only at
    // its time limit or by the host.
    closeWhenAllAnswered: z.boolean().default(false),
    questions: z.array(questionSchema).min(1, 'a quiz needs at least one question').max(LIMITS.questions),
  })
  .strict()
  .superRefine((quiz, ctx) => {
    const ids = new Set<string>();
    quiz.questions.forEach((q, i) => {
      if (ids.has(q.id)) ctx.addIssue({ code: 'custom', path: ['questions', i, 'id'], message: `duplicate question id "${q.id}"` });
      ids.add(q.id);
    });
  });

export type CreateQuizInput = z.infer<typeof createQuizSchema>;

// Player bodies ignore unknown fields so older servers accept newer clients.
export const joinSchema = z.object({ displayName: displayNameSchema.optional() });
export const answerSchema = z.object({ questionId: idSchema, choiceId: idSchema, answerId: idSchema.optional() });
export const devTokenSchema = z.object({ playerId: idSchema, displayName: displayNameSchema });

export type AnswerInput = z.infer<typeof answerSchema>;

/** A game PIN: six digits (quiz-store.ts randomPin). */
export const pinSchema = z.string().regex(/^[0-9]{6}$/, 'must be six digits');

/** Parses or throws a 400 whose details name each offending field. */
export function parse<S extends z.ZodTypeAny>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data as z.output<S>;
  const details = result.error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }));
  throw new ValidationError(`invalid ${what}`, details);
}

/** Route parameters are ids too; a bad one is a 400, not a 404. */
export function parseId(value: unknown, name: string): string {
  return parse(idSchema, value, name);
}

/** A missing or non-object body (no JSON content type, or a JSON array or string) is a 400. */
export function parseBody<S extends z.ZodTypeAny>(schema: S, body: unknown, what: string): z.output<S> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError(`${what} must be a JSON object (Content-Type: application/json)`);
  }
  return parse(schema, body, what);
}
