import { createServer } from 'node:net';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import { ROOT, type DrillStack } from './config';
import { TcpRelay } from './relay';
import { TierProcess, waitReady } from './tiers';

// The pipeline under test: one ingest, two processors in one consumer group, the ClickHouse sink
// and two push instances, all real child processes on the drill's own topics (TOPIC_PREFIX) and
// consumer groups. Postgres is reached through a relay the Postgres scenario can cut.

export interface DeploymentOptions {
  stack: DrillStack;
  runId: string;
  processors: number;
  pushes: number;
  sink: boolean;
  /** LOG_LEVEL of every tier (info by default; the security scan reads debug logs too). */
  logLevel?: string;
}

export const ADMIN_KEY = 'drill-admin-key-0123456789';
export const JWT_SECRET = 'drill-jwt-secret-0123456789-abcdefghijklmnop';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

export class Deployment {
  readonly relay: TcpRelay;
  readonly topicPrefix: string;
  ingest!: TierProcess;
  ingestUrl = '';
  readonly processors: TierProcess[] = [];
  readonly processorPorts: number[] = [];
  readonly pushes: TierProcess[] = [];
  readonly pushPorts: number[] = [];
  sink: TierProcess | undefined;
  private env: Record<string, string> = {};

  constructor(private readonly o: DeploymentOptions) {
    this.relay = new TcpRelay(o.stack.postgresHost, o.stack.postgresPort);
    this.topicPrefix = `drill.${o.runId}.`;
  }

  get all(): TierProcess[] {
    return [this.ingest, ...this.processors, ...this.pushes, ...(this.sink ? [this.sink] : [])].filter(Boolean);
  }

  /** Push URLs of the instances running now (viewers reconnect to one of these). */
  livePushUrls(): string[] {
    const live = this.pushes.map((p, i) => ({ p, url: `http://127.0.0.1:${this.pushPorts[i]}` })).filter((x) => x.p.isRunning);
    return (live.length > 0 ? live : this.pushes.map((_, i) => ({ url: `http://127.0.0.1:${this.pushPorts[i]}` }))).map((x) => x.url);
  }

  async start(): Promise<void> {
    const relayPort = await this.relay.start();
    const s = this.o.stack;
    this.env = {
      LOG_LEVEL: this.o.logLevel ?? 'info',
      TOPIC_PREFIX: this.topicPrefix,
      KAFKA_BROKERS: s.kafkaBrokers,
      SCHEMA_REGISTRY_URL: s.registryUrl,
      REDIS_URL: s.redisUrl,
      ...(s.cluster
        ? {
            REDIS_CLUSTER_NODES: s.cluster.redisNodes.join(','),
            TOPIC_REPLICATION_FACTOR: String(s.cluster.replicationFactor),
            TOPIC_MIN_INSYNC_REPLICAS: String(s.cluster.minInsyncReplicas),
          }
        : {}),
      DATABASE_URL: `postgres://postgres@127.0.0.1:${relayPort}/${s.database}`,
      CLICKHOUSE_URL: s.clickhouseUrl,
      CLICKHOUSE_DATABASE: s.clickhouseDatabase,
      ADMIN_KEY,
      JWT_SECRET,
      PROCESSOR_GROUP_ID: `drill-${this.o.runId}-processors`,
      SINK_GROUP_ID: `drill-${this.o.runId}-sink`,
      PUSH_GROUP_ID_PREFIX: `drill-${this.o.runId}-push`,
      // A SIGKILLed member's partitions move after this; the default 10 s only makes drills longer.
      PROCESSOR_SESSION_TIMEOUT_MS: '6000',
      // The load generator and the viewers are one address; keep the per-address limits out of their way.
      INGEST_RATE_IP_MAX: '20000',
      PUSH_RATE_IP_MAX: '20000',
      PUSH_MAX_STREAMS_PER_ADDRESS: '20000',
    };
    await this.migrate();
    const logDir = join(s.logDir, this.o.runId);
    const ingestPort = await freePort();
    // Operational ports on any free port: several tiers share this machine and nobody scrapes them here.
    this.ingest = new TierProcess('ingest', 'ingest', { ...this.env, INGEST_PORT: String(ingestPort), INGEST_METRICS_PORT: '0' }, logDir);
    this.ingestUrl = `http://127.0.0.1:${ingestPort}`;
    for (let i = 0; i < this.o.processors; i++) {
      const port = await freePort();
      this.processorPorts.push(port);
      // Each keeps its name across the restarts the drill does, like a pod: a restart removes its dead predecessor at once.
      const env = { ...this.env, PROCESSOR_PORT: String(port), PROCESSOR_INSTANCE_ID: `processor-${i}` };
      this.processors.push(new TierProcess(`processor-${i}`, 'processor', env, logDir));
    }
    for (let i = 0; i < this.o.pushes; i++) {
      const port = await freePort();
      this.pushPorts.push(port);
      this.pushes.push(new TierProcess(`push-${i}`, 'push', { ...this.env, PUSH_PORT: String(port), PUSH_METRICS_PORT: '0' }, logDir));
    }
    if (this.o.sink) this.sink = new TierProcess('sink', 'sink', { ...this.env, SINK_PORT: String(await freePort()) }, logDir);
    for (const p of this.all) p.start();
    await Promise.all([
      waitReady(`${this.ingestUrl}/readyz`, 120_000, this.ingest),
      ...this.processors.map((p, i) => this.waitProcessor(i, p)),
      ...this.pushes.map((p, i) => waitReady(`http://127.0.0.1:${this.pushPorts[i]}/readyz`, 120_000, p)),
    ]);
  }

  waitProcessor(i: number, p: TierProcess = this.processors[i]!): Promise<void> {
    return waitReady(`http://127.0.0.1:${this.processorPorts[i]}/readyz`, 120_000, p);
  }

  waitPush(i: number): Promise<void> {
    return waitReady(`http://127.0.0.1:${this.pushPorts[i]}/readyz`, 120_000, this.pushes[i]);
  }

  async stop(): Promise<void> {
    await Promise.all(this.all.map((p) => p.stop()));
    for (const p of this.all) p.close();
    await this.relay.stop();
  }

  /** Deletes this run's topics (on the shared stack, so test runs do not pile them up). */
  async removeTopics(): Promise<void> {
    const kafka = new Kafka({ clientId: 'drill-cleanup', brokers: this.o.stack.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const mine = (await admin.listTopics()).filter((t) => t.startsWith(this.topicPrefix));
      if (mine.length > 0) await admin.deleteTopics({ topics: mine });
    } finally {
      await admin.disconnect();
    }
  }

  /** Topics and schemas for this run's prefix (and the migrations, which are idempotent). */
  private migrate(): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn('npx', ['--no-install', 'tsx', 'infra/migrate.ts', 'up'], {
        cwd: ROOT,
        env: { ...process.env, ...this.env, LOG_LEVEL: 'warn', DATABASE_URL: `postgres://postgres@${this.o.stack.postgresHost}:${this.o.stack.postgresPort}/${this.o.stack.database}` },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`migrate exited with ${code}:\n${out.slice(-2000)}`))));
    });
  }
}
