import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVER_FOLDERS } from '../../../scripts/tiers';

// The Prometheus series our code declares, read from the source (every prom-client metric is
// created with a literal `name: '...'`), so a rule or panel on a renamed series fails a test.

const ROOT = join(__dirname, '..', '..', '..');


function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

export function declaredMetricNames(): Set<string> {
  const names = new Set<string>();
  for (const file of SERVER_FOLDERS.flatMap((f) => tsFiles(join(ROOT, f)))) {
    const text = readFileSync(file, 'utf8');
    if (!text.includes('prom-client')) continue;
    for (const m of text.matchAll(/name:\s*'([a-zA-Z_:][a-zA-Z0-9_:]*)'/g)) names.add(m[1]!);
  }
  return names;
}

// PromQL words that are not series: functions, aggregations, keywords, and Grafana's variables.
const PROMQL_WORDS = new Set([
  'sum', 'max', 'min', 'avg', 'count', 'rate', 'irate', 'increase', 'delta', 'histogram_quantile',
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool',
  'offset', 'topk', 'bottomk', 'abs', 'clamp_min', 'clamp_max', 'time', 'vector', 'scalar',
  'max_over_time', 'avg_over_time', 'absent', 'humanizePercentage',
]);

/** The series an expression reads: label matchers, ranges, grouping lists and strings removed first. */
export function seriesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"[^"]*"/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '')
    .replace(/\$__\w+/g, '');
  const words = stripped.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  return [...new Set(words.filter((w) => !PROMQL_WORDS.has(w) && !/^\d/.test(w)))];
}

/** The declared metric a series belongs to (a histogram's _bucket/_sum/_count are its own series). */
export function baseMetric(series: string): string {
  return series.replace(/_(bucket|sum|count)$/, '');
}
