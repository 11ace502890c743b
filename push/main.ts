// Push's entry point: connect, serve the streams, reads and pages and the operational port, and
// stop gracefully on SIGTERM.
import { ConfigError } from '../common/errors';
import { closeServer, serverUrl, startOperationalServer, startServer } from '../common/http-server';
import { runTier } from '../common/tier';
import { createPushApp } from './app';
import { buildPushDeps } from './deps';
import { loadPushOptions } from './options';
import { ProcessSupervisor, processIndex, stopWhenOrphaned } from './processes';

runTier('push', loadPushOptions, async ({ config, options, log, stopOnSignal }) => {
  const index = processIndex();
  if (options.processes > 1 && index === undefined) {
    // The supervisor serves nothing itself: it starts the processes and stops them on SIGTERM.
    if (config.http.pushPort === 0) throw new ConfigError(['PUSH_PORT: must be a fixed port when PUSH_PROCESSES is above 1']);
    const supervisor = new ProcessSupervisor(options.processes, options.consumer.restartDelayMs, log);
    supervisor.start();
    log.info({ processes: options.processes, port: config.http.pushPort, pids: supervisor.pids() }, 'push: processes started');
    stopOnSignal([() => supervisor.stop()]);
    return;
  }
  if (index !== undefined) stopWhenOrphaned();
  const deps = buildPushDeps(config, options, log);
  const app = createPushApp(deps).listener;
  deps.start();
  const server = await startServer(app, config.http.pushPort, config.http.host, { reusePort: index !== undefined });
  const metricsPort = index !== undefined && options.metricsPort !== 0 ? options.metricsPort + index : options.metricsPort;
  const operational = await startOperationalServer(deps.readiness, deps.metricsRegistry, metricsPort, config.http.host);
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
