import { UnauthorizedError } from '../../../common/errors';
import type { PlayerIdentity, TokenVerifier } from '../../../common/tokens';
import { CachedTokenVerifier } from '../../../ingest/hot/verified-tokens';

class CountingVerifier implements TokenVerifier {
  calls = 0;
  constructor(private readonly identities: Record<string, PlayerIdentity>) {}
  async verify(token: string): Promise<PlayerIdentity> {
    this.calls++;
    const identity = this.identities[token];
    if (!identity) throw new UnauthorizedError('invalid token: bad signature', 'invalid_token');
    return identity;
  }
}

test('a verified token is verified once until its exp, then again (and refused by the inner verifier once it is)', async () => {
  let now = 1_000;
  const inner = new CountingVerifier({ t1: { playerId: 'p1', expiresAt: 5_000 } });
  const cached = new CachedTokenVerifier(inner, 10, () => now);
  expect(await cached.verify('t1')).toMatchObject({ playerId: 'p1' });
  expect(await cached.verify('t1')).toMatchObject({ playerId: 'p1' });
  expect(inner.calls).toBe(1);
  now = 5_000;
  await cached.verify('t1');
  expect(inner.calls).toBe(2);
});

test('refusals are never remembered, and a token without exp is never cached', async () => {
  const inner = new CountingVerifier({ forever: { playerId: 'p2' } });
  const cached = new CachedTokenVerifier(inner, 10, () => 0);
  await expect(cached.verify('bad')).rejects.toMatchObject({ code: 'invalid_token' });
  await expect(cached.verify('bad')).rejects.toMatchObject({ code: 'invalid_token' });
  await cached.verify('forever');
  await cached.verify('forever');
  expect(inner.calls).toBe(4);
});

test('the oldest token is forgotten once the cache is full', async () => {
  const identities = Object.fromEntries(['a', 'b', 'c'].map((t) => [t, { playerId: t, expiresAt: 10_000 }]));
  const inner = new CountingVerifier(identities);
  const cached = new CachedTokenVerifier(inner, 2, () => 0);
  for (const t of ['a', 'b', 'c']) await cached.verify(t);
  await cached.verify('c');
  await cached.verify('b');
  expect(inner.calls).toBe(3);
  await cached.verify('a');
  expect(inner.calls).toBe(4);
});
