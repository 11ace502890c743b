import { createClient, type ClickHouseClient } from '@clickhouse/client';
import type { Config } from './config';

export function createClickHouse(config: Config['clickhouse'], database = config.database): ClickHouseClient {
  return createClient({
    url: config.url,
    database,
    request_timeout: 30_000,
    // ClickHouse 18.16 (Debian's) rejects settings it does not know, so send none by default.
    clickhouse_settings: {},
  });
}
