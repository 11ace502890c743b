import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type KeyLike } from 'jose';
import { loadConfig, type Config } from '../../common/config';
import { UnauthorizedError, UnavailableError } from '../../common/errors';
import { DEV_ISSUER } from '../../common/tokens';
import { DevTokenIssuer, playerTokenVerifier } from '../../ingest/auth';

const devAuth: Config['auth'] = loadConfig({}).auth;

describe('dev tokens (HS256)', () => {
  const issuer = new DevTokenIssuer(devAuth, 3600);
  const verifier = playerTokenVerifier(devAuth);

  test('a dev token verifies to its player id and display name, and expires in the configured time', async () => {
    const before = Date.now();
    const { token, expiresAt } = await issuer.issue('p1', 'Ann');
    // expiresAt: what the personal stream ends at, the token's exp in ms.
    expect(await verifier.verify(token)).toEqual({ playerId: 'p1', displayName: 'Ann', expiresAt: new Date(expiresAt).getTime() });
    const ttl = new Date(expiresAt).getTime() - before;
    expect(ttl).toBeGreaterThan(3590_000);
    expect(ttl).toBeLessThanOrEqual(3601_000);
  });

  test('an expired token is a 401 token_expired', async () => {
    const past = Math.floor(Date.now() / 1000) - 60;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('p1')
      .setIssuer(DEV_ISSUER)
      .setIssuedAt(past - 60)
      .setExpirationTime(past)
      .sign(new TextEncoder().encode(devAuth.jwtSecret));
    await expect(verifier.verify(token)).rejects.toMatchObject({ status: 401, code: 'token_expired' });
  });

  test('a token signed with another secret, garbage, a bad subject or no expiry is a 401', async () => {
    const other = new DevTokenIssuer({ ...devAuth, jwtSecret: 'another-secret-that-is-long-enough-0123456789' }, 3600);
    const key = new TextEncoder().encode(devAuth.jwtSecret);
    const now = Math.floor(Date.now() / 1000);
    const tokens = [
      (await other.issue('p1', 'Ann')).token,
      'not.a.jwt',
      'eyJhbGciOiJub25lIn0.eyJzdWIiOiJwMSJ9.',
      await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('p 1').setIssuer(DEV_ISSUER).setExpirationTime(now + 60).sign(key),
      await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('p1').setIssuer(DEV_ISSUER).sign(key),
      await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('p1').setIssuer('someone-else').setExpirationTime(now + 60).sign(key),
    ];
    for (const token of tokens) {
      await expect(verifier.verify(token)).rejects.toBeInstanceOf(UnauthorizedError);
    }
  });

  test('a name claim that is not a valid display name is ignored, not fatal', async () => {
    const key = new TextEncoder().encode(devAuth.jwtSecret);
    const token = await new SignJWT({ name: 'bad\nname' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('p2')
      .setIssuer(DEV_ISSUER)
      .setExpirationTime(Math.floor(Date.now() / 1000) + 60)
      .sign(key);
    expect(await verifier.verify(token)).toEqual({ playerId: 'p2', expiresAt: expect.any(Number) });
  });
});

describe('JWKS tokens (AUTH_MODE=jwks)', () => {
  let server: Server;
  let jwksUrl: string;
  let serveKeys = true;
  let privateKey: KeyLike;
  const kid = 'test-key-1';

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' };
    server = createServer((_req, res) => {
      if (!serveKeys) {
        res.writeHead(500).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const sign = (claims: { sub: string; iss?: string; aud?: string; expInSeconds?: number }) => {
    let jwt = new SignJWT({ name: 'Ann' })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setSubject(claims.sub)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + (claims.expInSeconds ?? 300));
    if (claims.iss) jwt = jwt.setIssuer(claims.iss);
    if (claims.aud) jwt = jwt.setAudience(claims.aud);
    return jwt.sign(privateKey);
  };

  test('verifies against the key set, checking issuer and audience when configured', async () => {
    const auth = loadConfig({ AUTH_MODE: 'jwks', AUTH_JWKS_URL: jwksUrl, AUTH_ISSUER: 'https://idp.example', AUTH_AUDIENCE: 'quizstream', ADMIN_KEY: 'admin-key-123' }).auth;
    const verifier = playerTokenVerifier(auth);
    expect(await verifier.verify(await sign({ sub: 'u-42', iss: 'https://idp.example', aud: 'quizstream' }))).toEqual({
      playerId: 'u-42',
      displayName: 'Ann',
      expiresAt: expect.any(Number),
    });
    await expect(verifier.verify(await sign({ sub: 'u-42', iss: 'https://evil.example', aud: 'quizstream' }))).rejects.toMatchObject({ status: 401 });
    await expect(verifier.verify(await sign({ sub: 'u-42', iss: 'https://idp.example', aud: 'other' }))).rejects.toMatchObject({ status: 401 });
    await expect(verifier.verify(await sign({ sub: 'u-42', iss: 'https://idp.example', aud: 'quizstream', expInSeconds: -10 }))).rejects.toMatchObject({
      code: 'token_expired',
    });
  });

  test('an HS256 token made with the dev secret is not accepted in jwks mode', async () => {
    const auth = loadConfig({ AUTH_MODE: 'jwks', AUTH_JWKS_URL: jwksUrl, ADMIN_KEY: 'admin-key-123' }).auth;
    const { token } = await new DevTokenIssuer(devAuth, 60).issue('p1', 'Ann');
    await expect(playerTokenVerifier(auth).verify(token)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  test('an identity provider that cannot serve its keys is a 503, not a 401', async () => {
    const auth = loadConfig({ AUTH_MODE: 'jwks', AUTH_JWKS_URL: jwksUrl, ADMIN_KEY: 'admin-key-123' }).auth;
    const token = await sign({ sub: 'u-1' });
    serveKeys = false;
    try {
      await expect(playerTokenVerifier(auth).verify(token)).rejects.toBeInstanceOf(UnavailableError);
    } finally {
      serveKeys = true;
    }
    const unreachable = loadConfig({ AUTH_MODE: 'jwks', AUTH_JWKS_URL: 'http://127.0.0.1:1/jwks.json', ADMIN_KEY: 'admin-key-123' }).auth;
    await expect(playerTokenVerifier(unreachable).verify(token)).rejects.toMatchObject({ status: 503, code: 'auth_unavailable' });
  });
});
