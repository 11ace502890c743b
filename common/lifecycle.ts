import type { Logger } from './logger';

export type Closer = () => Promise<void>;

/**
 * Runs the closers in order on SIGTERM/SIGINT (drain, flush, commit, close), then exits.
 * A second signal, or a close that takes longer than `graceMs`, exits at once.
 */
export function onShutdown(log: Logger, closers: Closer[], graceMs = 25_000): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      log.error({ graceMs }, 'shutdown took too long: exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    let code = 0;
    for (const close of closers) {
      try {
        await close();
      } catch (err) {
        code = 1;
        log.error({ err }, 'error during shutdown');
      }
    }
    log.info('stopped');
    process.exit(code);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
