import { UsageError } from '../common/errors';

/**
 * An operator tool's command line (`npm run analytics`, `npm run dead-letters`): what to do, or,
 * when there is nothing more to do, the exit code: 0 after printing the help, 2 after a usage
 * error (its message, then the help, on stderr).
 */
export function parseCommandLine<T extends { kind: string }>(
  tool: string,
  argv: string[],
  parse: (argv: string[]) => T,
  helpText: () => string,
): Exclude<T, { kind: 'help' }> | number {
  let parsed: T;
  try {
    parsed = parse(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${tool}: ${err.message}\n\n${helpText()}\n`);
    return 2;
  }
  if (parsed.kind === 'help') {
    process.stdout.write(`${helpText()}\n`);
    return 0;
  }
  return parsed as Exclude<T, { kind: 'help' }>;
}
