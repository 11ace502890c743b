// The processor's entry point: read the configuration once, join the consumer group, serve the
// operational routes, and stop gracefully on SIGTERM (finish the chunk, flush, commit, leave).
import { ConfigError, loadConfig } from '../common/config';
import { exitOnFatal, loadErrorReportingOptions, reportFatal, startErrorReporting } from '../common/error-reporting';
import { onShutdown } from '../common/lifecycle';
import { createLogger } from '../common/logger';
import { loadTracingOptions, startTracing } from '../common/tracing';
import { loadProcessorOptions } from './options';
import { createProcessor } from './processor';
import { closeOperationalServer, startOperationalServer } from './server';

async function main(): Promise<void> {
  const config = loadConfig();
  const options = loadProcessorOptions();
  const log = createLogger('processor', config.logLevel);
  // Both off unless configured (SENTRY_DSN, OTEL_ENABLED); neither can stop the tier from starting.
  await startErrorReporting('processor', loadErrorReportingOptions(), log);
  const tracing = startTracing('processor', loadTracingOptions(), log);
  const processor = createProcessor(config, options, log, (err) => void exitOnFatal(log, err, 'consumer stopped for good'));

  const server = await startOperationalServer(processor, options.port, config.http.host);

  onShutdown(log, [
    () => processor.stop(),
    () => closeOperationalServer(server),
    () => tracing.shutdown(), // last: the spans of the shutdown itself are exported too
  ]);
  await processor.start();
  log.info(
    { port: options.port, groupId: config.kafka.groupId, topicPrefix: config.kafka.topicPrefix, batch: config.processing },
    'processor started',
  );
}

main().catch(async (err: unknown) => {
  if (err instanceof ConfigError) process.stderr.write(`processor: ${err.message}\n`);
  else process.stderr.write(`processor failed to start: ${(err as Error).stack ?? String(err)}\n`);
  await reportFatal(err); // no-op unless Sentry is on
  process.exit(1);
});
