import { Pool } from 'pg';
import type { Config } from './config';

export function createPgPool(config: Config['postgres'], max = 10): Pool {
  return new Pool({ connectionString: config.url, max, connectionTimeoutMillis: 3_000, idleTimeoutMillis: 30_000 });
}
