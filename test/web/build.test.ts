import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildWebPages, ensureWebPagesBuilt, isBuildCurrent } from '../../web/build';

// The build step of the pages: what it writes, and rebuilding only what is stale.

const dist = mkdtempSync(join(tmpdir(), 'qs-web-build-'));

afterAll(() => {
  rmSync(dist, { recursive: true, force: true });
});

test('builds the pages and then finds them current', () => {
  buildWebPages(join(dist, 'out'));
  expect(isBuildCurrent(join(dist, 'out'))).toBe(true);
  expect(readFileSync(join(dist, 'out', 'js', 'scoreboard.js'), 'utf8').length).toBeGreaterThan(100);
  expect(readFileSync(join(dist, 'out', 'js', 'play.js.map'), 'utf8').length).toBeGreaterThan(100);
});

test('a stale build is rebuilt, a current one left alone, and a build is a complete folder', () => {
  const out = join(dist, 'stale');
  expect(ensureWebPagesBuilt(out)).toBe(true);
  expect(ensureWebPagesBuilt(out)).toBe(false);
  writeFileSync(join(out, 'build-stamp.json'), JSON.stringify({ hash: 'old' }));
  expect(isBuildCurrent(out)).toBe(false);
  expect(ensureWebPagesBuilt(out)).toBe(true);
  expect(isBuildCurrent(out)).toBe(true);
  cpSync(out, join(dist, 'copy'), { recursive: true });
  expect(isBuildCurrent(join(dist, 'copy'))).toBe(true);
});
