// The processor's entry point: join the consumer group, serve the operational routes, and stop
// gracefully on SIGTERM (finish the chunk, flush, commit, leave).
import { closeServer, startOperationalServer } from '../common/http-server';
import { runTier } from '../common/tier';
import { createProcessorApp } from './app';
import { buildProcessorDeps } from './deps';
import { loadProcessorOptions } from './options';

runTier('processor', loadProcessorOptions, async ({ config, options, log, stopOnSignal, exitOnFatal }) => {
  const processor = createProcessorApp(buildProcessorDeps(config, options, log), (err) => exitOnFatal(err, 'consumer stopped for good'));
  const server = await startOperationalServer(processor.readiness, processor.metricsRegistry, options.port, config.http.host);
  stopOnSignal([() => processor.stop(), () => closeServer(server, 1_000)]);
  await processor.start();
  const { groupId, batchMaxMessages, batchMaxWaitMs, snapshotThrottleMs, snapshotTopN } = options;
  log.info(
    { port: options.port, groupId, topicPrefix: config.kafka.topicPrefix, batch: { batchMaxMessages, batchMaxWaitMs, snapshotThrottleMs, snapshotTopN } },
    'processor started',
  );
});
