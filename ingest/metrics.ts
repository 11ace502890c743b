import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export class IngestMetrics {
  readonly produceDuration: Histogram<'result'>;
  readonly pendingSends: Gauge;
  readonly produceRejected: Counter;
  readonly answers: Counter<'result'>;

  constructor(registry: Registry) {
    this.produceDuration = new Histogram({
      name: 'ingest_kafka_produce_duration_seconds',
      help: 'Time from a write to its Kafka acknowledgement (acks=all), by outcome (ok, error, timeout: dropped before it was sent)',
      labelNames: ['result'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers: [registry],
    });
    this.pendingSends = new Gauge({
      name: 'ingest_kafka_pending_sends',
      help: 'Writes queued or in flight to Kafka',
      registers: [registry],
    });
    this.produceRejected = new Counter({
      name: 'ingest_kafka_writes_shed_total',
      help: 'Writes refused at once because too many were already waiting for Kafka',
      registers: [registry],
    });
    this.answers = new Counter({
      name: 'ingest_answers_total',
      help: 'Answer submissions that reached the duplicate check, by outcome (accepted, retry, duplicate)',
      labelNames: ['result'],
      registers: [registry],
    });
  }
}
