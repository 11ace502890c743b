import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// Every process the bench starts (tiers, the bare server, load workers, nginx) goes through here,
// so one handler can stop them all on exit, on an error and on Ctrl-C. Each runs in its own
// process group and is signalled by its group id, so nothing the bench did not start is touched.

export const ROOT = join(__dirname, '..', '..', '..');

export interface Child {
  name: string;
  proc: ChildProcess;
  /** pid of the process that does the work (node or nginx itself: spawned through `exec`). */
  pid: number;
  exited: Promise<number | null>;
  tail(): string;
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

const running = new Set<Child>();

/** Opens as many files as the hard limit allows: many sockets per process is the point of the fan-out. */
export function ulimitPrefix(): string {
  return 'ulimit -n 200000 2>/dev/null || ulimit -n "$(ulimit -Hn)";';
}

/**
 * The command line that runs a TypeScript file on the Node running the bench, not on whichever
 * `node` comes first on PATH (the machine's own may be an older, unsupported one).
 */
export function nodeCommand(script: string, o: { profile?: boolean } = {}): string {
  const profile = o.profile && cpuProfileDir ? ` --cpu-prof --cpu-prof-dir='${cpuProfileDir.replace(/'/g, "'\\''")}'` : '';
  // BENCH_NODE_ARGS passes flags to every child (`--cpu-prof --cpu-prof-dir=DIR`), which NODE_OPTIONS refuses.
  const extra = process.env.BENCH_NODE_ARGS ? ` ${process.env.BENCH_NODE_ARGS}` : '';
  return `'${process.execPath.replace(/'/g, "'\\''")}'${profile}${extra} --import tsx ${script}`;
}

let cpuProfileDir: string | undefined;

/** `--cpu-prof=DIR`: the tiers started from now on write a V8 CPU profile there when they stop. */
export function profileTiersInto(dir: string): void {
  cpuProfileDir = dir;
}

/** options.cwd: another checkout to run (the fan-out's before/after comparison, ingest's --before); ROOT by default. */
export function startChild(name: string, command: string, env: Record<string, string> = {}, options: { ipc?: boolean; cwd?: string } = {}): Child {
  const proc = spawn('bash', ['-c', `${ulimitPrefix()} exec ${command}`], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', KAFKAJS_NO_PARTITIONER_WARNING: '1', ...env },
    detached: true,
    stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(line.slice(0, 400));
    if (lines.length > 100) lines.splice(0, lines.length - 100);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  let alive = true;
  const child: Child = {
    name,
    proc,
    pid: proc.pid ?? -1,
    exited,
    tail: () => lines.slice(-15).join('\n'),
    async stop(signal = 'SIGTERM', graceMs = 5_000) {
      if (!alive) return;
      signalGroup(child, signal);
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  void exited.then(() => {
    alive = false;
    running.delete(child);
  });
  running.add(child);
  return child;
}

function signalGroup(child: Child, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid, signal);
  } catch (err) {
    // ESRCH: the group is already gone, which is what we wanted.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

export async function stopAll(keep: Set<number> = new Set()): Promise<void> {
  await Promise.all([...running].filter((c) => !keep.has(c.pid)).map((c) => c.stop('SIGTERM', 3_000)));
}

/** Synchronous last resort for process exit, where no promise can run any more. */
export function killAllNow(): void {
  for (const c of running) signalGroup(c, 'SIGKILL');
}

let installed = false;
export function installExitHandlers(onInterrupt: () => Promise<void>): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAllNow);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      process.stdout.write(`\n[bench] ${sig}: stopping child processes\n`);
      void onInterrupt().finally(() => process.exit(130));
    });
  }
}

/** Resident memory (bytes) and CPU time used so far (ms) of one process, from /proc. */
export function procUsage(pid: number): { rssBytes: number; cpuMs: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 'NaN');
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may hold spaces, hence the split at the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
  return { rssBytes: rssKb * 1024, cpuMs: (ticks * 1000) / 100 }; // USER_HZ is 100 on Linux
}

/** pids of a process's own children; none once it is gone. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** pids of a process's children, grandchildren and so on (a tier's supervisor and its processes). */
export function descendants(pid: number): number[] {
  return childPids(pid).flatMap((k) => [k, ...descendants(k)]);
}

/** CPU time (ms) used so far by a process and every live descendant of it. */
export function treeCpuMs(pid: number): number {
  return [pid, ...descendants(pid)].reduce((sum, p) => {
    try {
      return sum + procUsage(p).cpuMs;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return sum; // exited between the two reads
      throw err;
    }
  }, 0);
}
