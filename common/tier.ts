import { loadConfig, type Config } from './config';
import { ConfigError } from './errors';
import { exitOnFatal, loadErrorReportingOptions, reportFatal, startErrorReporting } from './error-reporting';
import { onShutdown, type Closer } from './lifecycle';
import { createLogger, type Logger } from './logger';
import { loadTracingOptions, startTracing } from './tracing';

// What every tier's main.ts does around its own start: read the configuration once (a bad value
// stops start-up with a message naming it), log as the tier, report errors (Sentry, when
// SENTRY_DSN is set) and trace (when OTEL_ENABLED=true), and stop gracefully on SIGTERM with the
// tier's own closers, the tracer last so the spans of the shutdown itself are exported too.

export interface TierContext<O> {
  config: Config;
  options: O;
  log: Logger;
  /** Registers the closers SIGTERM runs, in order (drain, flush, commit, close). */
  stopOnSignal(closers: Closer[], graceMs?: number): void;
  /** For a failure the tier cannot recover from (a consumer kafkajs will not restart): report and exit 1. */
  exitOnFatal(err: unknown, what: string): void;
}

export function runTier<O>(service: string, loadOptions: () => O, start: (tier: TierContext<O>) => Promise<void>): void {
  const main = async (): Promise<void> => {
    const config = loadConfig();
    const options = loadOptions();
    const log = createLogger(service, config.logLevel);
    // Both off unless configured; neither can stop the tier from starting.
    await startErrorReporting(service, loadErrorReportingOptions(), log);
    const tracing = startTracing(service, loadTracingOptions(), log);
    await start({
      config,
      options,
      log,
      stopOnSignal: (closers, graceMs) => onShutdown(log, [...closers, () => tracing.shutdown()], graceMs),
      exitOnFatal: (err, what) => void exitOnFatal(log, err, what),
    });
  };
  main().catch(async (err: unknown) => {
    if (err instanceof ConfigError) process.stderr.write(`${service}: ${err.message}\n`);
    else process.stderr.write(`${service} failed to start: ${(err as Error).stack ?? String(err)}\n`);
    await reportFatal(err); // no-op unless Sentry is on
    process.exit(1);
  });
}
