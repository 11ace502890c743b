import { bearerToken, type TokenSource } from '../common/tokens';

/**
 * The player's token from `Authorization: Bearer <jwt>`, or from `?token=` because a browser's
 * EventSource cannot set headers. The header wins when both are present. Verification is
 * common/tokens.ts (requirePlayer), as in ingest, so both tiers accept the same tokens.
 */
export const streamTokenSource: TokenSource = {
  read(req) {
    const fromHeader = bearerToken(req.headers.authorization);
    if (fromHeader) return fromHeader;
    const query = req.query.token;
    return typeof query === 'string' && query.length > 0 ? query : undefined;
  },
  missingMessage: 'missing player token (Authorization: Bearer <jwt>, or ?token=<jwt> for EventSource)',
};
