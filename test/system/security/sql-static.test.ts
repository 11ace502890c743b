import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { SERVER_FOLDERS } from '../../../scripts/tiers';

// Every SQL and ClickHouse statement takes its values as parameters ($1, unnest arrays, JSON rows
// for inserts). This test reads the source of every tier with the TypeScript parser and fails on
// any string built with `${...}` or `+` that looks like SQL, unless the interpolated expression
// is on the allowlist below with the reason it cannot carry user input.

const ROOT = join(__dirname, '..', '..', '..');
const DIRS = [...SERVER_FOLDERS, 'infra', 'web/src', 'scripts'];

const SQL = /\b(select|insert\s+into|update\s+\w+\s+set|delete\s+from|create\s+(table|database|index|view|materialized)|alter\s+table|drop\s+(table|database)|where|values|order\s+by|group\s+by|truncate)\b/i;

/** file -> [the interpolated expression, exactly, or a pattern; why it cannot carry user input]. */
const ALLOWED: Record<string, Array<[string | RegExp, string]>> = {
  'ingest/quiz-store.ts': [
    ["lock ? ' FOR UPDATE' : ''", 'one of two constant strings'],
    ['QUESTION_COLUMNS', 'a constant column list'],
    ['QUIZ_COLUMNS', 'a constant column list'],
  ],
  'ingest/join-recorder.ts': [["values.join(', ')", 'numbered placeholders ($1, $2, ...) built from the row count; the values travel as parameters']],
  'processors/pg-batch.ts': [
    [/^TS\('[a-z_]+'\)$/, 'TS() of a constant column name (its body is plain arithmetic on the column)'],
    ['GROW_TOTALS', 'a constant SQL fragment without interpolations of its own'],
  ],
  'sink/clickhouse-writer.ts': [['table', 'a retry/log label naming one of our table constants; the insert itself sends JSON rows']],
  'infra/migrate.ts': [
    ["name.replace(/\"/g, '\"\"')", 'the database name from DATABASE_URL (operator config), as a quoted identifier'],
    ['db', 'CLICKHOUSE_DATABASE, validated by common/config.ts to [a-zA-Z_][a-zA-Z0-9_]*'],
  ],
  'infra/analytics/reports.ts': [
    ['stringLiteral(filter.quizId)', 'ClickHouse 18.16 has no query parameters: the quiz id is escaped by sql-literal.ts (tested there)'],
    ['quizWhere(f)', 'quizWhere builds its SQL from stringLiteral() only'],
    [/^percentile\('[a-z_]+', [0-9.]+\)$/, 'a constant column name and a constant fraction'],
    [/^utcText\('[a-z_()]+'\)$/, 'a constant column expression'],
    [/^per(Quiz|Player)\(f, '\s*'\)$/, 'SQL builders scanned by this same test; f reaches their SQL only through quizWhere'],
  ],
};

const allowedBy = (f: { file: string; expr: string }) =>
  (ALLOWED[f.file] ?? []).find(([rule]) => (typeof rule === 'string' ? rule === f.expr : rule.test(f.expr)));

function sourceFiles(dir: string): string[] {
  let out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  for (const name of entries) {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') continue;
    if (statSync(path).isDirectory()) out = out.concat(sourceFiles(path));
    else if (/\.ts$/.test(name) && !/\.d\.ts$/.test(name)) out.push(path);
  }
  return out;
}

interface Finding {
  file: string;
  line: number;
  expr: string;
  sql: string;
}

function findings(file: string): Finding[] {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const rel = relative(ROOT, file);
  const out: Finding[] = [];
  const where = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const visit = (node: ts.Node) => {
    if (ts.isTemplateExpression(node)) {
      const literal = [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(' ');
      if (SQL.test(literal)) {
        for (const span of node.templateSpans) out.push({ file: rel, line: where(span), expr: span.expression.getText(sf), sql: literal.slice(0, 80) });
      }
    } else if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
      // 'SELECT ... ' + value: a string literal that looks like SQL glued to something that is not one.
      const sides = [node.left, node.right];
      const sqlSide = sides.find((s) => ts.isStringLiteralLike(s) && SQL.test(s.text));
      const other = sides.find((s) => s !== sqlSide);
      if (sqlSide && other && !ts.isStringLiteralLike(other)) out.push({ file: rel, line: where(other), expr: other.getText(sf), sql: (sqlSide as ts.StringLiteralLike).text.slice(0, 80) });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

const all = DIRS.flatMap((d) => sourceFiles(join(ROOT, d))).flatMap(findings);

it('reads a meaningful amount of source (the scan is not vacuous)', () => {
  const files = DIRS.flatMap((d) => sourceFiles(join(ROOT, d)));
  expect(files.length).toBeGreaterThan(50);
  // The known safe interpolations are found, so the detector does see SQL templates.
  expect(all.some((f) => f.file === 'processors/pg-batch.ts')).toBe(true);
});

it('builds no SQL from non-constant input (every interpolation is allowlisted with a reason)', () => {
  const unexplained = all.filter((f) => allowedBy(f) === undefined).map((f) => `${f.file}:${f.line} \${${f.expr}} in "${f.sql}"`);
  expect(unexplained).toEqual([]);
});

it('has no stale allowlist entries', () => {
  const used = new Set(all.map((f) => allowedBy(f)).filter((r) => r !== undefined));
  const stale = Object.entries(ALLOWED).flatMap(([file, rules]) => rules.filter((r) => !used.has(r)).map(([rule]) => `${file}: ${String(rule)}`));
  expect(stale).toEqual([]);
});

it('flags a query built from input (the detector works)', () => {
  const sample = 'const q = `SELECT * FROM players WHERE player_id = \'${playerId}\'`; const r = "DELETE FROM quizzes WHERE id = " + id;';
  const sf = ts.createSourceFile('sample.ts', sample, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isTemplateExpression(node)) found.push(...node.templateSpans.map((s) => s.expression.getText(sf)));
    if (ts.isBinaryExpression(node) && ts.isStringLiteralLike(node.left) && SQL.test(node.left.text)) found.push(node.right.getText(sf));
    ts.forEachChild(node, visit);
  };
  visit(sf);
  expect(found).toEqual(['playerId', 'id']);
});
