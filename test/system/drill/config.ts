import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

// Where the drill runs: a private second stack beside the shared one (its own Kafka, registry,
// Redis and ClickHouse on other ports, under .local/drill), so stopping a service disturbs nobody.
// PostgreSQL is the machine's shared server; the drill uses its own database and reaches it
// through a TCP relay it can cut (relay.ts) instead of stopping the server others use.

export const ROOT = join(__dirname, '..', '..', '..');

export interface DrillStack {
  /** Environment for infra/stack.sh (QS_LOCAL_DIR and the QS_*_PORT variables). */
  stackEnv: Record<string, string>;
  kafkaBrokers: string;
  registryUrl: string;
  redisUrl: string;
  /** The real Postgres; the tiers get the relay's address instead. */
  postgresHost: string;
  postgresPort: number;
  database: string;
  clickhouseUrl: string;
  clickhouseDatabase: string;
  logDir: string;
  /** Set on the cluster stack (QS_MODE=cluster, infra/stack-cluster.sh); absent on a single-node one. */
  cluster?: ClusterLayout;
}

export interface ClusterLayout {
  /** Port of Kafka node 1; nodes 2 and 3 follow (node ids 1..3). */
  kafkaPort: number;
  /** Port of Redis node 1; nodes 2..6 follow. */
  redisPort: number;
  redisNodes: string[];
  replicationFactor: number;
  minInsyncReplicas: number;
}

export function privateStack(): DrillStack {
  const local = process.env.DRILL_LOCAL_DIR ?? join(ROOT, '.local', 'drill');
  const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
  const kafka = port('DRILL_KAFKA_PORT', 19092);
  const registry = port('DRILL_REGISTRY_PORT', 18081);
  const redis = port('DRILL_REDIS_PORT', 16379);
  const clickhouse = port('DRILL_CLICKHOUSE_HTTP_PORT', 18124);
  return {
    stackEnv: {
      QS_LOCAL_DIR: local,
      QS_KAFKA_PORT: String(kafka),
      QS_KAFKA_CONTROLLER_PORT: String(port('DRILL_KAFKA_CONTROLLER_PORT', 19093)),
      QS_REGISTRY_PORT: String(registry),
      QS_REGISTRY_MANAGEMENT_PORT: String(port('DRILL_REGISTRY_MANAGEMENT_PORT', 19091)),
      QS_REGISTRY_DB: process.env.DRILL_REGISTRY_DB ?? 'quizstream_registry_drill',
      QS_CLICKHOUSE_HTTP_PORT: String(clickhouse),
      QS_CLICKHOUSE_TCP_PORT: String(port('DRILL_CLICKHOUSE_TCP_PORT', 19001)),
      QS_REDIS_PORT: String(redis),
    },
    kafkaBrokers: `127.0.0.1:${kafka}`,
    registryUrl: `http://127.0.0.1:${registry}/apis/ccompat/v7`,
    redisUrl: `redis://127.0.0.1:${redis}`,
    postgresHost: '127.0.0.1',
    postgresPort: 5432,
    database: process.env.DRILL_DATABASE ?? 'quizstream_drill',
    clickhouseUrl: `http://127.0.0.1:${clickhouse}`,
    clickhouseDatabase: process.env.DRILL_CLICKHOUSE_DATABASE ?? 'quizstream_drill',
    logDir: join(local, 'logs', 'drill'),
  };
}

/**
 * The private stack in cluster mode: three Kafka nodes and a Redis Cluster of six (stack-cluster.sh)
 * in place of the single broker and Redis, the same registry, ClickHouse and database.
 */
export function privateClusterStack(): DrillStack {
  const single = privateStack();
  const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
  const kafkaPort = port('DRILL_CLUSTER_KAFKA_PORT', 19592);
  const redisPort = port('DRILL_CLUSTER_REDIS_PORT', 16701);
  const nodes = (first: number, n: number) => Array.from({ length: n }, (_, i) => `127.0.0.1:${first + i}`);
  return {
    ...single,
    stackEnv: {
      ...single.stackEnv,
      QS_MODE: 'cluster',
      QS_CLUSTER_KAFKA_PORT: String(kafkaPort),
      QS_CLUSTER_KAFKA_CONTROLLER_PORT: String(port('DRILL_CLUSTER_KAFKA_CONTROLLER_PORT', 19692)),
      QS_CLUSTER_REDIS_PORT: String(redisPort),
    },
    kafkaBrokers: nodes(kafkaPort, 3).join(','),
    cluster: { kafkaPort, redisPort, redisNodes: nodes(redisPort, 6), replicationFactor: 3, minInsyncReplicas: 2 },
  };
}

/** The shared default stack (the environment's addresses, as the tests use them). */
export function sharedStack(): DrillStack {
  const db = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/quizstream');
  return {
    stackEnv: {},
    kafkaBrokers: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
    registryUrl: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    postgresHost: db.hostname,
    postgresPort: Number(db.port || 5432),
    database: db.pathname.slice(1) || 'quizstream',
    clickhouseUrl: process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123',
    clickhouseDatabase: process.env.CLICKHOUSE_DATABASE ?? 'quizstream',
    logDir: join(ROOT, '.local', 'logs', 'drill'),
  };
}

export function runId(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}
