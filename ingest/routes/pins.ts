import { Router } from 'express';
import { NotFoundError } from '../../common/errors';
import { parse, parseId, pinSchema } from '../validation';
import type { RouteContext } from './context';

export function pinRoutes(ctx: RouteContext): Router {
  const router = Router();

  // Public, like the quiz id it leads to: whoever has the PIN may join.
  router.get('/v1/pins/:pin', async (req, res) => {
    const pin = parse(pinSchema, req.params.pin, 'pin');
    const quizId = await ctx.store.quizIdOfPin(pin);
    if (quizId === null) throw new NotFoundError(`no running quiz has the PIN ${pin}`, 'pin_not_found');
    res.setHeader('Cache-Control', 'no-store'); // a PIN moves to another quiz once its quiz closes
    res.json({ pin, quizId });
  });

  router.post('/v1/quizzes/:quizId/pin', ctx.requireAdmin, async (req, res) => {
    const quizId = parseId(req.params.quizId, 'quizId');
    const { pin } = await ctx.admin.requestPin(quizId);
    res.json({ quizId, pin });
  });

  return router;
}
