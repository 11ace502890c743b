import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { SignJWT } from 'jose';
import type { Config } from '../common/config';
import { UnauthorizedError } from '../common/errors';
import { DEV_ISSUER, createTokenVerifier, devSigningKey, type TokenVerifier } from '../common/tokens';
import { displayNameSchema } from './validation';

// Ingest's side of authentication: it issues dev tokens and checks the admin key; verifying player
// tokens is common/tokens.ts, shared with push.

type AuthConfig = Config['auth'];

/** The token's `name` claim, when it is a valid display name (normalized as a join's would be). */
export function tokenDisplayName(claim: unknown): string | undefined {
  const name = displayNameSchema.safeParse(claim);
  return name.success ? name.data : undefined;
}

/** The verifier AUTH_MODE selects, reading the display name a join falls back to. */
export function playerTokenVerifier(auth: AuthConfig): TokenVerifier {
  return createTokenVerifier(auth, tokenDisplayName);
}

export class DevTokenIssuer {
  constructor(
    private readonly auth: AuthConfig,
    private readonly ttlSeconds: number,
  ) {}

  async issue(playerId: string, displayName: string): Promise<{ token: string; expiresAt: string }> {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + this.ttlSeconds;
    let jwt = new SignJWT({ name: displayName })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(playerId)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .setIssuer(this.auth.issuer ?? DEV_ISSUER);
    if (this.auth.audience) jwt = jwt.setAudience(this.auth.audience);
    return { token: await jwt.sign(devSigningKey(this.auth)), expiresAt: new Date(exp * 1000).toISOString() };
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Compares digests so the check takes the same time whatever the key's length or prefix. */
export function requireAdmin(adminKey: string): RequestHandler {
  const expected = digest(adminKey);
  return (req, _res, next) => {
    const given = req.headers['x-admin-key'];
    if (typeof given !== 'string' || given.length === 0) {
      throw new UnauthorizedError('missing admin key (x-admin-key header)', 'admin_key_required');
    }
    if (!timingSafeEqual(digest(given), expected)) throw new UnauthorizedError('wrong admin key', 'invalid_admin_key');
    next();
  };
}
