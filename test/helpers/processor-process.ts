import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { onCleanup } from './cleanup';

// The processor as a real child process (`npx tsx processors/main.ts`), so tests can SIGKILL it.
// It runs in its own process group: npx and tsx start node underneath, and a signal must reach the
// whole group, not only the npx at the top.

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
  const child = spawn('npx', ['--no-install', 'tsx', 'processors/main.ts'], {
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
    if (running && child.pid !== undefined) process.kill(-child.pid, signal);
    return exited;
  };
  onCleanup(() => (running ? kill('SIGKILL') : undefined));
  return { name, child, exited, tail: () => lines.join('\n'), kill };
}
