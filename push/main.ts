// Push's entry point: connect, serve the streams, reads and pages and the operational port, and
// stop gracefully on SIGTERM.
import { closeServer, serverUrl, startOperationalServer, startServer } from '../common/http-server';
import { runTier } from '../common/tier';
import { createPushApp } from './app';
import { buildPushDeps } from './deps';
import { loadPushOptions } from './options';

runTier('push', loadPushOptions, async ({ config, options, log, stopOnSignal }) => {
  const deps = buildPushDeps(config, options, log);
  const app = createPushApp(deps);
  deps.start();
  const server = await startServer(app, config.http.pushPort, config.http.host);
  const operational = await startOperationalServer(deps.readiness, deps.metricsRegistry, options.metricsPort, config.http.host);
  log.info(
    { url: serverUrl(server), metricsUrl: serverUrl(operational), topicPrefix: config.kafka.topicPrefix, groupId: deps.feed.options.groupId, maxConnections: options.maxConnections },
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
