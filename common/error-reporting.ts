import type { Logger } from './logger';

// Errors to Sentry when SENTRY_DSN is set. @sentry/node is an optional dependency: it is loaded
// only then, with a dynamic import, so a deployment that does not use Sentry does not install it.
// Whatever goes wrong here (package missing, bad DSN) is logged once and never stops the tier:
// error reporting must not become a reason for an outage.

/** The part of @sentry/node we use; declared here so the package is not needed to type-check. */
export interface SentryModule {
  init(options: { dsn: string; environment?: string; release?: string; serverName?: string; initialScope?: { tags: Record<string, string> } }): unknown;
  captureException(err: unknown, hint?: { extra?: Record<string, unknown> }): string;
  flush(timeoutMs?: number): Promise<boolean>;
}

export interface ErrorReportingOptions {
  dsn: string | undefined;
  environment: string | undefined;
  release: string | undefined;
}

/** Read once at a tier's entry point. */
export function loadErrorReportingOptions(env: NodeJS.ProcessEnv = process.env): ErrorReportingOptions {
  const dsn = env.SENTRY_DSN?.trim();
  return { dsn: dsn ? dsn : undefined, environment: env.SENTRY_ENVIRONMENT || undefined, release: env.SENTRY_RELEASE || undefined };
}

export interface ErrorReporter {
  readonly enabled: boolean;
  capture(err: unknown, extra?: Record<string, unknown>): void;
  /** Waits (at most `timeoutMs`) until captured errors are sent: call before exiting. */
  flush(timeoutMs?: number): Promise<void>;
}

const disabled: ErrorReporter = { enabled: false, capture: () => undefined, flush: async () => undefined };

// A variable, not a literal: TypeScript would otherwise insist on the package's types being installed.
const SENTRY_PACKAGE = '@sentry/node';
const importSentry = async (): Promise<SentryModule> => (await import(SENTRY_PACKAGE)) as SentryModule;

/** The process's reporter, for the fatal paths that run outside main() (see reportFatal). */
let active: ErrorReporter = disabled;

export async function startErrorReporting(
  service: string,
  options: ErrorReportingOptions,
  log: Logger,
  hooks: { load?: () => Promise<SentryModule>; processHandlers?: boolean } = {},
): Promise<ErrorReporter> {
  const { load = importSentry, processHandlers = true } = hooks;
  if (!options.dsn) return disabled;
  let sentry: SentryModule;
  try {
    sentry = await load();
  } catch (err) {
    log.error(
      { err: (err as Error).message },
      `SENTRY_DSN is set but ${SENTRY_PACKAGE} cannot be loaded (install it: npm install ${SENTRY_PACKAGE}); errors are only logged`,
    );
    return disabled;
  }
  try {
    sentry.init({ dsn: options.dsn, environment: options.environment, release: options.release, initialScope: { tags: { service } } });
  } catch (err) {
    log.error({ err: (err as Error).message }, 'Sentry did not start (check SENTRY_DSN); errors are only logged');
    return disabled;
  }
  const reporter: ErrorReporter = {
    enabled: true,
    capture: (err, extra) => {
      try {
        sentry.captureException(err, extra ? { extra } : undefined);
      } catch (sendErr) {
        log.warn({ err: (sendErr as Error).message }, 'Sentry: could not capture an error');
      }
    },
    flush: async (timeoutMs = 2_000) => {
      try {
        await sentry.flush(timeoutMs);
      } catch (flushErr) {
        log.warn({ err: (flushErr as Error).message }, 'Sentry: could not flush');
      }
    },
  };
  active = reporter;
  // Only with Sentry on: report what would otherwise crash the process unseen, then exit as Node would.
  if (processHandlers) {
    process.on('uncaughtException', (err) => void exitOnFatal(log, err, 'uncaught exception'));
    process.on('unhandledRejection', (err) => void exitOnFatal(log, err, 'unhandled promise rejection'));
  }
  log.info({ service, environment: options.environment }, 'errors are reported to Sentry');
  return reporter;
}

/** Logs the error at fatal, reports it (if Sentry is on) and exits 1, for its supervisor to start a fresh process. */
export async function exitOnFatal(log: Logger, err: unknown, what: string): Promise<void> {
  log.fatal({ err }, `${what}: exiting`);
  await reportFatal(err);
  process.exit(1);
}

/** Sends a fatal error to Sentry (if on) and waits briefly for it to leave; the caller then exits. */
export async function reportFatal(err: unknown, timeoutMs = 2_000): Promise<void> {
  active.capture(err, { fatal: true });
  await active.flush(timeoutMs);
}
