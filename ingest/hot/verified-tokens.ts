import type { PlayerIdentity, TokenVerifier } from '../../common/tokens';

// A player sends the same token with every answer and join; verifying its signature each time
// (HMAC or RSA, and jose's key handling) costs more than the rest of the request. A verified token
// is remembered until its `exp`, so only its first use pays. Refusals are never remembered: a
// token that fails is verified again next time (the identity provider may have been down).

export class CachedTokenVerifier implements TokenVerifier {
  private readonly verified = new Map<string, PlayerIdentity & { expiresAt: number }>();

  constructor(
    private readonly inner: TokenVerifier,
    /** Most tokens remembered; the oldest is forgotten first. */
    private readonly maxTokens: number,
    private readonly now: () => number = Date.now,
  ) {}

  async verify(token: string): Promise<PlayerIdentity> {
    const known = this.verified.get(token);
    if (known !== undefined) {
      if (this.now() < known.expiresAt) return known;
      this.verified.delete(token); // expired: the inner verifier says so, with its own error
    }
    const identity = await this.inner.verify(token);
    if (identity.expiresAt !== undefined) {
      if (this.verified.size >= this.maxTokens) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, { ...identity, expiresAt: identity.expiresAt });
    }
    return identity;
  }
}
