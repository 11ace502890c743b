import type { Request, RequestHandler } from 'express';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The route pattern, never the raw path: ids in label values would grow the series without bound. */
export function routeLabel(req: Request): string {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  return typeof pattern === 'string' ? `${req.baseUrl}${pattern}` : 'unmatched';
}

export class IngestMetrics {
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly requestDuration: Histogram<'method' | 'route' | 'status'>;
  readonly produceDuration: Histogram<'result'>;
  readonly pendingSends: Gauge;
  readonly produceRejected: Counter;
  readonly answers: Counter<'result'>;

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    });
    this.requestDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
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

  middleware(): RequestHandler {
    return (req, res, next) => {
      const started = process.hrtime.bigint();
      res.once('finish', () => {
        const labels = { method: req.method, route: routeLabel(req), status: String(res.statusCode) };
        this.requests.inc(labels);
        this.requestDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
      });
      next();
    };
  }
}
