import { Router } from 'express';
import { playerOf } from '../../common/tokens';
import { joinSchema, parseBody, parseId } from '../validation';
import { iso, type RouteContext } from './context';

export function playerRoutes(ctx: RouteContext): Router {
  const router = Router();

  router.post('/v1/quizzes/:quizId/players', ctx.requirePlayer, ctx.perPlayerLimit, async (req, res) => {
    const quizId = parseId(req.params.quizId, 'quizId');
    // An empty body is fine here: the token's name claim may supply the display name.
    const { displayName } = parseBody(joinSchema, req.body ?? {}, 'join body');
    const { created, body } = await ctx.joins.join(quizId, playerOf(res), displayName);
    res.status(created ? 201 : 200).json(body);
  });

  router.delete('/v1/quizzes/:quizId/players/:playerId', ctx.requireAdmin, async (req, res) => {
    const quizId = parseId(req.params.quizId, 'quizId');
    const playerId = parseId(req.params.playerId, 'playerId');
    const { kickedAt, repeat } = await ctx.admin.kickPlayer(quizId, playerId);
    // The player kicked may have been the last one the open question waited for.
    if (!repeat) await ctx.allAnswered.afterKick(quizId);
    res.json({ quizId, playerId, kickedAt: iso(kickedAt) });
  });

  return router;
}
