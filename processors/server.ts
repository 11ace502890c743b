import type { Server } from 'node:http';
import express from 'express';
import { mountOperationalRoutes } from '../common/http';
import type { Processor } from './processor';

/** The operational HTTP port: /healthz, /readyz (consumer group, Redis, Postgres), /metrics. */
export async function startOperationalServer(processor: Processor, port: number, host: string): Promise<Server> {
  const app = express();
  app.disable('x-powered-by');
  mountOperationalRoutes(app, processor.readiness, processor.metricsRegistry);
  const server = app.listen(port, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return server;
}

export function closeOperationalServer(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
}
