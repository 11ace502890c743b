import { isIP } from 'node:net';
import { z } from 'zod';
import { ConfigError } from './errors';

// What every tier reads (Kafka, the registry, Redis, Postgres, ClickHouse, auth, and where the
// public tiers listen), once, at its entry point, through loadConfig(); each tier's own settings
// are in its options.ts. Defaults work
// against the local stack that `npm run infra:up` starts.

// Building blocks for every env schema (this one and each tier's options.ts).
export const port = z.coerce.number().int().min(0).max(65_535);
export const positiveInt = z.coerce.number().int().positive();
/** Express's names for address ranges, accepted in a trusted-proxy list beside addresses and CIDRs. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrCidr(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * Which X-Forwarded-For entries to believe (express "trust proxy"), for tiers that key limits on
 * the client's address: "false" (none: the socket's peer is the client), a hop count (the number
 * of proxies in front, each appending the address it received from), or the proxies' addresses and
 * CIDRs. "true" is refused: it takes the left-most entry, which the client writes itself.
 */
export const proxyTrust = z
  .string()
  .default('false')
  .superRefine((v, ctx) => {
    if (v === 'true') {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: '"true" would believe an X-Forwarded-For the client wrote; give the number of proxies in front (e.g. 1) or their addresses/CIDRs',
      });
      return;
    }
    if (v === 'false' || v === '' || /^\d{1,2}$/.test(v)) return;
    const bad = v.split(',').map((x) => x.trim()).filter((x) => !isAddressOrCidr(x));
    if (bad.length > 0) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `not a hop count, an address, a CIDR or loopback/linklocal/uniquelocal: ${bad.join(', ')}` });
    }
  })
  .transform((v): false | number | string[] => {
    if (v === 'false' || v === '') return false;
    if (/^\d+$/.test(v)) return Number(v);
    return v.split(',').map((x) => x.trim());
  });

export type ProxyTrust = z.output<typeof proxyTrust>;

const csv = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
  .pipe(z.array(z.string()).min(1));

/** The admin key of dev mode, known to everyone: only ever pre-filled on a local host page. */
export const DEV_ADMIN_KEY = 'dev-admin-key';
const DEV_JWT_SECRET = 'quizstream-dev-secret-change-me-0123456789';

/**
 * What every tier reads, by variable, with its default (README.md's configuration table lists
 * them; a test holds the two together). Undefined: no default. Each tier's own settings and their
 * defaults are in its options.ts.
 */
export const SHARED_DEFAULTS = {
  LOG_LEVEL: 'info',
  HOST: '127.0.0.1', // the interface every tier listens on
  // The public ports: each tier's own, and push tells the pages where ingest is (PUBLIC_INGEST_URL's default).
  INGEST_PORT: 8080,
  PUSH_PORT: 8090,
  KAFKA_BROKERS: '127.0.0.1:9092', // comma-separated host:port list
  KAFKA_CLIENT_ID: 'quizstream', // each tier appends its name
  TOPIC_PREFIX: '',
  TOPIC_PARTITIONS: 12, // partitions of each quiz topic
  TOPIC_REPLICATION_FACTOR: 1, // copies of each partition migrate creates; 3 on the cluster stack
  TOPIC_MIN_INSYNC_REPLICAS: 1, // copies an acks=all write waits for; 2 on the cluster stack (one node may die)
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081/apis/ccompat/v7',
  REDIS_URL: 'redis://127.0.0.1:6379',
  REDIS_CLUSTER_NODES: undefined, // comma-separated host:port of Redis Cluster nodes; when set, REDIS_URL is not used
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/quizstream',
  CLICKHOUSE_URL: 'http://127.0.0.1:8123',
  CLICKHOUSE_DATABASE: 'quizstream',
  AUTH_MODE: 'dev',
  AUTH_JWKS_URL: undefined, // required when AUTH_MODE=jwks
  AUTH_ISSUER: undefined,
  AUTH_AUDIENCE: undefined,
  JWT_SECRET: undefined, // dev mode falls back to a built-in secret
  ADMIN_KEY: undefined, // dev mode falls back to DEV_ADMIN_KEY; required in any other mode
} as const;

const D = SHARED_DEFAULTS;

const envSchema = z
  .object({
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default(D.LOG_LEVEL),
    HOST: z.string().default(D.HOST),
    INGEST_PORT: port.default(D.INGEST_PORT),
    PUSH_PORT: port.default(D.PUSH_PORT),

    KAFKA_BROKERS: csv.default(D.KAFKA_BROKERS),
    KAFKA_CLIENT_ID: z.string().default(D.KAFKA_CLIENT_ID),
    TOPIC_PREFIX: z.string().regex(/^[a-zA-Z0-9._-]*$/, 'letters, digits, dot, dash, underscore').default(D.TOPIC_PREFIX),
    TOPIC_PARTITIONS: positiveInt.default(D.TOPIC_PARTITIONS),
    TOPIC_REPLICATION_FACTOR: positiveInt.default(D.TOPIC_REPLICATION_FACTOR),
    TOPIC_MIN_INSYNC_REPLICAS: positiveInt.default(D.TOPIC_MIN_INSYNC_REPLICAS),
    SCHEMA_REGISTRY_URL: z.string().url().default(D.SCHEMA_REGISTRY_URL),

    REDIS_URL: z.string().default(D.REDIS_URL),
    REDIS_CLUSTER_NODES: csv.optional(),
    DATABASE_URL: z.string().default(D.DATABASE_URL),
    CLICKHOUSE_URL: z.string().url().default(D.CLICKHOUSE_URL),
    CLICKHOUSE_DATABASE: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/).default(D.CLICKHOUSE_DATABASE),

    AUTH_MODE: z.enum(['dev', 'jwks']).default(D.AUTH_MODE),
    AUTH_JWKS_URL: z.string().url().optional(),
    AUTH_ISSUER: z.string().optional(),
    AUTH_AUDIENCE: z.string().optional(),
    JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters').optional(),
    ADMIN_KEY: z.string().min(8, 'ADMIN_KEY must be at least 8 characters').optional(),
  })
  .superRefine((env, ctx) => {
    if (env.AUTH_MODE === 'jwks' && !env.AUTH_JWKS_URL) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['AUTH_JWKS_URL'], message: 'required when AUTH_MODE=jwks' });
    }
    if (env.AUTH_MODE !== 'dev' && !env.ADMIN_KEY) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['ADMIN_KEY'], message: 'required outside AUTH_MODE=dev' });
    }
  });

export interface Config {
  logLevel: string;
  /** The interface every tier listens on, and the public ports (operational ones are in each tier's options). */
  http: { host: string; ingestPort: number; pushPort: number };
  kafka: { brokers: string[]; clientId: string; topicPrefix: string; partitions: number; replicationFactor: number; minInsyncReplicas: number };
  registry: { url: string };
  /** clusterNodes: host:port of Redis Cluster nodes (ioredis' Cluster client); empty: the one Redis at url. */
  redis: { url: string; clusterNodes: string[] };
  postgres: { url: string };
  clickhouse: { url: string; database: string };
  auth: {
    mode: 'dev' | 'jwks';
    jwksUrl?: string;
    issuer?: string;
    audience?: string;
    jwtSecret: string;
    adminKey: string;
  };
}

/** Parses the environment with a schema; every problem is named in one ConfigError (fail fast at start-up). */
export function parseEnv<T extends z.ZodTypeAny>(schema: T, env: NodeJS.ProcessEnv): z.output<T> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  return parsed.data;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const e = parseEnv(envSchema, env);
  return {
    logLevel: e.LOG_LEVEL,
    http: { host: e.HOST, ingestPort: e.INGEST_PORT, pushPort: e.PUSH_PORT },
    kafka: {
      brokers: e.KAFKA_BROKERS,
      clientId: e.KAFKA_CLIENT_ID,
      topicPrefix: e.TOPIC_PREFIX,
      partitions: e.TOPIC_PARTITIONS,
      replicationFactor: e.TOPIC_REPLICATION_FACTOR,
      minInsyncReplicas: e.TOPIC_MIN_INSYNC_REPLICAS,
    },
    registry: { url: e.SCHEMA_REGISTRY_URL },
    redis: { url: e.REDIS_URL, clusterNodes: e.REDIS_CLUSTER_NODES ?? [] },
    postgres: { url: e.DATABASE_URL },
    clickhouse: { url: e.CLICKHOUSE_URL, database: e.CLICKHOUSE_DATABASE },
    auth: {
      mode: e.AUTH_MODE,
      jwksUrl: e.AUTH_JWKS_URL,
      issuer: e.AUTH_ISSUER,
      audience: e.AUTH_AUDIENCE,
      // Dev mode has well-known defaults so the README's two commands just work; jwks mode never uses them.
      jwtSecret: e.JWT_SECRET ?? DEV_JWT_SECRET,
      adminKey: e.ADMIN_KEY ?? DEV_ADMIN_KEY,
    },
  };
}

/** The address a browser or a local client uses for a tier listening on `host`. */
export function reachableHost(host: string): string {
  return host === '0.0.0.0' ? '127.0.0.1' : host;
}
