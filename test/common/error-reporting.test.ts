import { Writable } from 'node:stream';
import pino from 'pino';
import { loadErrorReportingOptions, reportFatal, startErrorReporting, type SentryModule } from '../../common/error-reporting';

// Sentry is optional: without SENTRY_DSN nothing is loaded; with it but without the package, one
// clear log line and the tier goes on; with both, errors reach Sentry tagged with the tier.

function capturingLog() {
  const lines: Array<{ level: number; msg: string }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as { level: number; msg: string });
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

/** A stand-in for @sentry/node that keeps what it is given (the real package is not installed here). */
function recordingSentry() {
  const record = { init: [] as unknown[], captured: [] as Array<{ err: unknown; hint: unknown }>, flushed: 0 };
  const sentry: SentryModule = {
    init: (options) => record.init.push(options),
    captureException: (err, hint) => {
      record.captured.push({ err, hint });
      return 'event-id';
    },
    flush: async () => {
      record.flushed++;
      return true;
    },
  };
  return { sentry, record };
}

it('reads SENTRY_DSN, SENTRY_ENVIRONMENT and SENTRY_RELEASE; blank means off', () => {
  expect(loadErrorReportingOptions({})).toEqual({ dsn: undefined, environment: undefined, release: undefined });
  expect(loadErrorReportingOptions({ SENTRY_DSN: '  ' }).dsn).toBeUndefined();
  expect(loadErrorReportingOptions({ SENTRY_DSN: 'https://k@sentry.example/1', SENTRY_ENVIRONMENT: 'staging', SENTRY_RELEASE: 'v1' })).toEqual({
    dsn: 'https://k@sentry.example/1',
    environment: 'staging',
    release: 'v1',
  });
});

it('is off without a DSN and never loads the package', async () => {
  const { log, lines } = capturingLog();
  const load = jest.fn(async () => recordingSentry().sentry);
  const reporter = await startErrorReporting('ingest', loadErrorReportingOptions({}), log, { load, processHandlers: false });
  expect(reporter.enabled).toBe(false);
  reporter.capture(new Error('x'));
  await reporter.flush();
  expect(load).not.toHaveBeenCalled();
  expect(lines).toEqual([]);
});

it('with a DSN but without @sentry/node installed, logs how to install it and goes on', async () => {
  const { log, lines } = capturingLog();
  // The real loader: the package is not a dependency of this repository.
  const reporter = await startErrorReporting('push', { dsn: 'https://k@sentry.example/1', environment: undefined, release: undefined }, log, { processHandlers: false });
  expect(reporter.enabled).toBe(false);
  expect(lines).toHaveLength(1);
  expect(lines[0]!.level).toBe(50);
  expect(lines[0]!.msg).toContain('npm install @sentry/node');
});

it('a DSN Sentry refuses is logged, not thrown', async () => {
  const { log, lines } = capturingLog();
  const { sentry } = recordingSentry();
  sentry.init = () => {
    throw new Error('Invalid Sentry Dsn');
  };
  const reporter = await startErrorReporting('ingest', { dsn: 'nonsense', environment: undefined, release: undefined }, log, { load: async () => sentry, processHandlers: false });
  expect(reporter.enabled).toBe(false);
  expect(lines[0]!.msg).toContain('Sentry did not start');
});

it('with the package, sends errors tagged with the tier, and reportFatal flushes before the exit', async () => {
  const { log } = capturingLog();
  const { sentry, record } = recordingSentry();
  const reporter = await startErrorReporting('processor', { dsn: 'https://k@sentry.example/1', environment: 'prod', release: 'r1' }, log, {
    load: async () => sentry,
    processHandlers: false,
  });
  expect(reporter.enabled).toBe(true);
  expect(record.init).toEqual([{ dsn: 'https://k@sentry.example/1', environment: 'prod', release: 'r1', initialScope: { tags: { service: 'processor' } } }]);
  const boom = new Error('consumer stopped for good');
  await reportFatal(boom);
  expect(record.captured).toEqual([{ err: boom, hint: { extra: { fatal: true } } }]);
  expect(record.flushed).toBe(1);
});
