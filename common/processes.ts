import { fork, type ChildProcess } from 'node:child_process';
import { ConfigError } from './errors';
import type { Closer } from './lifecycle';
import type { Logger } from './logger';

// Several processes of one tier behind one port (INGEST_PROCESSES, PUSH_PROCESSES): one Node
// process works on one core, and this is how a tier uses every core of its machine. A supervisor
// starts them and serves nothing itself; each listens with SO_REUSEPORT, so the kernel spreads new
// connections over them, and process i serves its own /metrics on the metrics port + i.

/** The variable a supervisor sets in each process it starts (0, 1, ...): INGEST_PROCESS_INDEX. */
export function processIndexVar(tier: string): string {
  return `${tier.toUpperCase()}_PROCESS_INDEX`;
}

/** This process's index among its supervisor's, or undefined when no supervisor started it. */
export function processIndex(tier: string, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env[processIndexVar(tier)];
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

/** Process i's operational port: base + i, or 0 (any free one) when base is 0. */
export function processMetricsPort(base: number, index: number | undefined): number {
  return index !== undefined && base !== 0 ? base + index : base;
}

export interface Supervision {
  tier: string;
  /** Processes to run; 1 runs the tier in this process, as without a supervisor. */
  processes: number;
  /** The public port they share; must be fixed (not 0) above one process. */
  port: number;
  portVar: string;
  restartDelayMs: number;
  log: Logger;
  stopOnSignal(closers: Closer[]): void;
}

/**
 * Called first in a tier's main. Returns 'supervisor' when this process started the tier's
 * processes and must serve nothing itself; 'serve' when it serves the port (alone, or as one of a
 * supervisor's processes, which then stops gracefully when its supervisor goes away).
 */
export function superviseProcesses(s: Supervision): 'supervisor' | 'serve' {
  const index = processIndex(s.tier);
  if (index !== undefined) {
    // Rather than serve on unsupervised: clients reconnect to whatever serves the port next.
    process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
    return 'serve';
  }
  if (s.processes <= 1) return 'serve';
  if (s.port === 0) throw new ConfigError([`${s.portVar}: must be a fixed port when ${s.tier.toUpperCase()}_PROCESSES is above 1`]);
  const supervisor = new ProcessSupervisor(s.tier, s.processes, s.restartDelayMs, s.log);
  supervisor.start();
  s.log.info({ processes: s.processes, port: s.port, pids: supervisor.pids() }, `${s.tier}: processes started`);
  s.stopOnSignal([() => supervisor.stop()]);
  return 'supervisor';
}

/**
 * Runs `count` copies of this process (same entry, arguments and Node flags), each with its index
 * in the environment. A child that dies is started again after `restartDelayMs`; stop() ends
 * them all gracefully, each draining as a lone instance would on SIGTERM.
 */
export class ProcessSupervisor {
  private readonly children = new Map<number, ChildProcess>();
  private stopping = false;
  private stopped: Promise<void> | undefined;

  constructor(
    private readonly tier: string,
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
      env: { ...process.env, [processIndexVar(this.tier)]: String(index) },
      execArgv: process.execArgv,
      detached: true,
      stdio: 'inherit',
    });
    this.children.set(index, child);
    child.once('exit', (code, signal) => {
      this.children.delete(index);
      if (this.stopping) return;
      this.log.error({ index, pid: child.pid, code, signal, restartInMs: this.restartDelayMs }, `${this.tier}: a process exited; starting it again`);
      setTimeout(() => {
        if (!this.stopping) this.spawn(index);
      }, this.restartDelayMs).unref();
    });
  }

  /** pids of the running children. */
  pids(): number[] {
    return [...this.children.values()].flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
  }

  /** Idempotent: a second call waits for the same exits (a second SIGTERM would cut a child's drain short). */
  stop(graceMs = 20_000): Promise<void> {
    this.stopped ??= this.stopAll(graceMs);
    return this.stopped;
  }

  private async stopAll(graceMs: number): Promise<void> {
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
