import type { Request, RequestHandler, Response } from 'express';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import type { Config } from './config';
import { UnauthorizedError, UnavailableError } from './errors';
import { ID_PATTERN, ID_RULE } from './ids';

// Player tokens, as ingest and push both accept them: HS256 dev tokens (AUTH_MODE=dev) or tokens
// from an identity provider's key set (AUTH_MODE=jwks). The subject is the player id.

type AuthConfig = Config['auth'];

export interface PlayerIdentity {
  playerId: string;
  /** The token's `name` claim when it holds a valid display name; join falls back to it. */
  displayName?: string;
  /** When the token expires (epoch ms, from `exp`): a stream opened with it ends then. */
  expiresAt?: number;
}

export interface TokenVerifier {
  verify(token: string): Promise<PlayerIdentity>;
}

/** Dev tokens name their issuer so a dev token is never mistaken for one from a real provider. */
export const DEV_ISSUER = 'quizstream-dev';

/** The HS256 key of dev mode: ingest signs dev tokens with it, every tier verifies them. */
export function devSigningKey(auth: AuthConfig): Uint8Array {
  return new TextEncoder().encode(auth.jwtSecret);
}

/** Reads a display name from the token's `name` claim; undefined when it holds none that is valid. */
export type NameClaimReader = (claim: unknown) => string | undefined;

/**
 * The verifier AUTH_MODE selects. `readName` is given by a tier that uses the token's name (ingest,
 * whose join falls back to it); without it the identity carries no display name.
 */
export function createTokenVerifier(auth: AuthConfig, readName?: NameClaimReader): TokenVerifier {
  if (auth.mode === 'jwks') {
    if (!auth.jwksUrl) throw new Error('AUTH_JWKS_URL is required when AUTH_MODE=jwks');
    // jose caches the key set and refetches on an unknown kid, with a cooldown against floods.
    const keys = createRemoteJWKSet(new URL(auth.jwksUrl), { timeoutDuration: 2_000 });
    const options: JWTVerifyOptions = { issuer: auth.issuer, audience: auth.audience, requiredClaims: ['sub', 'exp'] };
    return new JwtVerifier(async (token) => (await jwtVerify(token, keys, options)).payload, true, readName);
  }
  const key = devSigningKey(auth);
  const options: JWTVerifyOptions = {
    issuer: auth.issuer ?? DEV_ISSUER,
    audience: auth.audience,
    algorithms: ['HS256'],
    requiredClaims: ['sub', 'exp'],
  };
  return new JwtVerifier(async (token) => (await jwtVerify(token, key, options)).payload, false, readName);
}

class JwtVerifier implements TokenVerifier {
  constructor(
    private readonly verifyJwt: (token: string) => Promise<JWTPayload>,
    /** Keys come over the network, so some failures are the provider's, not the token's. */
    private readonly remote: boolean,
    private readonly readName: NameClaimReader | undefined,
  ) {}

  async verify(token: string): Promise<PlayerIdentity> {
    let payload: JWTPayload;
    try {
      payload = await this.verifyJwt(token);
    } catch (err) {
      throw this.classify(err);
    }
    const playerId = payload.sub ?? '';
    if (!ID_PATTERN.test(playerId)) {
      throw new UnauthorizedError(`token subject is not a valid player id (${ID_RULE})`, 'invalid_token');
    }
    const displayName = this.readName?.(payload.name);
    return {
      playerId,
      ...(displayName !== undefined ? { displayName } : {}),
      ...(typeof payload.exp === 'number' ? { expiresAt: payload.exp * 1000 } : {}),
    };
  }

  /** The token's fault is a 401; an identity provider we cannot reach is our outage, a 503. */
  private classify(err: unknown): Error {
    if (err instanceof joseErrors.JWTExpired) return new UnauthorizedError('token expired', 'token_expired');
    const providerDown =
      this.remote &&
      (!(err instanceof joseErrors.JOSEError) ||
        err instanceof joseErrors.JWKSTimeout ||
        err instanceof joseErrors.JWKSInvalid ||
        err.code === joseErrors.JOSEError.code);
    if (providerDown) return new UnavailableError(`identity provider key set unavailable: ${(err as Error).message}`, 1, 'auth_unavailable');
    return new UnauthorizedError(`invalid token: ${(err as Error).message}`, 'invalid_token');
  }
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header ?? '');
  return match?.[1];
}

export function playerOf(res: Response): PlayerIdentity {
  const player = res.locals.player as PlayerIdentity | undefined;
  if (!player) throw new Error('requirePlayer must run before this handler');
  return player;
}

/** Where a route finds the player's token, and what a 401 says when it is missing. */
export interface TokenSource {
  read(req: Request): string | undefined;
  missingMessage: string;
}

export const bearerTokenSource: TokenSource = {
  read: (req) => bearerToken(req.headers.authorization),
  missingMessage: 'missing bearer token (Authorization: Bearer <jwt>)',
};

/** Verifies the token and leaves the player in res.locals for playerOf(). */
export function requirePlayer(verifier: TokenVerifier, source: TokenSource = bearerTokenSource): RequestHandler {
  return async (req, res, next) => {
    const token = source.read(req);
    if (!token) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      throw new UnauthorizedError(source.missingMessage);
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
