import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { loadConfig } from '../../common/config';
import { mountWebPages, webPagesOptions } from '../../push/web-pages';
import { buildWebPages } from '../../web/build';

// Serving the pages the build step made: what is served, what is not, /config.json, and a clear
// 503 on the page paths when there is no build.

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
  buildWebPages(join(dist, 'out'));
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
  mountWebPages(app, { ingestUrl: 'http://127.0.0.1:8080', distDir: join(dist, 'out'), sourceMaps: true });
  const withMaps = await listen(app);
  try {
    const map = await fetch(`${withMaps.base}/js/play.js.map`);
    expect(map.status).toBe(200);
    // Read to the end: an unread body keeps the connection busy, and close() would wait for it.
    expect(JSON.parse(await map.text())).toMatchObject({ version: 3 });
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
  expect(webPagesOptions(dev)).toEqual({ ingestUrl: 'http://127.0.0.1:8080', devAdminKey: 'dev-admin-key', sourceMaps: true });
  expect(webPagesOptions(dev, 'https://api.example/')).toMatchObject({ ingestUrl: 'https://api.example' });
  expect(webPagesOptions(loadConfig({ ADMIN_KEY: 'a-real-secret-key' }))).toEqual({ ingestUrl: 'http://127.0.0.1:8080', sourceMaps: true });
  const production = loadConfig({ AUTH_MODE: 'jwks', AUTH_JWKS_URL: 'https://login.example/jwks.json', ADMIN_KEY: 'a-real-secret-key' });
  expect(webPagesOptions(production)).toEqual({ ingestUrl: 'http://127.0.0.1:8080', sourceMaps: false });
  expect(webPagesOptions(loadConfig({ HOST: '0.0.0.0', INGEST_PORT: '9000' })).ingestUrl).toBe('http://127.0.0.1:9000');
});

test('without a build, the app runs on and the page paths say how to make one', async () => {
  const errors: string[] = [];
  const unbuilt = express();
  mountWebPages(unbuilt, { ingestUrl: 'http://127.0.0.1:8080', distDir: join(dist, 'never-built'), log: { error: (_o, msg) => errors.push(msg) } });
  unbuilt.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  const running = await listen(unbuilt);
  try {
    const page = await fetch(`${running.base}/play.html`);
    expect(page.status).toBe(503);
    expect(await page.text()).toContain('npm run build:web');
    expect((await fetch(`${running.base}/healthz`)).status).toBe(200);
    expect(errors).toEqual([expect.stringContaining('web pages are not built')]);
  } finally {
    await new Promise((resolve) => running.server.close(resolve));
  }
});

test('a build interrupted before its stamp counts as no build', () => {
  const half = join(dist, 'half');
  buildWebPages(half);
  rmSync(join(half, 'build-stamp.json'));
  writeFileSync(join(half, 'play.html'), 'half a build');
  const errors: string[] = [];
  mountWebPages(express(), { ingestUrl: 'http://127.0.0.1:8080', distDir: half, log: { error: (_o, msg) => errors.push(msg) } });
  expect(errors).toHaveLength(1);
});
