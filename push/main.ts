// Push's entry point: read the configuration once, connect, serve, and stop gracefully on SIGTERM.
import { ConfigError, loadConfig } from '../common/config';
import { loadErrorReportingOptions, reportFatal, startErrorReporting } from '../common/error-reporting';
import { createOperationalApp } from '../common/http';
import { onShutdown } from '../common/lifecycle';
import { createLogger } from '../common/logger';
import { loadTracingOptions, startTracing } from '../common/tracing';
import { closeServer, serverUrl, startServer } from '../common/http-server';
import { createPushApp } from './app';
import { buildPushDeps } from './deps';
import { loadPushOptions } from './options';

async function main(): Promise<void> {
  const config = loadConfig();
  const options = loadPushOptions();
  const log = createLogger('push', config.logLevel);
  // Both off unless configured (SENTRY_DSN, OTEL_ENABLED); neither can stop the tier from starting.
  await startErrorReporting('push', loadErrorReportingOptions(), log);
  const tracing = startTracing('push', loadTracingOptions(), log);
  const deps = buildPushDeps(config, options, log);
  const app = createPushApp(deps);
  deps.start();
  const server = await startServer(app, config.http.pushPort, config.http.host);
  const operational = await startServer(createOperationalApp(deps.readiness, deps.metricsRegistry), options.metricsPort, config.http.host);
  log.info(
    { url: serverUrl(server), metricsUrl: serverUrl(operational), topicPrefix: config.kafka.topicPrefix, groupId: deps.feed.options.groupId, maxConnections: options.maxConnections },
    'push listening',
  );
  onShutdown(log, [
    async () => {
      // Viewers first: each gets a retry hint and a clean end, so EventSource reconnects (through
      // the load balancer, to another instance) instead of seeing an error.
      const closed = deps.closeStreams();
      log.info({ closed }, 'push: streams closed');
    },
    () => closeServer(server, 5_000), // no new connections; short requests in flight finish
    () => closeServer(operational, 1_000),
    () => deps.close(), // then the Kafka consumer and Redis
    () => tracing.shutdown(), // last: the spans of the shutdown itself are exported too
  ]);
}

main().catch(async (err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`push: ${err.message}\n`);
  } else {
    process.stderr.write(`push failed to start: ${(err as Error).stack ?? String(err)}\n`);
  }
  await reportFatal(err); // no-op unless Sentry is on
  process.exit(1);
});
