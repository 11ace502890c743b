// The processor's entry point: read the configuration once, join the consumer group, serve the
// operational routes, and stop gracefully on SIGTERM (finish the chunk, flush, commit, leave).
import { ConfigError, loadConfig } from '../common/config';
import { onShutdown } from '../common/lifecycle';
import { createLogger } from '../common/logger';
import { loadProcessorOptions } from './options';
import { createProcessor } from './processor';
import { closeOperationalServer, startOperationalServer } from './server';

async function main(): Promise<void> {
  const config = loadConfig();
  const options = loadProcessorOptions();
  const log = createLogger('processor', config.logLevel);
  const processor = createProcessor(config, options, log, (err) => {
    log.fatal({ err }, 'consumer stopped for good: exiting so a fresh process takes over');
    process.exit(1);
  });

  const server = await startOperationalServer(processor, options.port, config.http.host);

  onShutdown(log, [
    () => processor.stop(),
    () => closeOperationalServer(server),
  ]);
  await processor.start();
  log.info(
    { port: options.port, groupId: config.kafka.groupId, topicPrefix: config.kafka.topicPrefix, batch: config.processing },
    'processor started',
  );
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) process.stderr.write(`processor: ${err.message}\n`);
  else process.stderr.write(`processor failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
