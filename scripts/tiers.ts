// The deployables, in one table that every launcher and check reads: `npm start` (run-all.ts), the
// bench and the fault drill (which run tiers as child processes), and the tests of the Dockerfile,
// docker-compose.yml and the Kubernetes manifests. A tier moved or added is one edit here.

export type TierName = 'ingest' | 'processor' | 'sink' | 'push';

export interface TierSpec {
  /** Its folder: main.ts → options.ts → deps.ts → app.ts, and what is its own. */
  folder: string;
  /** What a process runs (`node --import tsx <entry>`, see `tsxNodeArgs`), relative to the repository root. */
  entry: string;
  /** Its name in docker-compose.yml, infra/k8s (`quizstream-<service>`), Prometheus and its logs. */
  service: string;
  /** The variable its port is read from: the API's (ingest, push) or the operational one's. */
  portVar: string;
  /** ingest and push only: the variable of the separate operational port (/metrics, /healthz, /readyz). */
  metricsPortVar?: string;
}

export const TIERS: Record<TierName, TierSpec> = {
  ingest: { folder: 'ingest', entry: 'ingest/main.ts', service: 'ingest', portVar: 'INGEST_PORT', metricsPortVar: 'INGEST_METRICS_PORT' },
  processor: { folder: 'processors', entry: 'processors/main.ts', service: 'processor', portVar: 'PROCESSOR_PORT' },
  sink: { folder: 'sink', entry: 'sink/main.ts', service: 'clickhouse-sink', portVar: 'SINK_PORT' },
  push: { folder: 'push', entry: 'push/main.ts', service: 'push', portVar: 'PUSH_PORT', metricsPortVar: 'PUSH_METRICS_PORT' },
};

export const TIER_NAMES = Object.keys(TIERS) as TierName[];

/**
 * Node's arguments to run a TypeScript entry point: tsx's loader in the one process. Not tsx's CLI,
 * which runs node as its child, relays SIGTERM to it and SIGKILLs it unless the child acknowledges
 * the signal within 30 ms, so a busy tier's graceful stop became a kill.
 */
export function tsxNodeArgs(script: string): string[] {
  return ['--import', 'tsx', script];
}

/** The server code every image and scan must hold: what the tiers share, then each tier's folder. */
export const SERVER_FOLDERS = ['common', ...TIER_NAMES.map((t) => TIERS[t].folder)];
