import { TABLES, type SinkRow, type Table } from './rows';

// Rows waiting for their insert, and how far each partition may be committed once they are in.
// A message that produced no row (skipped, undecodable) still moves its partition's offset: it is
// done as soon as the rows before it are.

export interface OffsetToCommit {
  topic: string;
  partition: number;
  /** The next offset to read, as Kafka commits it (the last handled offset + 1). */
  offset: string;
}

export interface DrainedBatch {
  rows: Record<Table, Array<SinkRow['row']>>;
  rowCount: number;
  commits: OffsetToCommit[];
}

function emptyRows(): Record<Table, Array<SinkRow['row']>> {
  return { answers: [], snapshots: [], quiz_events: [] };
}

export class PendingBatch {
  private rows = emptyRows();
  private offsets = new Map<string, OffsetToCommit>();
  private count = 0;
  private oldest: number | null = null;

  /** Records that `offset` of topic/partition is handled, with the row it produced if any. */
  add(topic: string, partition: number, offset: string, row: SinkRow | null, now = Date.now()): void {
    if (row) {
      this.rows[row.table].push(row.row);
      this.count++;
    }
    this.oldest ??= now;
    this.offsets.set(`${topic}\u0000${partition}`, { topic, partition, offset: (BigInt(offset) + 1n).toString() });
  }

  get rowCount(): number {
    return this.count;
  }

  get isEmpty(): boolean {
    return this.offsets.size === 0;
  }

  /** Milliseconds since the oldest message still waiting was added (0 when empty). */
  ageMs(now = Date.now()): number {
    return this.oldest === null ? 0 : now - this.oldest;
  }

  /** Takes everything waiting; the batch starts empty again. */
  drain(): DrainedBatch {
    const out: DrainedBatch = { rows: this.rows, rowCount: this.count, commits: [...this.offsets.values()] };
    this.rows = emptyRows();
    this.offsets = new Map();
    this.count = 0;
    this.oldest = null;
    return out;
  }
}

export function nonEmptyTables(batch: DrainedBatch): Table[] {
  return TABLES.filter((t) => batch.rows[t].length > 0);
}
