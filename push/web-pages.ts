import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import express, { type Express, type RequestHandler } from 'express';
import { DEV_ADMIN_KEY, reachableHost, type Config } from '../common/config';
import { BUILD_STAMP, WEB_DIST } from '../web/paths';

// Serves the three web pages (scoreboard, play, host) that the build step (web/build.ts) made, and
// /config.json, which tells them where ingest is (they call push, their own origin, for the streams
// and ingest for everything else). Push never builds them: without a build the page paths answer
// 503 saying how to make one, and the streams and reads run on.

export interface WebPagesOptions {
  /** Ingest's base URL as a browser reaches it, e.g. http://127.0.0.1:8080. */
  ingestUrl: string;
  /**
   * Pre-filled into the host page's admin key field. Only ever the well-known local default:
   * /config.json is public, so a real key must never be put here.
   */
  devAdminKey?: string;
  /** Where the built pages are; defaults to web/dist. */
  distDir?: string;
  /**
   * Serve the scripts' source maps (`/js/*.map`). They publish the pages' source, comments
   * included: handy locally, nothing a production deployment needs to hand out.
   */
  sourceMaps?: boolean;
  /** Where missing pages are reported (the tier's logger); the tier keeps running without them. */
  log?: { error(obj: object, msg: string): void };
}

/**
 * The pages' options from the configuration: ingest's URL (PUBLIC_INGEST_URL, else ingest on this
 * host), the dev admin key only when the process runs in dev auth mode with the key everyone
 * already knows, and source maps only in dev auth mode (a deployment verifying real tokens is production).
 */
export function webPagesOptions(config: Config, publicIngestUrl?: string): WebPagesOptions {
  const ingestUrl = (publicIngestUrl ?? `http://${reachableHost(config.http.host)}:${config.http.ingestPort}`).replace(/\/+$/, '');
  const devKey = config.auth.mode === 'dev' && config.auth.adminKey === DEV_ADMIN_KEY;
  return { ingestUrl, ...(devKey ? { devAdminKey: DEV_ADMIN_KEY } : {}), sourceMaps: config.auth.mode === 'dev' };
}

/** Content-Security-Policy: our own scripts and styles only, and fetches to ourselves and ingest. */
function securityHeaders(ingestUrl: string): RequestHandler {
  let ingestOrigin = '';
  try {
    ingestOrigin = new URL(ingestUrl).origin;
  } catch (err) {
    throw new Error(`web pages: PUBLIC_INGEST_URL is not a URL: ${ingestUrl} (${(err as Error).message})`);
  }
  const csp = [
    "default-src 'self'",
    `connect-src 'self' ${ingestOrigin}`,
    "img-src 'self' data:",
    "style-src 'self'",
    "script-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  return (_req, res, next) => {
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // The play page's stream URL carries the player's token; never leak page URLs elsewhere.
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  };
}

// Only these reach the static handler: the build stamp and anything else in the output folder
// stay private, and the app's other routes (and its 404s) are untouched.
const PAGE_PATHS = /^\/(?:$|index(?:\.html)?$|(?:scoreboard|play|host)(?:\.html)?$|style\.css$|js\/)/;
const SOURCE_MAP = /\.map$/;

/**
 * The path the static handler will resolve: percent-decoded, with "." and ".." segments applied
 * (as it does), so the allow-list judges the file that would be sent, not the spelling of the
 * request. Undefined for a path that does not decode.
 */
function resolvedPath(rawPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch (err) {
    if (err instanceof URIError) return undefined;
    throw err;
  }
  return posix.normalize(decoded);
}

/**
 * Mounts `/`, `/scoreboard.html`, `/play.html`, `/host.html` (also without `.html`), their
 * scripts and styles, and `/config.json`. Mount it before the app's 404 handler.
 */
export function mountWebPages(app: Express, options: WebPagesOptions): void {
  const distDir = options.distDir ?? WEB_DIST;
  // The stamp is written last into a build, and a build is swapped in whole: with it, the pages are all there.
  if (!existsSync(join(distDir, BUILD_STAMP))) {
    // Missing pages must not take the streams down with them: report it, and answer the page
    // paths with a 503 that says what to do.
    const message = `web pages are not built (no ${join(distDir, BUILD_STAMP)}): run \`npm run build:web\``;
    (options.log ?? { error: (_o: object, msg: string) => process.stderr.write(`${msg}\n`) }).error({ distDir }, message);
    app.use((req, res, next) => {
      const path = req.method === 'GET' ? resolvedPath(req.path) : undefined;
      if (path !== undefined && PAGE_PATHS.test(path)) res.status(503).type('text/plain').send(`${message}\n`);
      else next();
    });
    return;
  }
  const headers = securityHeaders(options.ingestUrl);
  const config = JSON.stringify({
    ingestUrl: options.ingestUrl,
    ...(options.devAdminKey ? { devAdminKey: options.devAdminKey } : {}),
  });

  app.get('/config.json', headers, (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.type('application/json').send(config);
  });
  const pages = express.static(distDir, {
    extensions: ['html'],
    index: 'index.html',
    // File names carry no content hash, so browsers revalidate (cheap: ETag) rather than cache.
    setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache'),
  });
  const servesSourceMaps = options.sourceMaps ?? false;
  app.use((req, res, next) => {
    const path = req.method === 'GET' || req.method === 'HEAD' ? resolvedPath(req.path) : undefined;
    if (path === undefined || !PAGE_PATHS.test(path) || (!servesSourceMaps && SOURCE_MAP.test(path))) {
      next();
      return;
    }
    headers(req, res, () => pages(req, res, next));
  });
}
