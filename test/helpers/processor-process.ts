import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { TIERS, tsxNodeArgs } from '../../scripts/tiers';
import { onCleanup } from './cleanup';

// The processor as a real child process (`node --import tsx processors/main.ts`, what `npm run
// processor` runs, on the Node running the tests rather than the first `node` on PATH), so tests can
// SIGKILL it. One process, not tsx's CLI with node under it: the CLI relays a SIGTERM and SIGKILLs
// its child if the child has not acknowledged the signal within 30 ms, which a busy processor
// misses, so its graceful stop became a kill (exit 143) at random.

const ROOT = join(__dirname, '..', '..');

export interface ChildProcessor {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** The last lines it wrote (stdout and stderr), for failure messages. */
  tail(): string;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

export function spawnProcessor(name: string, env: Record<string, string>): ChildProcessor {
  const child = spawn(process.execPath, tsxNodeArgs(TIERS.processor.entry), {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', PROCESSOR_PORT: '0', KAFKAJS_NO_PARTITIONER_WARNING: '1', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(line.slice(0, 500));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let running = true;
  void exited.then(() => {
    running = false;
  });
  const kill = async (signal: NodeJS.Signals) => {
    if (running && child.pid !== undefined) process.kill(signal === 'SIGKILL' ? -child.pid : child.pid, signal);
    return exited;
  };
  onCleanup(() => (running ? kill('SIGKILL') : undefined));
  return { name, child, exited, tail: () => lines.join('\n'), kill };
}
