// `npm run dead-letters -- list | redrive <offset>...`: the operator's view of quiz.dead-letter.
// See the README's runbook (handling the dead-letter topic).
import { EventCodec } from '../../common/codec';
import { loadConfig } from '../../common/config';
import { ConfigError } from '../../common/errors';
import { createKafka } from '../../common/kafka';
import { createLogger } from '../../common/logger';
import { parseCommandLine } from '../command-line';
import { helpText, parseDeadLetterArgs } from './args';
import { readDeadLetters, redrive } from './dead-letter-topic';

async function main(argv: string[]): Promise<number> {
  const command = parseCommandLine('dead-letters', argv, parseDeadLetterArgs, helpText);
  if (typeof command === 'number') return command;
  const config = loadConfig();
  // Errors only, unless LOG_LEVEL asks for more: stdout is the listing, one JSON line per dead
  // letter, for jq and friends, and client chatter would mix into it.
  const log = createLogger('dead-letters', config.logLevel === 'info' ? 'error' : config.logLevel);
  const kafka = createKafka(config.kafka, log, '-dead-letters');
  const codec = new EventCodec(config.registry.url, config.kafka.topicPrefix);
  const entries = await readDeadLetters(kafka, codec, log);
  if (command.kind === 'list') {
    for (const { value: _value, ...entry } of entries.slice(-command.limit)) process.stdout.write(`${JSON.stringify(entry)}\n`);
    process.stderr.write(`${entries.length} dead letter(s) in ${codec.topics.deadLetter}${entries.length > command.limit ? `, newest ${command.limit} shown` : ''}\n`);
    return 0;
  }
  const byOffset = new Map(entries.map((e) => [e.offset, e]));
  const missing = command.offsets.filter((o) => !byOffset.has(o));
  if (missing.length > 0) {
    process.stderr.write(`dead-letters: no dead letter at offset(s) ${missing.join(', ')} of ${codec.topics.deadLetter}\n`);
    return 1;
  }
  const chosen = command.offsets.map((o) => byOffset.get(o)!);
  await redrive(kafka, chosen, codec.topics.deadLetter);
  for (const e of chosen) process.stdout.write(`${JSON.stringify({ redriven: e.offset, to: e.topic, key: e.key })}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) process.stderr.write(`dead-letters: ${err.message}\n`);
    else process.stderr.write(`dead-letters failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
