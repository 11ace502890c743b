// Push's entry point: connect, serve the streams, reads and pages and the operational port, and
// stop gracefully on SIGTERM.
import { closeServer, serverUrl, startOperationalServer, startServer } from '../common/http-server';
import { processIndex, processMetricsPort, superviseProcesses } from '../common/processes';
import { runTier } from '../common/tier';
import { createPushApp } from './app';
import { buildPushDeps } from './deps';
import { loadPushOptions } from './options';

runTier('push', loadPushOptions, async ({ config, options, log, stopOnSignal }) => {
  const role = superviseProcesses({
    tier: 'push',
    processes: options.processes,
    port: config.http.pushPort,
    portVar: 'PUSH_PORT',
    restartDelayMs: options.consumer.restartDelayMs,
    log,
    stopOnSignal,
  });
  if (role === 'supervisor') return;
  const index = processIndex('push');
  const deps = buildPushDeps(config, options, log);
  const app = createPushApp(deps).listener;
  deps.start();
  const server = await startServer(app, config.http.pushPort, config.http.host, { reusePort: index !== undefined });
  const operational = await startOperationalServer(deps.readiness, deps.metricsRegistry, processMetricsPort(options.metricsPort, index), config.http.host);
  log.info(
    { url: serverUrl(server), process: index, metricsUrl: serverUrl(operational), topicPrefix: config.kafka.topicPrefix, groupId: deps.feed.options.groupId, maxConnections: options.maxConnections },
    'push listening',
  );
  stopOnSignal([
    async () => {
      // Viewers first: each gets a retry hint and a clean end, so EventSource reconnects (through
      // the load balancer, to another instance) instead of seeing an error.
      const closed = deps.closeStreams();
      log.info({ closed }, 'push: streams closed');
    },
    () => closeServer(server, 5_000), // no new connections; short requests in flight finish
    () => closeServer(operational, 1_000),
    () => deps.close(), // then the Kafka consumer and Redis
  ]);
});
