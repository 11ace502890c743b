import { TIERS, type TierName } from '../../../scripts/tiers';
import { nodeCommand, startChild, type Child } from './children';
import { freePort, waitHttpOk, waitListeners } from './net';

// The quizstream tiers as child processes, each on a free port, started with `node --import tsx`
// behind `exec` so the pid we measure (memory, CPU) is the tier's node process itself.

export type { TierName };


export interface Tier {
  child: Child;
  port: number;
  url: string;
}

/** `cwd`: run the tier from another checkout of the project (a before/after comparison). */
export async function startTier(name: TierName, env: Record<string, string>, port?: number, readyTimeoutMs = 60_000, cwd?: string): Promise<Tier> {
  const p = port ?? (await freePort());
  const { entry, portVar, metricsPortVar } = TIERS[name];
  // The separate operational port of ingest and push: any free one, as several may run at once.
  const operational = metricsPortVar ? { [metricsPortVar]: '0' } : {};
  const child = startChild(name, nodeCommand(entry, { profile: true }), { ...operational, ...env, [portVar]: String(p) }, { cwd });
  let alive = true;
  void child.exited.then(() => {
    alive = false;
  });
  const url = `http://127.0.0.1:${p}`;
  // INGEST_PROCESSES / PUSH_PROCESSES (from the bench's own environment, which children inherit):
  // the first process to answer is not all of them, and a load started then would never reach the rest.
  const processes = Number({ ...process.env, ...env }[`${name.toUpperCase()}_PROCESSES`] ?? 1);
  try {
    await waitHttpOk(`${url}/readyz`, readyTimeoutMs, () => alive);
    if (processes > 1) await waitListeners(p, processes, readyTimeoutMs, () => alive);
  } catch (err) {
    const tail = child.tail();
    await child.stop('SIGKILL');
    throw new Error(`${name} did not start: ${(err as Error).message}\n${tail}`);
  }
  return { child, port: p, url };
}

export interface TierLease {
  tier: Tier;
  /** True when the tier is the smoke run's shared instance (not started for this caller). */
  shared: boolean;
  release(): Promise<void>;
}

/**
 * Hands tiers to the sections. A full run starts a fresh one per request, so each section measures
 * a process of its own. The smoke run shares one of each (started together, in parallel): starting
 * a tier takes seconds (tsx compile, Kafka group join), and the smoke run only proves the code works.
 */
export class TierPool {
  private readonly shared = new Map<TierName, Promise<Tier>>();

  constructor(
    readonly sharing: boolean,
    private readonly sharedEnv: Record<string, string>,
  ) {}

  async acquire(name: TierName, env: Record<string, string>, port?: number): Promise<TierLease> {
    if (!this.sharing) {
      const tier = await startTier(name, env, port);
      return { tier, shared: false, release: () => tier.child.stop() };
    }
    let p = this.shared.get(name);
    if (!p) {
      p = startTier(name, this.sharedEnv);
      this.shared.set(name, p);
    }
    return { tier: await p, shared: true, release: async () => undefined };
  }

  prestart(names: TierName[]): Promise<unknown> {
    return Promise.all(names.map((n) => this.acquire(n, this.sharedEnv)));
  }

  /** pids of the shared tiers, which outlive a section. */
  async keep(): Promise<Set<number>> {
    const tiers = await Promise.allSettled([...this.shared.values()]);
    return new Set(tiers.flatMap((t) => (t.status === 'fulfilled' ? [t.value.child.pid] : [])));
  }
}
