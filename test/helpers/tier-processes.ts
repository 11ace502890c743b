import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { TIERS, tsxNodeArgs } from '../../scripts/tiers';
import { onCleanup } from './cleanup';
import { freePort, freePorts } from './ports';
import { waitUntil } from './wait';

// A tier's real entry point (node --import tsx <tier>/main.ts) run as a supervisor with several
// processes behind one port (INGEST_PROCESSES, PUSH_PROCESSES), as a deployment would run it.

const REPO = join(__dirname, '..', '..');

export interface TierProcesses {
  child: ChildProcess;
  /** The supervisor's exit code, once it exits. */
  exited: Promise<number | null>;
  /** The shared public port. */
  port: number;
  /** Process i's operational port (/metrics, /readyz). */
  metricsUrls: string[];
}

/** Starts `count` processes of the tier and resolves once each is ready; stopped at cleanup if still running. */
export async function startTierProcesses(tier: 'ingest' | 'push', count: number, env: Record<string, string>): Promise<TierProcesses> {
  const { portVar, metricsPortVar } = TIERS[tier];
  const port = await freePort();
  const metricsPort = await freePorts(count); // process i serves metrics on metricsPort + i
  const child = spawn(process.execPath, tsxNodeArgs(TIERS[tier].entry), {
    cwd: REPO,
    env: {
      ...process.env,
      ...env,
      [portVar]: String(port),
      [metricsPortVar!]: String(metricsPort),
      [`${tier.toUpperCase()}_PROCESSES`]: String(count),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  onCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  });
  const metricsUrls = Array.from({ length: count }, (_, i) => `http://127.0.0.1:${metricsPort + i}`);
  const ready = async (url: string) => (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200;
  await waitUntil(`all ${count} ${tier} processes ready`, async () => (await Promise.all(metricsUrls.map(ready))).every(Boolean), 120_000);
  return { child, exited, port, metricsUrls };
}
