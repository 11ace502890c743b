import { createServer, type Server } from 'node:http';
import express from 'express';
import type { Registry } from 'prom-client';
import { mountOperationalRoutes, type ReadinessCheck } from '../../common/http';

/** The sink serves only /healthz, /readyz and /metrics. Resolves once listening. */
export function startOperationalServer(port: number, host: string, checks: Record<string, ReadinessCheck>, registry: Registry): Promise<Server> {
  const app = express();
  app.disable('x-powered-by');
  mountOperationalRoutes(app, checks, registry);
  const server = createServer(app);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

export function closeOperationalServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
}
