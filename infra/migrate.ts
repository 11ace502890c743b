// The Migrator: brings Postgres, ClickHouse, Kafka topics and the schema registry to the shape the
// tiers expect. Idempotent; run before the tiers start (npm start and npm test do).
//   tsx infra/migrate.ts up            everything
//   tsx infra/migrate.ts down [N]      roll back the last N Postgres migrations (default 1)
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { Client } from 'pg';
import { runner } from 'node-pg-migrate';
import { loadConfig, type Config } from '../common/config';
import { createLogger, type Logger } from '../common/logger';
import { createKafka } from '../common/kafka';
import { createClickHouse } from '../common/clickhouse';
import { topicSpecs } from '../common/topics';
import { EventCodec } from '../common/codec';
import { AbortedError } from '../common/errors';
import { retryUntilDone } from '../common/retry';

const PG_MIGRATIONS_DIR = join(__dirname, 'migrations');
const CH_DDL_DIR = join(__dirname, 'clickhouse');

export async function ensurePostgresDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      // Identifiers cannot be bound as parameters; the name comes from our own config, quoted.
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    }
  } finally {
    await client.end();
  }
}

export async function migratePostgres(config: Config, direction: 'up' | 'down', count?: number, log?: Logger): Promise<string[]> {
  if (direction === 'up') await ensurePostgresDatabase(config.postgres.url);
  const ran = await runner({
    databaseUrl: config.postgres.url,
    dir: PG_MIGRATIONS_DIR,
    direction,
    count: count ?? (direction === 'up' ? Infinity : 1),
    migrationsTable: 'pgmigrations',
    checkOrder: true,
    singleTransaction: true,
    log: (msg: string) => log?.debug({ component: 'node-pg-migrate' }, msg),
  });
  return ran.map((m) => m.name);
}

/** Splits a DDL file into statements; our DDL files keep semicolons out of comments and strings. */
export function splitStatements(sql: string): string[] {
  return sql
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n')
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
}

export async function migrateClickHouse(config: Config): Promise<number> {
  const db = config.clickhouse.database;
  const root = createClickHouse(config.clickhouse, { database: 'default' });
  try {
    await root.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}` });
  } finally {
    await root.close();
  }
  const ch = createClickHouse(config.clickhouse);
  try {
    return await applyClickHouseDdl(ch);
  } finally {
    await ch.close();
  }
}

/**
 * Applies every statement of infra/clickhouse/*.sql, in file order, to the client's current
 * database; returns how many ran. The chDB test applies the DDL to ClickHouse 26.x through this too.
 */
export async function applyClickHouseDdl(ch: ClickHouseClient): Promise<number> {
  let applied = 0;
  for (const file of readdirSync(CH_DDL_DIR).filter((f) => f.endsWith('.sql')).sort()) {
    for (const statement of splitStatements(readFileSync(join(CH_DDL_DIR, file), 'utf8'))) {
      await ch.command({ query: statement });
      applied++;
    }
  }
  return applied;
}

// Right after a Kafka cluster starts, a broker may not know a topic just created yet and answer
// its metadata with "This server does not host this topic-partition" after kafkajs's own retries.
// Creating the topics is idempotent (only the missing ones), so the whole step is tried again.
const KAFKA_SETTLE_MS = 60_000; // one minute

function isTransientKafkaError(err: unknown): boolean {
  if (!(err instanceof Error) || !err.name.startsWith('KafkaJS')) return false;
  return (err as { retriable?: boolean }).retriable === true || err.name === 'KafkaJSNumberOfRetriesExceeded' || err.name === 'KafkaJSConnectionError';
}

export async function migrateKafka(config: Config, log: Logger): Promise<string[]> {
  const deadline = Date.now() + KAFKA_SETTLE_MS;
  try {
    return await retryUntilDone('kafka topics', () => createMissingTopics(config, log), {
      initialMs: 500,
      maxMs: 5_000,
      isRetriable: isTransientKafkaError,
      alive: () => Date.now() < deadline,
      onFailure: (err, attempt, retryInMs) => log.warn({ err: (err as Error).message, attempt, retryInMs }, 'migrate: kafka is not ready for the topics yet; trying again'),
    });
  } catch (err) {
    // Past the deadline: Kafka's own error says more than "gave up retrying".
    throw err instanceof AbortedError && err.lastError !== undefined ? err.lastError : err;
  }
}

async function createMissingTopics(config: Config, log: Logger): Promise<string[]> {
  const admin = createKafka(config.kafka, log, '-migrate').admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const { replicationFactor, minInsyncReplicas } = config.kafka;
    if (minInsyncReplicas > replicationFactor) {
      throw new Error(`TOPIC_MIN_INSYNC_REPLICAS (${minInsyncReplicas}) cannot exceed TOPIC_REPLICATION_FACTOR (${replicationFactor}): no write could ever be acknowledged`);
    }
    const specs = topicSpecs(config.kafka.topicPrefix, config.kafka.partitions, { replicationFactor, minInsyncReplicas });
    const missing = specs.filter((t) => !existing.has(t.name));
    if (missing.length) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions,
          replicationFactor,
          configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })),
        })),
      });
    }
    return missing.map((t) => t.name);
  } finally {
    await admin.disconnect();
  }
}

export async function migrateAll(config: Config, log: Logger): Promise<void> {
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    const result = await fn();
    log.info({ step: name, ms: Date.now() - t0, result }, `migrate: ${name} done`);
    return result;
  };
  await step('postgres', () => migratePostgres(config, 'up', undefined, log));
  await step('clickhouse', () => migrateClickHouse(config));
  await step('kafka-topics', () => migrateKafka(config, log));
  await step('schemas', async () => {
    // Waits up to a minute for a slow or starting registry, logging each retry.
    const codec = new EventCodec(config.registry.url, config.kafka.topicPrefix, {}, log);
    try {
      return (await codec.registerAll()).length;
    } finally {
      codec.close();
    }
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger('migrate', config.logLevel);
  const [direction = 'up', countArg] = process.argv.slice(2);
  if (direction === 'up') {
    await migrateAll(config, log);
  } else if (direction === 'down') {
    const count = countArg ? Number(countArg) : 1;
    if (!Number.isInteger(count) || count < 1) throw new Error(`down expects a positive count, got "${countArg}"`);
    const undone = await migratePostgres(config, 'down', count, log);
    log.info({ undone }, 'migrate: postgres rolled back');
  } else {
    throw new Error(`unknown direction "${direction}" (expected up or down)`);
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`migrate failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
