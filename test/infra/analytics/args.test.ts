import { UsageError } from '../../../common/errors';
import { helpText, parseArgs } from '../../../infra/analytics/args';
import { REPORTS } from '../../../infra/analytics/reports';

function usageError(argv: string[]): string {
  try {
    parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  throw new Error(`expected a usage error for ${JSON.stringify(argv)}`);
}

describe('analytics arguments', () => {
  it('reads a report with the defaults', () => {
    const p = parseArgs(['questions']);
    expect(p).toMatchObject({ kind: 'run', format: 'table', sqlOnly: false, quizId: undefined });
    expect(p.kind === 'run' && p.report.name).toBe('questions');
  });

  it('reads --quiz and --format in either spelling and order', () => {
    expect(parseArgs(['--format', 'csv', 'quizzes', '--quiz', 'demo-1'])).toMatchObject({ format: 'csv', quizId: 'demo-1' });
    expect(parseArgs(['throughput', '--quiz=q=1', '--format=json', '--sql'])).toMatchObject({ format: 'json', quizId: 'q=1', sqlOnly: true });
  });

  it('keeps a quiz id with quotes and spaces as it is', () => {
    expect(parseArgs(['funnel', '--quiz', "x' OR 1=1 --"])).toMatchObject({ quizId: "x' OR 1=1 --" });
  });

  it('answers --help anywhere', () => {
    expect(parseArgs(['questions', '--help'])).toEqual({ kind: 'help' });
    expect(parseArgs(['-h'])).toEqual({ kind: 'help' });
  });

  it('rejects bad input with a message that names the problem', () => {
    expect(usageError([])).toBe('name a report');
    expect(usageError(['bogus'])).toBe('unknown report "bogus" (expected questions, quizzes, funnel, throughput)');
    expect(usageError(['questions', '--format', 'xml'])).toBe('unknown format "xml" (expected table, csv, json)');
    expect(usageError(['questions', '--quiz'])).toBe('--quiz needs a value');
    expect(usageError(['questions', '--quiz', '--format', 'csv'])).toBe('--quiz needs a value');
    expect(usageError(['questions', '--quiz='])).toBe('--quiz needs a non-empty quiz id');
    expect(usageError(['questions', '--limit', '3'])).toBe('unknown option "--limit"');
    expect(usageError(['questions', 'quizzes'])).toBe('one report at a time (got "questions" and "quizzes")');
    expect(usageError(['--quiz', 'a'])).toBe('name a report');
    expect(usageError(['questions', '--sql=yes'])).toBe('--sql takes no value');
  });

  it('lists every report in --help', () => {
    const text = helpText();
    for (const r of REPORTS) expect(text).toContain(`  ${r.name}`);
    expect(text).toContain('--format');
  });
});
