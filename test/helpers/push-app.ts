import type { Server } from 'node:http';
import type { Config } from '../../common/config';
import type { EventCodec } from '../../common/codec';
import { createPushApp, type PushDeps } from '../../push/app';
import { buildPushDeps, type OwnedPushDeps } from '../../push/deps';
import { loadPushOptions, type PushOptions } from '../../push/options';
import { closeServer, serverUrl, startOperationalServer, startServer } from '../../common/http-server';
import { onCleanup } from './cleanup';
import { testTopics } from './ingest-app';
import { testConfig, testLog } from './stack';
import { within } from './wait';

// Starts a push instance in this process on a free port, against the real stack, reading this test
// file's own topics. It resolves once its consumer has joined and taken its starting offsets, so
// whatever the test produces afterwards is delivered. Everything it opens is closed at cleanup.

export interface TestPush {
  url: string;
  /** The operational port: /metrics, /healthz, /readyz. */
  metricsUrl: string;
  server: Server;
  deps: OwnedPushDeps;
  codec: EventCodec;
  options: PushOptions;
  stop(): Promise<void>;
}

export interface TestPushOverrides {
  options?: (o: PushOptions) => PushOptions;
  /** Replace what the app is given (a store on a dead Redis...); the Kafka feed still feeds the real hub. */
  deps?: (d: OwnedPushDeps) => Partial<PushDeps>;
}

export async function startTestPush(overrides: TestPushOverrides = {}): Promise<TestPush> {
  // Bounded steps, within the 180 s a test file's beforeAll gets: a hook timeout names no step and
  // leaves this function running on, starting a consumer after the file's cleanup has already run.
  const { prefix, codec } = await within('creating the test topics and schemas', 45_000, testTopics());
  const config: Config = { ...testConfig, kafka: { ...testConfig.kafka, topicPrefix: prefix } };
  // The memory ceiling is push's own process's; here push shares Jest's process with everything the
  // run has loaded (chDB's engine alone is hundreds of MB), so only the test of the ceiling sets one.
  const base = { ...loadPushOptions({ PUSH_GROUP_ID_PREFIX: 'quizstream-push-test' }), maxRssBytes: Number.MAX_SAFE_INTEGER };
  const options = overrides.options ? overrides.options(base) : base;
  const deps = buildPushDeps(config, options, testLog);
  const server = await startServer(createPushApp({ ...deps, ...(overrides.deps ? overrides.deps(deps) : {}) }).listener, 0, '127.0.0.1');
  const operational = await startOperationalServer(deps.readiness, deps.metricsRegistry, 0, '127.0.0.1');
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    deps.closeStreams();
    await closeServer(server, 2_000);
    await closeServer(operational, 1_000);
    await deps.close();
  };
  onCleanup(stop);
  deps.start();
  // Generous: a consumer group join can take long on a loaded shared machine.
  await deps.feed.whenPositioned(90_000);
  return { url: serverUrl(server), metricsUrl: serverUrl(operational), server, deps, codec, options, stop };
}

/** Reads one sample of a metric from /metrics at `url`, the operational port (sum over the series matching `labels`). */
export async function metricValue(url: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const matches = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (matches) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
