import { UsageError } from '../../common/errors';

// Command line of `npm run dead-letters`: what the operator asked for, parsed before anything
// connects, so a typo is a usage message rather than a half-done redrive.

export type DeadLetterCommand =
  | { kind: 'help' }
  | { kind: 'list'; limit: number }
  | { kind: 'redrive'; offsets: string[] };

export function helpText(): string {
  return [
    'usage: npm run dead-letters -- <command>',
    '',
    '  list [--limit N]          print the newest N dead letters (default 100), one JSON line each:',
    '                            offset, failedAt, source topic/partition/offset, key, reason, size',
    '  redrive <offset>...       produce the original message of each dead letter (by its offset in',
    '                            quiz.dead-letter) again to its source topic, with its original key;',
    '                            fix the cause first, or it is dead-lettered again',
    '',
    'Reads TOPIC_PREFIX, KAFKA_BROKERS and SCHEMA_REGISTRY_URL like the tiers do.',
  ].join('\n');
}

export function parseDeadLetterArgs(argv: string[]): DeadLetterCommand {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') return { kind: 'help' };
  if (command === 'list') {
    let limit = 100;
    for (let i = 0; i < rest.length; i++) {
      const arg = rest[i]!;
      if (arg !== '--limit') throw new UsageError(`list: unknown argument ${arg}`);
      const value = rest[++i];
      if (value === undefined || !/^[1-9]\d*$/.test(value)) throw new UsageError('list: --limit takes a positive whole number');
      limit = Number(value);
    }
    return { kind: 'list', limit };
  }
  if (command === 'redrive') {
    if (rest.length === 0) throw new UsageError('redrive: give the offset(s) in quiz.dead-letter to redrive (see `list`)');
    for (const offset of rest) if (!/^\d+$/.test(offset)) throw new UsageError(`redrive: ${offset} is not an offset`);
    return { kind: 'redrive', offsets: [...new Set(rest)] };
  }
  throw new UsageError(`unknown command ${command}`);
}
