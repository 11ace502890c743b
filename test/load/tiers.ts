import { startChild, type Child } from './children';
import { freePort, waitHttpOk } from './net';

// The quizstream tiers as child processes, each on a free port, started with `node --import tsx`
// behind `exec` so the pid we measure (memory, CPU) is the tier's node process itself.

export type TierName = 'ingest' | 'processor' | 'sink' | 'push';

const ENTRY: Record<TierName, string> = {
  ingest: 'ingest/main.ts',
  processor: 'processors/main.ts',
  sink: 'processors/clickhouse-sink/main.ts',
  push: 'push/main.ts',
};

export interface Tier {
  child: Child;
  port: number;
  url: string;
}

/** Port variable each tier listens on (operational routes for processor and sink). */
const PORT_VAR: Record<TierName, string> = {
  ingest: 'INGEST_PORT',
  processor: 'PROCESSOR_PORT',
  sink: 'SINK_PORT',
  push: 'PUSH_PORT',
};

export async function startTier(name: TierName, env: Record<string, string>, port?: number, readyTimeoutMs = 60_000): Promise<Tier> {
  const p = port ?? (await freePort());
  const child = startChild(name, `node --import tsx ${ENTRY[name]}`, { ...env, [PORT_VAR[name]]: String(p) });
  let alive = true;
  void child.exited.then(() => {
    alive = false;
  });
  const url = `http://127.0.0.1:${p}`;
  try {
    await waitHttpOk(`${url}/readyz`, readyTimeoutMs, () => alive);
  } catch (err) {
    const tail = child.tail();
    await child.stop('SIGKILL');
    throw new Error(`${name} did not start: ${(err as Error).message}\n${tail}`);
  }
  return { child, port: p, url };
}
