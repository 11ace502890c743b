// Ingest's entry point: read the configuration once, connect, serve, and stop gracefully on SIGTERM.
import { ConfigError, loadConfig } from '../common/config';
import { loadErrorReportingOptions, reportFatal, startErrorReporting } from '../common/error-reporting';
import { createOperationalApp } from '../common/http';
import { onShutdown } from '../common/lifecycle';
import { createLogger } from '../common/logger';
import { loadTracingOptions, startTracing } from '../common/tracing';
import { createIngestApp } from './app';
import { buildIngestDeps } from './deps';
import { loadIngestOptions } from './options';
import { closeServer, serverUrl, startServer } from '../common/http-server';

async function main(): Promise<void> {
  const config = loadConfig();
  const options = loadIngestOptions();
  const log = createLogger('ingest', config.logLevel);
  // Both off unless configured (SENTRY_DSN, OTEL_ENABLED); neither can stop the tier from starting.
  await startErrorReporting('ingest', loadErrorReportingOptions(), log);
  const tracing = startTracing('ingest', loadTracingOptions(), log);
  const deps = await buildIngestDeps(config, options, log);
  const app = createIngestApp(deps);
  const server = await startServer(app, config.http.ingestPort, config.http.host);
  const operational = await startServer(createOperationalApp(deps.readiness, deps.metricsRegistry), options.metricsPort, config.http.host);
  log.info(
    { url: serverUrl(server), metricsUrl: serverUrl(operational), authMode: config.auth.mode, topicPrefix: config.kafka.topicPrefix, rateLimit: options.rateLimit },
    'ingest listening',
  );
  onShutdown(log, [
    () => closeServer(server, 10_000), // no new connections; requests in flight finish (each awaits its Kafka ack)
    () => closeServer(operational, 1_000), // scrapes see the drain until here
    () => deps.close(), // then the producer (flushed by now), the Kafka admin, Redis and Postgres
    () => tracing.shutdown(), // last: the spans of the shutdown itself are exported too
  ]);
}

main().catch(async (err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`ingest: ${err.message}\n`);
  } else {
    process.stderr.write(`ingest failed to start: ${(err as Error).stack ?? String(err)}\n`);
  }
  await reportFatal(err); // no-op unless Sentry is on
  process.exit(1);
});
