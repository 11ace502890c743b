import { Pool } from 'pg';
import type { Config } from './config';
import type { Logger } from './logger';

/** With `log`, an idle client that loses its connection is logged; without a listener its 'error' would crash the process. */
export function createPgPool(config: Config['postgres'], max = 10, log?: Logger): Pool {
  const pool = new Pool({ connectionString: config.url, max, connectionTimeoutMillis: 3_000, idleTimeoutMillis: 30_000 });
  if (log) pool.on('error', (err) => log.warn({ err }, 'postgres: idle client error'));
  return pool;
}
