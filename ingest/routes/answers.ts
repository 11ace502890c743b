import { Router } from 'express';
import { playerOf } from '../../common/tokens';
import { parseAnswerBody, parseId } from '../validation';
import type { RouteContext } from './context';

export function answerRoutes(ctx: RouteContext): Router {
  const router = Router();

  router.post('/v1/quizzes/:quizId/answers', ctx.requirePlayer, ctx.perPlayerLimit, async (req, res) => {
    const quizId = parseId(req.params.quizId, 'quizId');
    const input = parseAnswerBody(req.body);
    const { answerId } = await ctx.answers.submit(quizId, playerOf(res), input);
    // 202 in both cases: the answer is durably in Kafka, scoring happens downstream.
    res.status(202).json({ answerId });
  });

  return router;
}
