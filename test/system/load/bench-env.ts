import { execFile } from 'node:child_process';
import { cpus, totalmem, release } from 'node:os';
import { promisify } from 'node:util';
import { loadConfig, type Config } from '../../../common/config';
import { createKafka } from '../../../common/kafka';
import { createLogger } from '../../../common/logger';
import { createRedis } from '../../../common/redis';
import { EventCodec } from '../../../common/codec';
import { topicSpecs } from '../../../common/topics';
import { ROOT } from './children';

// The environment a run depends on: the local stack (started idempotently, never stopped), the
// bench's own topics, and the facts about the machine and versions that the report must state.

const run = promisify(execFile);

// kafkajs warns about its partitioner default and idempotent retries on every client; only errors matter here.
export const benchLog = createLogger('bench', 'error');

export function benchConfig(topicPrefix: string): Config {
  return loadConfig({ ...process.env, TOPIC_PREFIX: topicPrefix, LOG_LEVEL: 'warn' });
}

export async function stackUp(): Promise<void> {
  await run('bash', ['infra/stack.sh', 'up'], { cwd: ROOT, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
}

/** Postgres, ClickHouse DDL, topics and schemas for one prefix: the project's own migrate command. */
export async function migrate(topicPrefix: string): Promise<void> {
  await run('npx', ['--no-install', 'tsx', 'infra/migrate.ts', 'up'], {
    cwd: ROOT,
    env: { ...process.env, TOPIC_PREFIX: topicPrefix, LOG_LEVEL: 'warn' },
    timeout: 180_000,
    maxBuffer: 16 * 1024 * 1024,
  });
}

/**
 * Topics and schema subjects for one more prefix, in-process: the full migrate takes ~13 s (it also
 * walks Postgres and ClickHouse, which a prefix does not change), too slow to repeat per scoring run.
 */
export async function createPrefixTopics(topicPrefix: string, partitions: number): Promise<void> {
  // Right after a Kafka restart (other engineers run fault drills on this stack) metadata calls can
  // fail for a while; a few bounded retries ride that out, createTopics being idempotent.
  for (let attempt = 1; ; attempt++) {
    try {
      await createPrefixTopicsOnce(topicPrefix, partitions);
      return;
    } catch (err) {
      if (attempt >= 5) throw err;
      benchLog.error({ err, attempt }, 'creating bench topics failed; retrying');
      await new Promise((r) => setTimeout(r, 3_000));
    }
  }
}

async function createPrefixTopicsOnce(topicPrefix: string, partitions: number): Promise<void> {
  const config = benchConfig(topicPrefix);
  const admin = createKafka(config.kafka, benchLog, '-bench-admin').admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: topicSpecs(topicPrefix, partitions).map((t) => ({
        topic: t.name,
        numPartitions: t.partitions,
        replicationFactor: 1,
        configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })),
      })),
    });
  } finally {
    await admin.disconnect();
  }
  await new EventCodec(config.registry.url, topicPrefix).registerAll();
}

/** Deletes the topics of the prefixes this run created, so repeated runs do not fill Kafka. */
export async function deletePrefixTopics(prefixes: string[]): Promise<void> {
  if (prefixes.length === 0) return;
  const config = benchConfig('');
  const admin = createKafka(config.kafka, benchLog, '-bench-admin').admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    const mine = existing.filter((t) => prefixes.some((p) => t.startsWith(p)));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 30_000 });
  } finally {
    await admin.disconnect();
  }
}

export interface MachineFacts {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  services: Record<string, string>;
  openFilesLimit: string;
}

export async function machineFacts(): Promise<MachineFacts> {
  const services: Record<string, string> = {};
  try {
    const { stdout } = await run('bash', ['infra/stack.sh', 'status'], { cwd: ROOT, timeout: 60_000 });
    for (const line of stdout.split('\n')) {
      const cols = line.trim().split(/\s{2,}/);
      if (cols.length >= 4 && cols[0]) services[cols[0]] = cols.slice(3).join(' ');
    }
  } catch (err) {
    services.error = `stack.sh status failed: ${(err as Error).message.split('\n')[0]}`;
  }
  // What the Redis in use stores a quiz's per-player hashes as: it decides much of Redis's cost per answer.
  const redis = createRedis(benchConfig('').redis, 'bench-facts');
  try {
    const [, entries] = (await redis.call('CONFIG', 'GET', 'hash-max-listpack-entries')) as [string, string];
    services['redis hash-max-listpack-entries'] = `${entries} (fields of a hash kept as a scanned listpack; infra/stack.sh starts its own Redis with 64)`;
  } catch (err) {
    services['redis hash-max-listpack-entries'] = `unknown: ${(err as Error).message}`;
  } finally {
    redis.disconnect();
  }
  const { stdout: limit } = await run('bash', ['-c', 'ulimit -Hn']);
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    services,
    openFilesLimit: limit.trim(),
  };
}

export async function commandVersion(cmd: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(cmd, args, { timeout: 10_000 });
    return (stdout || stderr).trim().split('\n')[0] ?? 'unknown';
  } catch (err) {
    return `unavailable (${(err as Error).message.split('\n')[0]})`;
  }
}
