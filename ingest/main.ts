// Ingest's entry point: connect, serve the API and the operational port, stop gracefully on SIGTERM.
import { closeServer, serverUrl, startOperationalServer, startServer } from '../common/http-server';
import { processIndex, processMetricsPort, superviseProcesses } from '../common/processes';
import { runTier } from '../common/tier';
import { createIngestApp } from './app';
import { buildIngestDeps } from './deps';
import { loadIngestOptions } from './options';

// A process that dies is started again after this long (INGEST_PROCESSES above 1).
const RESTART_DELAY_MS = 2_000;

runTier('ingest', loadIngestOptions, async ({ config, options, log, stopOnSignal }) => {
  const role = superviseProcesses({
    tier: 'ingest',
    processes: options.processes,
    port: config.http.ingestPort,
    portVar: 'INGEST_PORT',
    restartDelayMs: RESTART_DELAY_MS,
    log,
    stopOnSignal,
  });
  if (role === 'supervisor') return;
  const index = processIndex('ingest');
  const deps = await buildIngestDeps(config, options, log);
  const server = await startServer(createIngestApp(deps).listener, config.http.ingestPort, config.http.host, { reusePort: index !== undefined });
  const operational = await startOperationalServer(deps.readiness, deps.metricsRegistry, processMetricsPort(options.metricsPort, index), config.http.host);
  log.info(
    { url: serverUrl(server), process: index, metricsUrl: serverUrl(operational), authMode: config.auth.mode, topicPrefix: config.kafka.topicPrefix, rateLimit: options.rateLimit },
    'ingest listening',
  );
  stopOnSignal([
    () => closeServer(server, 10_000), // no new connections; requests in flight finish (each awaits its Kafka ack)
    () => closeServer(operational, 1_000), // scrapes see the drain until here
    () => deps.close(), // then the producer (flushed by now), the Kafka admin, Redis and Postgres
  ]);
});
