import { z } from 'zod';
import { ValidationError } from '../common/errors';
import { ID_PATTERN, idSchema } from '../common/ids';
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
  /** A typed answer and each accepted spelling. */
  answerText: 200,
  acceptedSpellings: 20,
} as const;

const choiceSchema = z.object({ id: idSchema, text: text(200) }).strict();

export const QUESTION_TYPES = ['choice', 'truefalse', 'text'] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

/** The two choices of every true/false question (their texts may be given in another language). */
export const TRUE_FALSE_CHOICES = [
  { id: 'true', text: 'True' },
  { id: 'false', text: 'False' },
] as const;

const questionBase = {
  id: idSchema,
  prompt: text(1_000),
  points: z.number().int().min(0).max(LIMITS.maxPoints).default(1000),
  timeLimitMs: z.number().int().min(LIMITS.minTimeLimitMs).max(LIMITS.maxTimeLimitMs).default(20_000),
};

function checkChoices(q: { choices: Array<{ id: string }>; correct: string[] }, ctx: z.RefinementCtx): void {
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
}

const choiceQuestion = z
  .object({
    ...questionBase,
    type: z.literal('choice'),
    choices: z.array(choiceSchema).min(2, 'a question needs at least 2 choices').max(LIMITS.choices),
    correct: z.array(idSchema).min(1, 'at least one choice must be correct'),
  })
  .strict();

const trueFalseQuestion = z
  .object({
    ...questionBase,
    type: z.literal('truefalse'),
    // Optional: only to give the two choices other texts (another language); the ids stay.
    choices: z
      .array(choiceSchema)
      .length(2, 'a true/false question has the choices "true" and "false"')
      .refine((cs) => cs.some((c) => c.id === 'true') && cs.some((c) => c.id === 'false'), 'the choice ids must be "true" and "false"')
      .optional(),
    correct: z.array(z.enum(['true', 'false'])).length(1, 'correct must be ["true"] or ["false"]'),
  })
  .strict();

const textQuestion = z
  .object({
    ...questionBase,
    type: z.literal('text'),
    accepted: z.array(text(LIMITS.answerText)).min(1, 'a text question needs at least one accepted answer').max(LIMITS.acceptedSpellings),
    ignoreAccents: z.boolean().default(false),
  })
  .strict();

// `type` may be left out (a choice question, as before types existed); the union then tells the
// three shapes apart by it, so a message names the fields of the type that was meant.
const questionSchema = z
  .preprocess(
    (q) => (typeof q === 'object' && q !== null && !Array.isArray(q) && !('type' in q) ? { ...q, type: 'choice' } : q),
    z.discriminatedUnion('type', [choiceQuestion, trueFalseQuestion, textQuestion]),
  )
  .superRefine((q, ctx) => {
    if (q.type === 'choice') checkChoices(q, ctx);
  })
  .transform((q): QuestionInput => {
    const common = { id: q.id, type: q.type, prompt: q.prompt, points: q.points, timeLimitMs: q.timeLimitMs };
    if (q.type === 'text') return { ...common, choices: [], correct: [], accepted: q.accepted, ignoreAccents: q.ignoreAccents };
    const choices = q.type === 'truefalse' ? (q.choices ?? TRUE_FALSE_CHOICES.map((c) => ({ ...c }))) : q.choices;
    return { ...common, choices, correct: [...q.correct], accepted: [], ignoreAccents: false };
  });

/** A question as stored: every type has every field (empty where it does not apply). */
export interface QuestionInput {
  id: string;
  type: QuestionType;
  prompt: string;
  choices: Array<{ id: string; text: string }>;
  /** The key of choice and truefalse questions. */
  correct: string[];
  /** The key of text questions. */
  accepted: string[];
  ignoreAccents: boolean;
  points: number;
  timeLimitMs: number;
}

export const SCORE_VISIBILITIES = ['onClose', 'live'] as const;
export type ScoreVisibility = (typeof SCORE_VISIBILITIES)[number];
export const SCORING_RULES = ['speed', 'flat'] as const;
export type ScoringRule = (typeof SCORING_RULES)[number];

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
    // speed: Kahoot's rule (less for a slower answer); flat: full points for any correct answer.
    scoring: z.enum(SCORING_RULES).default('speed'),
    // +100 per consecutive correct answer before this one, at most +500.
    streak: z.boolean().default(false),
    // Several correct choices: credit for each right pick less each wrong one, not all-or-nothing.
    partial: z.boolean().default(false),
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
// Exactly one form of answer: `choiceId` (one choice, the v1 body), `choiceIds` (one or more) or
// `text`. Whether the form suits the question is checked against it (answers.ts answerProblem).
export const answerSchema = z
  .object({
    questionId: idSchema,
    choiceId: idSchema.optional(),
    choiceIds: z.array(idSchema).min(1, 'pick at least one choice').max(LIMITS.choices).optional(),
    text: text(LIMITS.answerText).optional(),
    answerId: idSchema.optional(),
  })
  .superRefine((a, ctx) => {
    const forms = [a.choiceId, a.choiceIds, a.text].filter((f) => f !== undefined).length;
    if (forms !== 1) ctx.addIssue({ code: 'custom', path: [], message: 'give exactly one of choiceId, choiceIds or text' });
    if (a.choiceIds && new Set(a.choiceIds).size !== a.choiceIds.length) ctx.addIssue({ code: 'custom', path: ['choiceIds'], message: 'choices must be distinct' });
  });
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
  // A good id is checked by the schema's own pattern; zod is asked only to word the refusal.
  return isId(value) ? value : parse(idSchema, value, name);
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

/**
 * An answer body. The shape almost every player sends (questionId and choiceId, perhaps an
 * answerId, nothing else) is recognised directly, yielding what answerSchema would: zod costs about
 * 10 µs per answer on the busiest route, most of what validating it costs. Every other body, and
 * every refusal with its wording, is answerSchema's.
 */
export function parseAnswerBody(body: unknown): AnswerInput {
  return plainChoiceAnswer(body) ?? parseBody(answerSchema, body, 'answer');
}

function plainChoiceAnswer(body: unknown): AnswerInput | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  // JSON.parse makes own properties only, "__proto__" included, which then fails this test.
  for (const key of Object.keys(body)) if (key !== 'questionId' && key !== 'choiceId' && key !== 'answerId') return undefined;
  const { questionId, choiceId, answerId } = body as Record<string, unknown>;
  if (!isId(questionId) || !isId(choiceId)) return undefined;
  if (answerId === undefined) return { questionId, choiceId };
  return isId(answerId) ? { questionId, choiceId, answerId } : undefined;
}

/** A missing or non-object body (no JSON content type, or a JSON array or string) is a 400. */
export function parseBody<S extends z.ZodTypeAny>(schema: S, body: unknown, what: string): z.output<S> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError(`${what} must be a JSON object (Content-Type: application/json)`);
  }
  return parse(schema, body, what);
}
