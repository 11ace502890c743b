import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// Keeps `npm run bench` working: runs its smoke mode (tiny sizes, one run) and checks the report has
// every section with numbers in it. It checks that numbers exist and parse, never what they are.

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..', '..');

const SECTIONS = ['## 1. Ingest', '## 2. End to end', '## 3. Fan-out', '## 4. Scoring', '## 5. One quiz', '## 6. Burst'];

/** The quizstream column of a section's own table, as numbers ("33 answers/s" or "51.2 (40–60) ms"). */
function sectionValues(markdown: string, heading: string): number[] {
  const start = markdown.indexOf(heading);
  const next = markdown.indexOf('\n## ', start + heading.length);
  const body = markdown.slice(start, next < 0 ? undefined : next);
  return body
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| figure') && !l.startsWith('| viewers') && !/^\|\s*\d+ \|/.test(l))
    .map((l) => Number((l.split('|')[2] ?? '').trim().split(' ')[0]));
}

describe('npm run bench -- --smoke', () => {
  const out = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('writes a report with every section and numbers in each', async () => {
    const { stdout } = await run('npx', ['--no-install', 'tsx', 'test/system/load/bench.ts', '--smoke', `--out=${out}`], {
      cwd: ROOT,
      timeout: 280_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(stdout).toContain('report:');
    const file = join(out, 'report.md');
    expect(existsSync(file)).toBe(true);
    const md = readFileSync(file, 'utf8');
    expect(md).not.toContain('Not measured');
    for (const heading of SECTIONS) {
      expect(md).toContain(heading);
      const values = sectionValues(md, heading);
      expect(values.length).toBeGreaterThan(0);
      for (const v of values) expect(Number.isFinite(v)).toBe(true);
      expect(values.some((v) => v > 0)).toBe(true);
    }
    expect(md).toMatch(/\d+ cores/);
    expect(readdirSync(out).filter((f) => f.endsWith('.svg')).length).toBeGreaterThanOrEqual(5);
  }, 300_000);
});
