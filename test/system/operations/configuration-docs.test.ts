import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED_DEFAULTS } from '../../../common/config';
import { INGEST_DEFAULTS } from '../../../ingest/options';
import { PROCESSOR_DEFAULTS } from '../../../processors/options';
import { PUSH_DEFAULTS } from '../../../push/options';
import { SINK_DEFAULTS } from '../../../sink/options';

// Every setting is documented in a configuration table (README.md for the shared ones, each tier's
// README for its own) with the default its options.ts has: a default changed in one place and not
// the other, or a setting added without a row, fails here.

const ROOT = join(__dirname, '..', '..', '..');
const READMES = ['README.md', 'ingest/README.md', 'processors/README.md', 'sink/README.md', 'push/README.md', 'web/README.md'];
const DEFAULTS: Array<Record<string, unknown>> = [SHARED_DEFAULTS, INGEST_DEFAULTS, PROCESSOR_DEFAULTS, SINK_DEFAULTS, PUSH_DEFAULTS];

const VARIABLE = /^[A-Z][A-Z0-9_]+$/;

/** Settings by variable, with their default as a README writes it ('' for none). */
function codeDefaults(): Map<string, string> {
  const out = new Map<string, string>();
  for (const defaults of DEFAULTS) {
    for (const [name, value] of Object.entries(defaults)) {
      if (!VARIABLE.test(name)) continue; // fixed values (consumer timings) have camelCase keys and no variable
      expect({ name, once: out.has(name) }).toEqual({ name, once: false });
      out.set(name, value === undefined ? '' : String(value));
    }
  }
  return out;
}

interface DocumentedDefault {
  file: string;
  variable: string;
  value: string;
}

/**
 * The rows of the configuration tables: a first cell of backticked variables (several separated by
 * "," or "/"), a second cell with their defaults in the same order (or one for all). Backticks and
 * parenthesised remarks ("(empty)", "(768 MiB)", "(dev mode: …)") are not part of a value.
 */
function documentedDefaults(file: string, text: string): DocumentedDefault[] {
  const out: DocumentedDefault[] = [];
  for (const line of text.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 4 || cells[0] !== '') continue;
    const names = cells[1]!.split(/\s*[,/]\s*/).map((n) => /^`([^`]+)`$/.exec(n)?.[1]);
    if (names.length === 0 || names.some((n) => n === undefined || !VARIABLE.test(n))) continue;
    const cell = cells[2]!.replace(/\([^)]*\)/g, '').replace(/`/g, '').trim();
    const values = cell === '' ? [''] : cell.split(/\s+\/\s+|,\s+/);
    names.forEach((variable, i) => out.push({ file, variable: variable!, value: values.length === 1 ? values[0]! : (values[i] ?? '(missing)') }));
  }
  return out;
}

const documented = READMES.flatMap((file) => documentedDefaults(file, readFileSync(join(ROOT, file), 'utf8')));

it('documents each setting with the default in its options.ts', () => {
  const defaults = codeDefaults();
  const wrong = documented
    .filter((d) => defaults.get(d.variable) !== d.value)
    .map((d) => `${d.file}: ${d.variable} documented as "${d.value}", ${defaults.has(d.variable) ? `defaults to "${defaults.get(d.variable)}"` : 'no such setting'}`);
  expect(wrong).toEqual([]);
});

it('has a row for every setting', () => {
  const rows = new Set(documented.map((d) => d.variable));
  expect([...codeDefaults().keys()].filter((name) => !rows.has(name))).toEqual([]);
});

it('reads the tables as written (the check works)', () => {
  const table = [
    '| variable | default | meaning |',
    '|---|---|---|',
    '| `A_MS` / `B_MS` | 20 / 1000 | two |',
    '| `C_BYTES` | 805306368 (768 MiB) | remark |',
    '| `DD`, `EE` | | none |',
    '| `FF` | (empty) | empty |',
    '| `GET /v1/x` | public | a route table |',
  ].join('\n');
  expect(documentedDefaults('x.md', table).map((d) => [d.variable, d.value])).toEqual([
    ['A_MS', '20'],
    ['B_MS', '1000'],
    ['C_BYTES', '805306368'],
    ['DD', ''],
    ['EE', ''],
    ['FF', ''],
  ]);
});
