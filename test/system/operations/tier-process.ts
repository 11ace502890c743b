import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { tsxNodeArgs } from '../../../scripts/tiers';
import { onCleanup } from '../../helpers/cleanup';

// A tier as a real child process (`node --import tsx <entry>`), the way it runs in production, on a free
// port. Its own process group, so SIGKILL at cleanup reaches node under npx and tsx too.

const ROOT = join(__dirname, '..', '..', '..');

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface TierProcess {
  url: string;
  /** Where /metrics is: the operational port of ingest and push, the only port of the others. */
  metricsUrl: string;
  /** The last lines it wrote, for failure messages. */
  tail(): string;
}

/**
 * Starts `entry` with `env` and resolves once GET /healthz answers 200 on `port`. `metricsPort` is
 * the operational port of a tier that has one apart from its public port (set in `env` too).
 */
export async function startTier(entry: string, port: number, env: Record<string, string>, metricsPort = port, timeoutMs = 60_000): Promise<TierProcess> {
  const child = spawn(process.execPath, tsxNodeArgs(entry), {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', KAFKAJS_NO_PARTITIONER_WARNING: '1', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(line.slice(0, 500));
    if (lines.length > 100) lines.splice(0, lines.length - 100);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let running = true;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running = false;
      resolve();
    }),
  );
  onCleanup(async () => {
    if (!running || child.pid === undefined) return;
    process.kill(-child.pid, 'SIGTERM');
    const killer = setTimeout(() => running && child.pid !== undefined && process.kill(-child.pid, 'SIGKILL'), 15_000);
    await exited;
    clearTimeout(killer);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!running) throw new Error(`${entry} exited before it served /healthz:\n${lines.join('\n')}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) });
      if (res.status === 200) break;
    } catch (err) {
      // Not listening yet (tsx compiles first); the deadline below ends the wait.
      if (Date.now() > deadline) throw new Error(`${entry} did not serve /healthz within ${timeoutMs} ms (${(err as Error).message}):\n${lines.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, metricsUrl: `http://127.0.0.1:${metricsPort}`, tail: () => lines.join('\n') };
}

/** The sample lines of `name` (its own series, not the _bucket/_sum/_count of another) in a /metrics text. */
export function samples(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

export async function scrape(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) });
  if (res.status !== 200) throw new Error(`${url}/metrics answered ${res.status}`);
  return res.text();
}
