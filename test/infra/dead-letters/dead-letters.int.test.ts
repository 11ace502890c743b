import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createDurableProducer, createKafka } from '../../../common/kafka';
import { readDeadLetters } from '../../../infra/dead-letters/dead-letter-topic';
import { onCleanup } from '../../helpers/cleanup';
import { uniqueId } from '../../helpers/ids';
import { testTopics } from '../../helpers/ingest-app';
import { processorTestConfig, startTestProcessor } from '../../helpers/processor-app';
import { testConfig, testLog } from '../../helpers/stack';

// The runbook's dead-letter commands against the real stack: a poison message is dead-lettered by
// a processor, `npm run dead-letters -- list` shows it, `redrive` sends it back to quiz.events
// with its key (where, still poison, the processor dead-letters it again).

// Each CLI run is a fresh `npx tsx` (tens of seconds on a busy 2-core machine): two runs only;
// the usage errors are unit-tested (dead-letter-args.test.ts).
jest.setTimeout(240_000);

const ROOT = join(__dirname, '..', '..', '..');

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('npx', ['--no-install', 'tsx', 'infra/dead-letters/main.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function deadLetterCount(expected: number, read: () => Promise<unknown[]>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await read()).length < expected) {
    if (Date.now() > deadline) throw new Error(`fewer than ${expected} dead letters after 60 s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

it('lists dead letters and redrives one to its source topic', async () => {
  const { prefix, codec } = await testTopics();
  const kafka = createKafka(testConfig.kafka, testLog, '-test-dead-letters');
  const read = () => readDeadLetters(kafka, codec, testLog);
  expect(await read()).toEqual([]);

  await startTestProcessor(processorTestConfig(prefix, uniqueId('proc-dlq')));
  const producer = createDurableProducer(kafka);
  await producer.connect();
  onCleanup(() => producer.disconnect());
  const key = uniqueId('poisoned-quiz');
  await producer.send({ topic: codec.topics.quizEvents, acks: -1, messages: [{ key, value: Buffer.from('not the wire format') }] });
  await deadLetterCount(1, read);

  const env = { TOPIC_PREFIX: prefix };
  const listed = await runCli(['list'], env);
  expect(listed.stderr).toContain(`1 dead letter(s) in ${codec.topics.deadLetter}`);
  expect(listed.code).toBe(0);
  const [first, ...others] = listed.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(others).toEqual([]);
  expect(first).toMatchObject({ offset: '0', topic: codec.topics.quizEvents, key, valueBytes: 19 });
  expect(String(first!.reason)).toMatch(/Confluent wire format/);

  const redriven = await runCli(['redrive', '0'], env);
  expect(redriven.code).toBe(0);
  expect(JSON.parse(redriven.stdout.trim())).toEqual({ redriven: '0', to: codec.topics.quizEvents, key });

  // Still poison: dead-lettered again, from a later offset of the same partition.
  await deadLetterCount(2, read);
  const [original, again] = await read();
  expect(again).toMatchObject({ topic: original!.topic, partition: original!.partition, key, valueBytes: 19 });
  expect(Number(again!.sourceOffset)).toBeGreaterThan(Number(original!.sourceOffset));

});
