import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildSync } from 'esbuild';
import { BUILD_STAMP, WEB_DIST, WEB_ROOT } from './paths';

// The build step of the pages (`npm run build:web`, run by `npm start`, `npm test` and the Docker
// build): bundles web/src/<page>.ts into one script per page with esbuild and copies web/pages
// (HTML, CSS) beside them. The output carries a hash of its sources, so `ensureWebPagesBuilt` can
// tell in a millisecond whether it is current. Push only serves the output; it never builds.

const SRC = join(WEB_ROOT, 'src');
const PAGES = join(WEB_ROOT, 'pages');
const ENTRIES = ['scoreboard', 'play', 'host'];

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out.sort();
}

/** A hash of everything the build reads (sources, pages, this script). */
export function sourceHash(): string {
  const hash = createHash('sha256');
  for (const file of [...filesUnder(SRC), ...filesUnder(PAGES), __filename]) {
    hash.update(relative(WEB_ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

export function isBuildCurrent(distDir = WEB_DIST): boolean {
  try {
    const stamp = JSON.parse(readFileSync(join(distDir, BUILD_STAMP), 'utf8')) as { hash?: string };
    return stamp.hash === sourceHash();
  } catch (err) {
    // No stamp (never built) or an unreadable one: either way the build is not known to be current.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || err instanceof SyntaxError) return false;
    throw err;
  }
}

/**
 * Builds into a temporary folder and swaps it in whole, so a server reading the output never sees
 * half a build, and two builds racing each leave a complete one.
 */
export function buildWebPages(distDir = WEB_DIST): { distDir: string; ms: number } {
  const started = Date.now();
  const hash = sourceHash();
  const tmp = `${distDir}.tmp-${process.pid}-${Date.now()}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    buildSync({
      entryPoints: ENTRIES.map((name) => join(SRC, `${name}.ts`)),
      outdir: join(tmp, 'js'),
      bundle: true,
      format: 'iife',
      platform: 'browser',
      // Browsers of the last few years, phones included; nothing newer is needed.
      target: ['es2020', 'chrome90', 'firefox90', 'safari15'],
      minify: true,
      sourcemap: 'linked',
      logLevel: 'silent',
      tsconfig: join(WEB_ROOT, 'tsconfig.json'),
    });
    cpSync(PAGES, tmp, { recursive: true });
    writeFileSync(join(tmp, BUILD_STAMP), JSON.stringify({ hash, builtAt: new Date().toISOString() }));
    const old = `${distDir}.old-${process.pid}-${Date.now()}`;
    if (existsSync(distDir)) renameSync(distDir, old);
    try {
      renameSync(tmp, distDir);
    } catch (err) {
      // Another process swapped its build in between our two renames; if it is this very
      // build (same sources), use it.
      if (!isBuildCurrent(distDir)) throw err;
      rmSync(tmp, { recursive: true, force: true });
    }
    rmSync(old, { recursive: true, force: true });
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return { distDir, ms: Date.now() - started };
}

/** Builds unless the output is already current; returns whether it built. */
export function ensureWebPagesBuilt(distDir = WEB_DIST): boolean {
  if (existsSync(distDir) && statSync(distDir).isDirectory() && isBuildCurrent(distDir)) return false;
  buildWebPages(distDir);
  return true;
}

// `tsx web/build.ts [dist]` builds always; with --if-stale only when the output is not current.
if (require.main === module) {
  const ifStale = process.argv.includes('--if-stale');
  const distDir = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? WEB_DIST;
  const started = Date.now();
  const built = ifStale ? ensureWebPagesBuilt(distDir) : (buildWebPages(distDir), true);
  const where = relative(process.cwd(), distDir) || '.';
  process.stdout.write(built ? `web pages built into ${where} in ${Date.now() - started} ms\n` : `web pages in ${where} are current\n`);
}
