import { Router, type Response } from 'express';
import { parseId } from '../validation';
import type { RouteContext } from './context';

function sendCsv(res: Response, filename: string, body: string): void {
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.setHeader('Cache-Control', 'no-store');
  res.type('text/csv; charset=utf-8').send(body);
}

/** The host's downloads once the quiz is closed (ingest/results.ts). */
export function resultRoutes(ctx: RouteContext): Router {
  const router = Router();

  router.get('/v1/quizzes/:quizId/results.csv', ctx.requireAdmin, async (req, res) => {
    const quizId = parseId(req.params.quizId, 'quizId');
    sendCsv(res, `${quizId}-results.csv`, await ctx.results.playersCsv(quizId));
  });

  router.get('/v1/quizzes/:quizId/questions.csv', ctx.requireAdmin, async (req, res) => {
    const quizId = parseId(req.params.quizId, 'quizId');
    sendCsv(res, `${quizId}-questions.csv`, await ctx.results.questionsCsv(quizId));
  });

  return router;
}
