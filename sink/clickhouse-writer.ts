import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '../common/logger';
import { retryUntilDone, type BackoffOptions } from '../common/retry';
import type { SinkMetrics } from './metrics';
import { nonEmptyTables, type DrainedBatch } from './pending-batch';

export class ClickHouseWriter {
  constructor(
    private readonly ch: ClickHouseClient,
    private readonly log: Logger,
    private readonly metrics: SinkMetrics,
    private readonly backoff: BackoffOptions,
  ) {}

  /**
   * Inserts every table's rows, retrying each table until ClickHouse takes it. A table already in
   * is not sent again when a later one fails. Resolves only when all are in; rejects only on abort.
   */
  async insertAll(batch: DrainedBatch, signal?: AbortSignal): Promise<void> {
    for (const table of nonEmptyTables(batch)) {
      const values = batch.rows[table];
      let failingSince = 0;
      await retryUntilDone(
        `insert into ${table}`,
        async () => {
          const started = process.hrtime.bigint();
          await this.ch.insert({ table, values, format: 'JSONEachRow' });
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          this.metrics.insertSeconds.observe({ table }, seconds);
          this.metrics.batches.inc({ table });
          this.metrics.rowsInserted.inc({ table }, values.length);
          if (failingSince) {
            this.log.info({ table, rows: values.length, downMs: Date.now() - failingSince }, 'ClickHouse insert succeeded again');
          }
        },
        {
          ...this.backoff,
          signal,
          onFailure: (err, attempt, nextDelayMs) => {
            failingSince ||= Date.now();
            this.metrics.insertFailures.inc({ table });
            this.log.warn(
              { table, rows: values.length, attempt, nextDelayMs, downMs: Date.now() - failingSince, err: (err as Error).message },
              'ClickHouse insert failed: retrying (offsets stay uncommitted)',
            );
          },
        },
      );
    }
  }

  async ping(): Promise<void> {
    const r = await this.ch.ping();
    if (!r.success) throw r.error;
  }
}
