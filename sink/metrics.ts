import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type SinkMetrics = ReturnType<typeof createSinkMetrics>;

/** The sink's Prometheus metrics; topics are labelled by role (events/results/snapshots), not by name. */
export function createSinkMetrics(registry: Registry) {
  const registers = [registry];
  return {
    messages: new Counter({
      name: 'quizstream_sink_messages_total',
      help: 'Kafka messages handled, by topic role and outcome (row, ignored, undecodable)',
      labelNames: ['topic', 'outcome'] as const,
      registers,
    }),
    rowsInserted: new Counter({
      name: 'quizstream_sink_rows_inserted_total',
      help: 'Rows inserted into ClickHouse, by table',
      labelNames: ['table'] as const,
      registers,
    }),
    batches: new Counter({
      name: 'quizstream_sink_insert_batches_total',
      help: 'Successful batch inserts, by table',
      labelNames: ['table'] as const,
      registers,
    }),
    insertSeconds: new Histogram({
      name: 'quizstream_sink_insert_duration_seconds',
      help: 'Duration of a successful batch insert, by table',
      labelNames: ['table'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    insertFailures: new Counter({
      name: 'quizstream_sink_insert_failures_total',
      help: 'Failed insert attempts (each is retried), by table',
      labelNames: ['table'] as const,
      registers,
    }),
    commitFailures: new Counter({
      name: 'quizstream_sink_commit_failures_total',
      help: 'Offset commits that failed after the insert (the rows replay and deduplicate)',
      registers,
    }),
    bufferedRows: new Gauge({
      name: 'quizstream_sink_buffered_rows',
      help: 'Rows decoded and waiting for their insert',
      registers,
    }),
    lag: new Gauge({
      name: 'quizstream_sink_consumer_lag',
      help: 'Messages behind the partition high watermark after the last batch, by topic role and partition',
      labelNames: ['topic', 'partition'] as const,
      registers,
    }),
  };
}
