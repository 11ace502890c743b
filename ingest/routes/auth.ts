import { Router } from 'express';
import { devTokenSchema, parseBody } from '../validation';
import type { RouteContext } from './context';

/** Local development only: anyone may mint a token for any player id. */
export function devTokenRoutes(ctx: RouteContext): Router {
  const router = Router();
  const issuer = ctx.devTokens;
  if (!issuer) return router;
  router.post('/v1/auth/dev-token', async (req, res) => {
    const { playerId, displayName } = parseBody(devTokenSchema, req.body, 'dev-token body');
    const { token, expiresAt } = await issuer.issue(playerId, displayName);
    res.json({ token, expiresAt, playerId });
  });
  return router;
}
