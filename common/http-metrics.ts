import type { Request, RequestHandler } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';

// Request rate and latency for every tier's HTTP server under one pair of series names
// (http_requests_total, http_request_duration_seconds), so one dashboard panel and one alert rule
// cover every tier (the `service` default label tells them apart).

/** The route pattern, never the raw path: ids in label values would grow the series without bound. */
export function routePattern(req: Request): string {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  return typeof pattern === 'string' ? `${req.baseUrl}${pattern}` : 'unmatched';
}

/**
 * Counts and times every request when its response closes. 'close' rather than 'finish': an SSE
 * stream never finishes normally (the viewer leaves or the server drops it), and it still counts.
 * For a stream the "latency" is how long it stayed open; dashboards filter stream routes out.
 */
/** Records one finished request under the shared series; for servers that route without express. */
export type HttpObserver = (method: string, route: string, status: number, startedNs: bigint) => void;

export function httpObserver(registry: Registry): HttpObserver {
  // A registry may serve several apps built in one process (tests); the series are shared, not re-registered.
  const requests =
    (registry.getSingleMetric('http_requests_total') as Counter<'method' | 'route' | 'status'> | undefined) ??
    new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    });
  const duration =
    (registry.getSingleMetric('http_request_duration_seconds') as Histogram<'method' | 'route' | 'status'> | undefined) ??
    new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route pattern and status (for SSE routes: how long the stream stayed open)',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
  return (method, route, status, startedNs) => {
    const labels = { method, route, status: String(status) };
    requests.inc(labels);
    duration.observe(labels, Number(process.hrtime.bigint() - startedNs) / 1e9);
  };
}

export function httpMetricsMiddleware(registry: Registry): RequestHandler {
  const observe = httpObserver(registry);
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('close', () => observe(req.method, routePattern(req), res.statusCode, started));
    next();
  };
}
