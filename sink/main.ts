// The ClickHouse sink's entry point: a consumer group of its own that copies scored answers,
// snapshots and quiz lifecycle events into ClickHouse, so a ClickHouse outage delays analytics and
// never scoring. Serves /healthz /readyz /metrics on SINK_PORT.
import { closeServer, serverUrl, startOperationalServer } from '../common/http-server';
import { runTier } from '../common/tier';
import { createSinkApp } from './app';
import { buildSinkDeps } from './deps';
import { loadSinkOptions } from './options';

runTier('clickhouse-sink', loadSinkOptions, async ({ config, options, log, stopOnSignal, exitOnFatal }) => {
  const deps = buildSinkDeps(config, options, log);
  const app = createSinkApp(deps, (err) => exitOnFatal(err, 'consumer stopped for good'));
  const server = await startOperationalServer(app.readiness, deps.metricsRegistry, options.port, config.http.host);
  await app.sink.start();
  log.info(
    { url: serverUrl(server), groupId: options.groupId, topicPrefix: config.kafka.topicPrefix, clickhouse: config.clickhouse.url, batchMaxRows: options.batchMaxRows, batchMaxWaitMs: options.batchMaxWaitMs },
    'ClickHouse sink running',
  );
  stopOnSignal(
    [
      () => app.stop(), // stop reading, insert what is buffered, commit, leave the group
      () => closeServer(server, 1_000),
    ],
    options.stopGraceMs + 5_000,
  );
});
