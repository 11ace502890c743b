// Ports and readiness polling. Every wait is bounded: a tier that never becomes ready fails its
// section with its last log lines instead of hanging the bench.

import { execFileSync } from 'node:child_process';

// Ports for the tiers the bench starts: see test/helpers/ports.ts for why they are not listen(0)'s.
export { freePort } from '../../helpers/ports';

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Polls url until it answers 200, or throws after timeoutMs with what it last saw. */
export async function waitHttpOk(url: string, timeoutMs: number, isAlive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`process behind ${url} exited`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(200);
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms (${last})`);
}

/** Sockets listening on 127.0.0.1:port: one per process of a tier that shares it (SO_REUSEPORT). */
function listenersOn(port: number): number {
  const out = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.startsWith('LISTEN')).length;
}

/** Waits until `count` sockets listen on port (every process of a tier, not just the first up). */
export async function waitListeners(port: number, count: number, timeoutMs: number, isAlive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = listenersOn(port);
    if (seen >= count) return;
    if (!isAlive()) throw new Error(`process behind port ${port} exited`);
    if (Date.now() > deadline) throw new Error(`${seen} of ${count} processes listening on port ${port} after ${timeoutMs} ms`);
    await sleep(100);
  }
}
