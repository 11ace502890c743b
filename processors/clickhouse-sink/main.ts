// The ClickHouse sink's entry point: a consumer group of its own that copies scored answers,
// snapshots and quiz lifecycle events into ClickHouse, so a ClickHouse outage delays analytics and
// never scoring. Reads the configuration once, serves /healthz /readyz /metrics on SINK_PORT.
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig } from '../../common/config';
import { exitOnFatal, loadErrorReportingOptions, reportFatal, startErrorReporting } from '../../common/error-reporting';
import { onShutdown } from '../../common/lifecycle';
import { createLogger } from '../../common/logger';
import { loadTracingOptions, startTracing } from '../../common/tracing';
import { buildSink } from './build';
import { closeOperationalServer, startOperationalServer } from './http';
import { loadSinkOptions } from './options';

async function main(): Promise<void> {
  const config = loadConfig();
  const options = loadSinkOptions();
  const log = createLogger('clickhouse-sink', config.logLevel);
  // Both off unless configured (SENTRY_DSN, OTEL_ENABLED); neither can stop the tier from starting.
  await startErrorReporting('clickhouse-sink', loadErrorReportingOptions(), log);
  const tracing = startTracing('clickhouse-sink', loadTracingOptions(), log);
  const built = buildSink(config, options, log, { onFatal: (err) => void exitOnFatal(log, err, 'consumer stopped for good') });
  const server = await startOperationalServer(options.port, config.http.host, built.checks, built.registry);
  await built.sink.start();
  log.info(
    { port: (server.address() as AddressInfo).port, groupId: options.groupId, topicPrefix: config.kafka.topicPrefix, clickhouse: config.clickhouse.url, batchMaxRows: options.batchMaxRows, batchMaxWaitMs: options.batchMaxWaitMs },
    'ClickHouse sink running',
  );
  onShutdown(
    log,
    [
      () => built.stop(), // stop reading, insert what is buffered, commit, leave the group
      () => closeOperationalServer(server),
      () => tracing.shutdown(), // last: the spans of the shutdown itself are exported too
    ],
    options.stopGraceMs + 5_000,
  );
}

main().catch(async (err: unknown) => {
  if (err instanceof ConfigError) process.stderr.write(`clickhouse-sink: ${err.message}\n`);
  else process.stderr.write(`clickhouse-sink failed to start: ${(err as Error).stack ?? String(err)}\n`);
  await reportFatal(err); // no-op unless Sentry is on
  process.exit(1);
});
