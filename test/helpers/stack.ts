import Redis from 'ioredis';
import type { Pool } from 'pg';
import { loadConfig, type Config } from '../../common/config';
import { createLogger } from '../../common/logger';
import { createKafka } from '../../common/kafka';
import { createPgPool } from '../../common/postgres';
import { topicSpecs } from '../../common/topics';
import { onCleanup } from './cleanup';
import { uniqueId } from './ids';

export const testConfig: Config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
export const testLog = createLogger('test', testConfig.logLevel);

/** Creates this test's own copy of every topic under a random prefix, deleted afterwards. */
export async function createTestTopics(partitions = 3): Promise<string> {
  const prefix = `${uniqueId('t')}.`;
  const admin = createKafka(testConfig.kafka, testLog, '-test-admin').admin();
  await admin.connect();
  const topics = topicSpecs(prefix, partitions);
  await admin.createTopics({
    waitForLeaders: true,
    topics: topics.map((t) => ({
      topic: t.name,
      numPartitions: t.partitions,
      replicationFactor: 1,
      configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })),
    })),
  });
  onCleanup(async () => {
    await admin.deleteTopics({ topics: topics.map((t) => t.name) });
    await admin.disconnect();
  });
  return prefix;
}

/** A Postgres pool and a Redis client on the shared stack, for a test file to set up and check state; closed at cleanup. */
export function stackClients(pgMax = 2): { pg: Pool; redis: Redis } {
  const pg = createPgPool(testConfig.postgres, pgMax);
  const redis = new Redis(testConfig.redis.url);
  onCleanup(() => pg.end());
  onCleanup(() => redis.quit());
  return { pg, redis };
}
