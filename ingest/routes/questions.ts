import { Router } from 'express';
import { parseId } from '../validation';
import { iso, type RouteContext } from './context';

export function questionRoutes(ctx: RouteContext): Router {
  const router = Router();

  router.post('/v1/quizzes/:quizId/questions/:questionId/open', ctx.requireAdmin, async (req, res) => {
    const quizId = parseId(req.params.quizId, 'quizId');
    const questionId = parseId(req.params.questionId, 'questionId');
    const { openedAt, closesAt } = await ctx.admin.openQuestion(quizId, questionId);
    res.json({ openedAt: iso(openedAt), closesAt: iso(closesAt) });
  });

  router.post('/v1/quizzes/:quizId/questions/:questionId/close', ctx.requireAdmin, async (req, res) => {
    const quizId = parseId(req.params.quizId, 'quizId');
    const questionId = parseId(req.params.questionId, 'questionId');
    const { closedAt } = await ctx.admin.closeQuestion(quizId, questionId);
    res.json({ closedAt: iso(closedAt) });
  });

  // Public: once a question is closed its key is no secret (players get it in question-closed).
  router.get('/v1/quizzes/:quizId/questions/:questionId/reveal', async (req, res) => {
    const quizId = parseId(req.params.quizId, 'quizId');
    const questionId = parseId(req.params.questionId, 'questionId');
    res.json(await ctx.results.reveal(quizId, questionId));
  });

  return router;
}
