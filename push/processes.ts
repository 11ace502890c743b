import { fork, type ChildProcess } from 'node:child_process';
import type { Logger } from '../common/logger';

/** Set by the supervisor in each push process it starts (0, 1, ...); absent in a lone push. */
export const PROCESS_INDEX_VAR = 'PUSH_PROCESS_INDEX';

/** This process's index among its supervisor's, or undefined when no supervisor started it. */
export function processIndex(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env[PROCESS_INDEX_VAR];
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

/**
 * A child whose supervisor went away (killed, crashed) stops too, gracefully, rather than serve on
 * unsupervised: its viewers reconnect to whatever serves the port next.
 */
export function stopWhenOrphaned(): void {
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}

/**
 * Runs `count` copies of this push process (same entry, same Node flags) behind one port: each
 * listens with SO_REUSEPORT, so the kernel spreads new connections over them, and each has its own
 * Kafka consumer group, so each sees every snapshot. A fan-out is one core's work per process;
 * this is how push uses every core of a machine. A child that dies is started again after
 * `restartDelayMs`; stop() ends them all gracefully (each tells its viewers to reconnect).
 */
export class ProcessSupervisor {
  private readonly children = new Map<number, ChildProcess>();
  private stopping = false;

  constructor(
    private readonly count: number,
    private readonly restartDelayMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    for (let i = 0; i < this.count; i++) this.spawn(i);
  }

  private spawn(index: number): void {
    // Own process group: a signal to the supervisor's group reaches the children once, through stop().
    const child = fork(process.argv[1]!, process.argv.slice(2), {
      env: { ...process.env, [PROCESS_INDEX_VAR]: String(index) },
      execArgv: process.execArgv,
      detached: true,
      stdio: 'inherit',
    });
    this.children.set(index, child);
    child.once('exit', (code, signal) => {
      this.children.delete(index);
      if (this.stopping) return;
      this.log.error({ index, pid: child.pid, code, signal, restartInMs: this.restartDelayMs }, 'push: a process exited; starting it again');
      setTimeout(() => {
        if (!this.stopping) this.spawn(index);
      }, this.restartDelayMs).unref();
    });
  }

  /** pids of the running children (the bench measures them). */
  pids(): number[] {
    return [...this.children.values()].flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
  }

  async stop(graceMs = 20_000): Promise<void> {
    this.stopping = true;
    const exits = [...this.children.values()].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    );
    await Promise.all(exits);
  }
}
