import type { Request, RequestHandler, Response } from 'express';
import { UnauthorizedError } from '../common/errors';
import type { PlayerIdentity, TokenVerifier } from '../ingest/auth';

/**
 * The player's token from `Authorization: Bearer <jwt>`, or from `?token=` because a browser's
 * EventSource cannot set headers. The header wins when both are present.
 */
export function streamToken(req: Request): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? '');
  if (match?.[1]) return match[1];
  const query = req.query.token;
  return typeof query === 'string' && query.length > 0 ? query : undefined;
}

/** Verifies with ingest's verifier (dev HS256 or JWKS, as AUTH_MODE says), so both tiers accept the same tokens. */
export function requireStreamPlayer(verifier: TokenVerifier): RequestHandler {
  return async (req, res, next) => {
    const token = streamToken(req);
    if (!token) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      throw new UnauthorizedError('missing player token (Authorization: Bearer <jwt>, or ?token=<jwt> for EventSource)');
    }
    try {
      res.locals.player = await verifier.verify(token);
    } catch (err) {
      if (err instanceof UnauthorizedError) res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw err;
    }
    next();
  };
}

export function streamPlayer(res: Response): PlayerIdentity {
  const player = res.locals.player as PlayerIdentity | undefined;
  if (!player) throw new Error('requireStreamPlayer must run before this handler');
  return player;
}
