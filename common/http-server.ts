import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Registry } from 'prom-client';
import { createOperationalApp, type ReadinessCheck } from './http';

/**
 * Listens on host:port (port 0 picks a free one) and resolves once bound. reusePort: SO_REUSEPORT,
 * for several processes serving one port (the kernel spreads connections over them).
 */
export function startServer(app: Express, port: number, host: string, listen: { reusePort?: boolean } = {}): Promise<Server> {
  const server = createServer(app);
  // Slow-loris protection: a client gets this long to send its headers and body.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  // Longer than typical load-balancer idle timeouts, so the balancer closes idle connections first.
  server.keepAliveTimeout = 65_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, reusePort: listen.reusePort === true }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

export function serverUrl(server: Server): string {
  const { address, port, family } = server.address() as AddressInfo;
  const host = family === 'IPv6' ? `[${address}]` : address;
  return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
}

/**
 * The operational port: /healthz, /readyz and /metrics, apart from any public port (for the
 * processor and the sink the only port they serve).
 */
export function startOperationalServer(checks: Record<string, ReadinessCheck>, metrics: Registry, port: number, host: string): Promise<Server> {
  return startServer(createOperationalApp(checks, metrics), port, host);
}

/**
 * Stops accepting connections and waits for requests in flight (in ingest each waits for its
 * Kafka acknowledgement), closing idle keep-alive connections at once. Whatever is still running
 * after graceMs is cut off.
 */
export function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    server.close((err) => {
      clearTimeout(timer);
      if (err && (err as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING') reject(err);
      else resolve();
    });
    server.closeIdleConnections();
  });
}
