import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { TIERS, tsxNodeArgs, type TierName } from '../../../scripts/tiers';
import { ROOT } from './config';

// The tiers as real child processes (this Node with tsx's loader, `node --import tsx <entry>`: one
// process per tier, where `npx tsx` started three, npm's and tsx's CLI before the tier, and a
// restarted processor took that much longer to take its partitions over), each in its own process
// group so a SIGKILL reaches everything it started. Output goes to a log file per process and is also kept
// in memory whole, so the security scan can read every line a tier wrote.

const live = new Set<TierProcess>();

/**
 * SIGKILLs every tier still running, synchronously (usable in an 'exit' handler): a drill that
 * dies on an unexpected error must not leave its tiers behind, they run in groups of their own.
 */
export function killAllTiers(): void {
  for (const t of live) {
    const pid = t.pid;
    if (pid === undefined) continue;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch (err) {
      // ESRCH: that group is gone already; anything else is worth a line on the way out.
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') process.stderr.write(`drill: cannot kill ${t.name}: ${(err as Error).message}\n`);
    }
  }
}

export class TierProcess {
  private child: ChildProcess | undefined;
  private exitedPromise: Promise<number | null> = Promise.resolve(null);
  private running = false;
  private readonly output: string[] = [];
  private log: WriteStream | undefined;
  starts = 0;

  constructor(
    readonly name: string,
    readonly kind: TierName,
    private readonly env: Record<string, string>,
    private readonly logDir: string,
  ) {}

  get isRunning(): boolean {
    return this.running;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Everything the process wrote over all its runs. */
  lines(): string[] {
    return this.output.join('').split('\n').filter((l) => l.trim() !== '');
  }

  tail(n = 30): string {
    return this.lines().slice(-n).join('\n');
  }

  start(): void {
    if (this.running) return;
    mkdirSync(this.logDir, { recursive: true });
    this.log ??= createWriteStream(join(this.logDir, `${this.name}.log`), { flags: 'a' });
    const child = spawn(process.execPath, tsxNodeArgs(TIERS[this.kind].entry), {
      cwd: ROOT,
      env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1', ...this.env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      const text = chunk.toString();
      this.output.push(text);
      this.log?.write(text);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.child = child;
    this.running = true;
    live.add(this);
    this.starts++;
    // 'close', not 'exit': output can still arrive after the exit, until the pipes close, and the
    // log must not be ended while it does.
    this.exitedPromise = new Promise((resolve) =>
      child.once('close', (code) => {
        this.running = false;
        live.delete(this);
        resolve(code);
      }),
    );
  }

  /** Signals the whole process group and waits for the exit. */
  async kill(signal: NodeJS.Signals): Promise<number | null> {
    const pid = this.child?.pid;
    if (this.running && pid !== undefined) {
      try {
        process.kill(-pid, signal);
      } catch (err) {
        // ESRCH: the group is already gone (it exited on its own between the check and the kill).
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
    }
    return this.exitedPromise;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    const exited = this.kill('SIGTERM');
    const timer = setTimeout(() => void this.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  close(): void {
    const log = this.log;
    this.log = undefined; // a straggling chunk (a process that was never waited for) stays in memory only
    log?.end();
  }
}

/** Polls an HTTP URL until it answers 200 (a tier's /readyz). */
export async function waitReady(url: string, timeoutMs: number, proc?: TierProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch (err) {
      // Not listening yet (ECONNREFUSED) or slow: keep polling until the deadline.
      if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms: ${(err as Error).message}\n${proc?.tail() ?? ''}`);
    }
    if (proc && !proc.isRunning) throw new Error(`${proc.name} exited while starting:\n${proc.tail()}`);
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms\n${proc?.tail() ?? ''}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
