import { UsageError } from '../../common/errors';
import { REPORTS, findReport, type Report } from './reports';

// Command line of `npm run analytics -- <report> [--quiz ID] [--format table|csv|json] [--sql]`.

export const FORMATS = ['table', 'csv', 'json'] as const;
export type Format = (typeof FORMATS)[number];

export type ParsedArgs =
  | { kind: 'help' }
  | { kind: 'run'; report: Report; quizId?: string; format: Format; sqlOnly: boolean };

export function helpText(): string {
  const width = Math.max(...REPORTS.map((r) => r.name.length));
  return [
    'usage: npm run analytics -- <report> [--quiz ID] [--format table|csv|json] [--sql]',
    '',
    'reports:',
    ...REPORTS.map((r) => `  ${r.name.padEnd(width)}  ${r.about}`),
    '',
    'options:',
    '  --quiz ID          only this quiz',
    '  --format FORMAT    table (aligned, the default), csv (RFC 4180, with a header) or json (an array of rows)',
    '  --sql              print the query instead of running it (paste it into clickhouse-client)',
    '  --help, -h         this text',
    '',
    'ClickHouse: CLICKHOUSE_URL (default http://127.0.0.1:8123), CLICKHOUSE_DATABASE (default quizstream)',
  ].join('\n');
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  if (argv.length === 0) throw new UsageError('name a report');
  let reportName: string | undefined;
  let quizId: string | undefined;
  let format: Format = 'table';
  let sqlOnly = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      i++;
      return next;
    };
    switch (flag) {
      case '--help':
      case '-h':
        return { kind: 'help' };
      case '--quiz': {
        const id = value();
        if (id === '') throw new UsageError('--quiz needs a non-empty quiz id');
        quizId = id;
        break;
      }
      case '--format': {
        const f = value();
        if (!(FORMATS as readonly string[]).includes(f)) throw new UsageError(`unknown format "${f}" (expected ${FORMATS.join(', ')})`);
        format = f as Format;
        break;
      }
      case '--sql':
        if (inline !== undefined) throw new UsageError('--sql takes no value');
        sqlOnly = true;
        break;
      default:
        if (flag.startsWith('-')) throw new UsageError(`unknown option "${flag}"`);
        if (reportName !== undefined) throw new UsageError(`one report at a time (got "${reportName}" and "${arg}")`);
        reportName = arg;
    }
  }
  if (reportName === undefined) throw new UsageError('name a report');
  const report = findReport(reportName);
  if (!report) throw new UsageError(`unknown report "${reportName}" (expected ${REPORTS.map((r) => r.name).join(', ')})`);
  return { kind: 'run', report, quizId, format, sqlOnly };
}
