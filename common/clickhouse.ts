import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import type { Config } from './config';

export interface ClickHouseClientOptions {
  /** Defaults to CLICKHOUSE_DATABASE; migrate creates it from `default`. */
  database?: string;
  /**
   * Turns the client's own logging off: during an outage it prints a multi-line, non-JSON error per
   * attempt, where a caller that retries (the sink) logs each failure once, as JSON.
   */
  quiet?: boolean;
}

export function createClickHouse(config: Config['clickhouse'], options: ClickHouseClientOptions = {}): ClickHouseClient {
  return createClient({
    url: config.url,
    database: options.database ?? config.database,
    request_timeout: 30_000,
    // ClickHouse 18.16 (Debian's) rejects settings it does not know, so send none by default.
    clickhouse_settings: {},
    ...(options.quiet ? { log: { level: ClickHouseLogLevel.OFF } } : {}),
  });
}
