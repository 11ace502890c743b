// Push's entry point: read the configuration once, connect, serve, and stop gracefully on SIGTERM.
import { ConfigError, loadConfig } from '../common/config';
import { onShutdown } from '../common/lifecycle';
import { createLogger } from '../common/logger';
import { closeServer, serverUrl, startServer } from '../ingest/server';
import { createPushApp } from './app';
import { buildPushDeps } from './deps';
import { loadPushOptions } from './options';

async function main(): Promise<void> {
  const config = loadConfig();
  const options = loadPushOptions();
  const log = createLogger('push', config.logLevel);
  const deps = buildPushDeps(config, options, log);
  const app = createPushApp(deps);
  deps.start();
  const server = await startServer(app, config.http.pushPort, config.http.host);
  log.info(
    { url: serverUrl(server), topicPrefix: config.kafka.topicPrefix, groupId: deps.feed.options.groupId, maxConnections: options.maxConnections },
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
    () => deps.close(), // then the Kafka consumer and Redis
  ]);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`push: ${err.message}\n`);
  } else {
    process.stderr.write(`push failed to start: ${(err as Error).stack ?? String(err)}\n`);
  }
  process.exit(1);
});
