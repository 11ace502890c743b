// `npm run analytics -- <report> [--quiz ID] [--format table|csv|json] [--sql]`: the analyst's
// canned queries over the ClickHouse rollups. `--help` lists the reports.
import { createClickHouse } from '../../common/clickhouse';
import { loadConfig } from '../../common/config';
import { ConfigError } from '../../common/errors';
import { parseCommandLine } from '../command-line';
import { helpText, parseArgs } from './args';
import { formatRows } from './format';
import { runReport } from './run';

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine('analytics', argv, parseArgs, helpText);
  if (typeof parsed === 'number') return parsed;
  const filter = parsed.quizId === undefined ? {} : { quizId: parsed.quizId };
  if (parsed.sqlOnly) {
    process.stdout.write(`${parsed.report.sql(filter)};\n`);
    return 0;
  }
  const config = loadConfig();
  const ch = createClickHouse(config.clickhouse);
  try {
    const rows = await runReport(ch, parsed.report, filter);
    process.stdout.write(formatRows(parsed.report.columns, rows, parsed.format));
    return 0;
  } finally {
    await ch.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) process.stderr.write(`analytics: ${err.message}\n`);
    else process.stderr.write(`analytics: ${(err as Error).message ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
