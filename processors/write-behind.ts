import type { QueryResult, QueryResultRow } from 'pg';

/** How the processor reads Postgres: catalog loads, a close's answers, a rebuild. */
export interface PgReader {
  query<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}

// A chunk's Postgres transaction and offset commit run while the next chunk is planned and applied
// to Redis: a backlog spent about half its wall time waiting on that transaction (README,
// 2026-12-04). The queued steps run one at a time in chunk order; one that fails (its partition
// was revoked while a dependency was down) skips every step after it, so no offset is committed
// past rows that were not written. Every Postgres read of the processor goes through `reader`,
// which first waits for the steps queued before it: a close or a Redis rebuild never reads rows
// older than the Redis state it works on, as when each chunk waited for its own transaction.
export class WriteBehind {
  readonly reader: PgReader;
  private tail: Promise<void> = Promise.resolve();
  /** When the step queued last, and the one before it, have run or been skipped. */
  private last: Promise<void> = Promise.resolve();
  private beforeLast: Promise<void> = Promise.resolve();
  private failure: { err: unknown } | undefined;

  constructor(pg: PgReader) {
    this.reader = {
      query: async <R extends QueryResultRow>(text: string, values?: unknown[]) => {
        await this.settled();
        return pg.query<R>(text, values);
      },
    };
  }

  /**
   * Queues a step after those queued before it. Returns when the step has run or been skipped
   * (never rejects: its failure is drain()'s to report).
   */
  queue(step: () => Promise<void>): Promise<void> {
    this.tail = this.tail.then(step);
    const done = this.tail.then(
      () => undefined,
      (err: unknown) => {
        this.failure ??= { err };
      },
    );
    this.beforeLast = this.last;
    this.last = done;
    return done;
  }

  /**
   * Resolves once at most one queued step is left: a caller that waits for this before it queues
   * the next step keeps one step running while it prepares another, and no more.
   */
  room(): Promise<void> {
    return this.beforeLast;
  }

  /** Whether a queued step failed; the steps after it were skipped. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** When every step queued so far has run or been skipped. */
  settled(): Promise<void> {
    return this.tail.then(
      () => undefined,
      () => undefined,
    );
  }

  /** Waits for every queued step, then throws the first failure; the queue starts afresh either way. */
  async drain(): Promise<void> {
    await this.settled();
    const failure = this.failure;
    this.failure = undefined;
    this.tail = this.last = this.beforeLast = Promise.resolve();
    if (failure) throw failure.err;
  }
}
