import type { Server } from 'node:http';
import type { Express } from 'express';
import Redis from 'ioredis';
import type { Config } from '../../common/config';
import { EventCodec } from '../../common/codec';
import { createIngestApp, type IngestDeps } from '../../ingest/app';
import { buildIngestDeps, type OwnedIngestDeps } from '../../ingest/deps';
import { loadIngestOptions, type IngestOptions } from '../../ingest/options';
import { closeServer, serverUrl, startOperationalServer, startServer } from '../../common/http-server';
import { onCleanup } from './cleanup';
import { uniqueId } from './ids';
import { createTestTopics, testConfig, testLog } from './stack';

// Starts ingest in this process on a free port, against the real stack, writing to this test
// file's own topics. Everything it opens is closed by the file's cleanup.

let topics: Promise<{ prefix: string; codec: EventCodec }> | undefined;

/** One random topic prefix per test file, with every schema registered under it. */
export function testTopics(): Promise<{ prefix: string; codec: EventCodec }> {
  topics ??= (async () => {
    const prefix = await createTestTopics(3);
    const codec = new EventCodec(testConfig.registry.url, prefix);
    await codec.registerAll();
    return { prefix, codec };
  })();
  return topics;
}

export interface TestIngest {
  url: string;
  /** The operational port: /metrics, /healthz, /readyz. */
  metricsUrl: string;
  app: Express;
  server: Server;
  deps: OwnedIngestDeps;
  config: Config;
  options: IngestOptions;
  codec: EventCodec;
  stop(): Promise<void>;
}

export interface TestIngestOverrides {
  options?: (o: IngestOptions) => IngestOptions;
  config?: (c: Config) => Config;
  /** Replace built dependencies (a broken Redis, a failing readiness check...). */
  deps?: (d: OwnedIngestDeps) => Partial<IngestDeps>;
}

export async function startTestIngest(overrides: TestIngestOverrides = {}): Promise<TestIngest> {
  const { prefix, codec } = await testTopics();
  const baseConfig: Config = { ...testConfig, kafka: { ...testConfig.kafka, topicPrefix: prefix } };
  const config = overrides.config ? overrides.config(baseConfig) : baseConfig;
  // Rate-limit counters of their own, so apps in one run never share a window.
  const defaults = loadIngestOptions({});
  const baseOptions: IngestOptions = { ...defaults, rateLimit: { ...defaults.rateLimit, keyPrefix: `${uniqueId('qs:rl:test')}:` } };
  const options = overrides.options ? overrides.options(baseOptions) : baseOptions;
  const built = await buildIngestDeps(config, options, testLog);
  const deps: OwnedIngestDeps = { ...built, ...(overrides.deps ? overrides.deps(built) : {}) };
  // Ready from the first request on: the ids that start-up resolves in the background, resolved now.
  await built.codec.prepare(built.codec.typesOf(built.codec.topics.quizEvents));
  const { express: app, listener } = createIngestApp(deps);
  const server = await startServer(listener, 0, '127.0.0.1');
  const operational = await startOperationalServer(deps.readiness, deps.metricsRegistry, 0, '127.0.0.1');
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await closeServer(server, 2_000);
    await closeServer(operational, 1_000);
    await built.close();
  };
  onCleanup(stop);
  return { url: serverUrl(server), metricsUrl: serverUrl(operational), app, server, deps, config, options, codec, stop };
}

/**
 * One ingest reached two ways: `hotUrl` through its listener (the hot routes in front of express),
 * `expressUrl` through the express app alone on a port of its own, so a test can send one request
 * to both and compare. Many answers from one player within a second: its per-player limit is high.
 */
export async function startIngestBothWays(): Promise<{ ingest: TestIngest; hotUrl: string; expressUrl: string }> {
  const ingest = await startTestIngest({ options: (o) => ({ ...o, rateLimit: { ...o.rateLimit, player: { max: 1_000, windowMs: 1_000 } } }) });
  const expressOnly = await startServer(ingest.app, 0, '127.0.0.1');
  onCleanup(() => closeServer(expressOnly, 1_000));
  return { ingest, hotUrl: ingest.url, expressUrl: serverUrl(expressOnly) };
}

/**
 * A Redis client for an address where nothing listens, configured like common/redis.ts (fail a
 * command after 2 retries). Its connection errors are kept, not printed; it is closed at cleanup.
 */
export function deadRedis(): { redis: Redis; errors: Error[] } {
  const redis = new Redis('redis://127.0.0.1:1', {
    maxRetriesPerRequest: 2,
    connectTimeout: 3_000,
    disconnectTimeout: 10, // the socket never opened; do not keep the test process alive for it
  });
  const errors: Error[] = [];
  redis.on('error', (err: Error) => errors.push(err));
  onCleanup(() => redis.disconnect());
  return { redis, errors };
}

/** An ingest whose Redis is unreachable: readiness names it and every /v1 call must be a 503. */
export function startIngestWithoutRedis(): Promise<TestIngest> {
  const { redis } = deadRedis();
  return startTestIngest({
    deps: (d) => ({ redis, readiness: { ...d.readiness, redis: async () => void (await redis.ping()) } }),
  });
}
