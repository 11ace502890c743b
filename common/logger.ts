import pino, { type Logger } from 'pino';

// Secrets must never reach a log line: bearer tokens, the admin key, dev tokens, answer keys.
const REDACT = [
  'req.headers.authorization',
  'req.headers["x-admin-key"]',
  'req.query.token',
  'headers.authorization',
  'headers["x-admin-key"]',
  'token',
  '*.token',
  'adminKey',
  '*.adminKey',
  'jwtSecret',
  '*.jwtSecret',
  'correct',
  '*.correct',
];

export function createLogger(service: string, level = 'info'): Logger {
  return pino({
    name: service,
    level,
    base: { service, pid: process.pid },
    redact: { paths: REDACT, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

export type { Logger };
