import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { loadConfig } from '../../common/config';
import { buildWebPages, isBuildCurrent } from '../../web/build';
import { mountWebPages, webPagesOptions } from '../../web/serve';

// Serving the built pages: what is served, what is not, /config.json, and the build-on-first-use.

const dist = mkdtempSync(join(tmpdir(), 'qs-web-'));
let server: Server;
let base: string;

async function listen(app: express.Express): Promise<{ server: Server; base: string }> {
  const s = await new Promise<Server>((resolve) => {
    const started = app.listen(0, '127.0.0.1', () => resolve(started));
  });
  return { server: s, base: `http://127.0.0.1:${(s.address() as AddressInfo).port}` };
}

beforeAll(async () => {
  const app = express();
  mountWebPages(app, { ingestUrl: 'http://127.0.0.1:8080', devAdminKey: 'dev-admin-key', distDir: join(dist, 'out') });
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'route_not_found' } });
  });
  ({ server, base } = await listen(app));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dist, { recursive: true, force: true });
});

test('mounting builds the pages on first use and then finds them current', () => {
  expect(isBuildCurrent(join(dist, 'out'))).toBe(true);
  expect(readFileSync(join(dist, 'out', 'js', 'scoreboard.js'), 'utf8').length).toBeGreaterThan(100);
});

test.each(['/', '/scoreboard.html', '/play.html', '/host.html', '/scoreboard', '/play', '/host'])('%s is served with a strict CSP', async (path) => {
  const res = await fetch(`${base}${path}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/html');
  const csp = res.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("connect-src 'self' http://127.0.0.1:8080");
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
});

test('scripts and styles are served; the build stamp and other paths are not', async () => {
  expect((await fetch(`${base}/js/play.js`)).headers.get('content-type')).toContain('javascript');
  expect((await fetch(`${base}/style.css`)).headers.get('content-type')).toContain('text/css');
  expect((await fetch(`${base}/build-stamp.json`)).status).toBe(404);
  expect((await fetch(`${base}/v1/quizzes/x`)).status).toBe(404);
  expect((await fetch(`${base}/play.html`, { method: 'POST' })).status).toBe(404);
});

/** GET with the path sent byte for byte (fetch and curl resolve "." and ".." segments first). */
function getAsIs(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method: 'GET' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.path = path;
    req.on('error', reject);
    req.end();
  });
}

test.each(['/js/../build-stamp.json', '/js/%2e%2e/build-stamp.json', '/js/..%2fbuild-stamp.json', '/style.css/../build-stamp.json', '/js/%2E%2E/%2E%2E/package.json'])(
  'a dot-dot path cannot climb out of the allowed paths: %s',
  async (path) => {
    expect(await getAsIs(path)).toBe(404);
  },
);

test('a dot path that stays inside the allowed paths still serves the page', async () => {
  expect(await getAsIs('/js/./play.js')).toBe(200);
  expect(await getAsIs('/js/%zz')).toBe(404);
});

test('source maps are served only when asked for (dev mode)', async () => {
  expect(readFileSync(join(dist, 'out', 'js', 'play.js.map'), 'utf8').length).toBeGreaterThan(100);
  expect((await fetch(`${base}/js/play.js.map`)).status).toBe(404);
  const app = express();
  mountWebPages(app, { ingestUrl: 'http://127.0.0.1:8080', distDir: join(dist, 'out'), sourceMaps: true, buildIfStale: false });
  const withMaps = await listen(app);
  try {
    expect((await fetch(`${withMaps.base}/js/play.js.map`)).status).toBe(200);
  } finally {
    await new Promise((resolve) => withMaps.server.close(resolve));
  }
});

test('/config.json tells the pages where ingest is', async () => {
  const res = await fetch(`${base}/config.json`);
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(await res.json()).toEqual({ ingestUrl: 'http://127.0.0.1:8080', devAdminKey: 'dev-admin-key' });
});

test('no page or script embeds the admin key (only /config.json has it, and only in dev)', async () => {
  for (const path of ['/play.html', '/scoreboard.html', '/host.html', '/js/play.js', '/js/scoreboard.js', '/js/host.js']) {
    const text = await (await fetch(`${base}${path}`)).text();
    expect(text).not.toContain('dev-admin-key');
  }
});

test('webPagesOptions: PUBLIC_INGEST_URL, the admin key only when it is the well-known dev default, source maps only in dev auth mode', () => {
  const dev = loadConfig({});
  expect(webPagesOptions(dev, {})).toEqual({ ingestUrl: 'http://127.0.0.1:8080', devAdminKey: 'dev-admin-key', sourceMaps: true });
  expect(webPagesOptions(dev, { PUBLIC_INGEST_URL: 'https://api.example/' })).toMatchObject({ ingestUrl: 'https://api.example' });
  expect(webPagesOptions(loadConfig({ ADMIN_KEY: 'a-real-secret-key' }), {})).toEqual({ ingestUrl: 'http://127.0.0.1:8080', sourceMaps: true });
  const production = loadConfig({ AUTH_MODE: 'jwks', AUTH_JWKS_URL: 'https://login.example/jwks.json', ADMIN_KEY: 'a-real-secret-key' });
  expect(webPagesOptions(production, {})).toEqual({ ingestUrl: 'http://127.0.0.1:8080', sourceMaps: false });
  expect(webPagesOptions(loadConfig({ HOST: '0.0.0.0', INGEST_PORT: '9000' }), {}).ingestUrl).toBe('http://127.0.0.1:9000');
});

test('a stale build is rebuilt; a build that fails leaves the app running and says why on the page paths', async () => {
  const out = join(dist, 'stale');
  buildWebPages(out);
  writeFileSync(join(out, 'build-stamp.json'), JSON.stringify({ hash: 'old' }));
  expect(isBuildCurrent(out)).toBe(false);
  const app = express();
  mountWebPages(app, { ingestUrl: 'http://127.0.0.1:8080', distDir: out });
  expect(isBuildCurrent(out)).toBe(true);

  // A dist folder that cannot be written (a file in the way of its parent) makes the build fail.
  const blocker = join(dist, 'blocker');
  writeFileSync(blocker, 'not a folder');
  const errors: string[] = [];
  const broken = express();
  mountWebPages(broken, { ingestUrl: 'http://127.0.0.1:8080', distDir: join(blocker, 'out'), log: { error: (_o, msg) => errors.push(msg) } });
  broken.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  const running = await listen(broken);
  try {
    const page = await fetch(`${running.base}/play.html`);
    expect(page.status).toBe(503);
    expect(await page.text()).toContain('web pages failed to build');
    expect((await fetch(`${running.base}/healthz`)).status).toBe(200);
    expect(errors).toHaveLength(1);
  } finally {
    await new Promise((resolve) => running.server.close(resolve));
  }
  cpSync(out, join(dist, 'copy'), { recursive: true }); // the good build is a complete folder
  expect(isBuildCurrent(join(dist, 'copy'))).toBe(true);
});
