// Where each tier's process starts, for the harnesses that run tiers as child processes.
export type TierName = 'ingest' | 'processor' | 'sink' | 'push';

export const TIER_ENTRY: Record<TierName, string> = {
  ingest: 'ingest/main.ts',
  processor: 'processors/main.ts',
  sink: 'processors/clickhouse-sink/main.ts',
  push: 'push/main.ts',
};
