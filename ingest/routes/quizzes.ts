import { Router } from 'express';
import { NotFoundError } from '../../common/errors';
import type { QuizMeta, QuestionState } from '../quiz-store';
import { phaseOf } from '../quiz-store';
import { createQuizSchema, parseBody, parseId, type CreateQuizInput } from '../validation';
import { iso, type RouteContext } from './context';

/** The public view: no answer key ever, and no prompt or choices before a question opens. */
function publicQuiz(quiz: QuizMeta, states: Map<string, QuestionState>, now: number) {
  return {
    id: quiz.id,
    title: quiz.title,
    status: quiz.status,
    scoreVisibility: quiz.scoreVisibility,
    // A closed quiz's PIN may belong to another quiz already.
    pin: quiz.status === 'open' ? (quiz.pin ?? null) : null,
    closeWhenAllAnswered: quiz.closeWhenAllAnswered === true,
    scoring: quiz.scoring ?? 'speed',
    streak: quiz.streak === true,
    partial: quiz.partial === true,
    createdAt: iso(quiz.createdAt),
    closedAt: iso(quiz.closedAt),
    questions: quiz.questions.map((q) => {
      const state = states.get(q.id) ?? {};
      const phase = phaseOf(state, now);
      const shown = phase !== 'pending';
      return {
        id: q.id,
        position: q.position,
        state: phase === 'expired' ? 'closed' : phase,
        points: q.points,
        timeLimitMs: q.timeLimitMs,
        openedAt: iso(state.openedAt),
        closesAt: iso(state.closesAt),
        closedAt: iso(state.closedAt),
        // The type (and whether several choices are correct) shows how to answer: public once open, like the prompt.
        ...(shown ? { type: q.type ?? 'choice', multiple: q.multiple === true, prompt: q.prompt, choices: q.choices } : {}),
      };
    }),
  };
}

/** The admin's echo of what was stored, answer key included. */
function createdQuiz(quiz: QuizMeta, input: CreateQuizInput) {
  return {
    id: quiz.id,
    title: quiz.title,
    status: quiz.status,
    scoreVisibility: quiz.scoreVisibility,
    pin: quiz.pin ?? null,
    closeWhenAllAnswered: quiz.closeWhenAllAnswered === true,
    scoring: input.scoring,
    streak: input.streak,
    partial: input.partial,
    createdAt: iso(quiz.createdAt),
    questions: input.questions.map((q, position) => ({
      id: q.id,
      position,
      type: q.type,
      prompt: q.prompt,
      choices: q.choices,
      correct: q.correct,
      ...(q.type === 'text' ? { accepted: q.accepted, ignoreAccents: q.ignoreAccents } : {}),
      points: q.points,
      timeLimitMs: q.timeLimitMs,
    })),
  };
}

export function quizRoutes(ctx: RouteContext): Router {
  const router = Router();

  router.post('/v1/quizzes', ctx.requireAdmin, async (req, res) => {
    const input = parseBody(createQuizSchema, req.body, 'quiz');
    const quiz = await ctx.admin.createQuiz(input);
    res.status(201).location(`/v1/quizzes/${quiz.id}`).json(createdQuiz(quiz, input));
  });

  router.get('/v1/quizzes/:quizId', async (req, res) => {
    const quizId = parseId(req.params.quizId, 'quizId');
    const quiz = await ctx.store.getQuiz(quizId);
    if (!quiz) throw new NotFoundError(`quiz "${quizId}" does not exist`, 'quiz_not_found');
    const states = await ctx.store.getQuestionStates(quiz);
    res.json(publicQuiz(quiz, states, Date.now()));
  });

  router.post('/v1/quizzes/:quizId/close', ctx.requireAdmin, async (req, res) => {
    const quizId = parseId(req.params.quizId, 'quizId');
    const { closedAt, closedQuestions } = await ctx.admin.closeQuiz(quizId);
    res.json({ closedAt: iso(closedAt), closedQuestions });
  });

  return router;
}
