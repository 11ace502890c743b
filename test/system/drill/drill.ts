import { createClient } from '@clickhouse/client';
import { createRedis } from '../../../common/redis';
import { Pool } from 'pg';
import type { ScoreVisibility } from '../../helpers/reference-ranking';
import { runId as newRunId, type DrillStack } from './config';
import { Deployment } from './deployment';
import { scenarioBlock, table } from './report';
import { runScenario, type DrillContext, type Scenario, type ScenarioResult } from './scenario';
import { clickhouseOutage } from './scenarios/clickhouse-outage';
import { kafkaBrokerKill } from './scenarios/kafka-broker-kill';
import { kafkaOutage } from './scenarios/kafka-outage';
import { postgresOutage } from './scenarios/postgres-outage';
import { processorKill } from './scenarios/processor-kill';
import { processorLoss } from './scenarios/processor-loss';
import { pushKill } from './scenarios/push-kill';
import { redisPrimaryKill } from './scenarios/redis-primary-kill';
import { redisRestart } from './scenarios/redis-restart';
import { stackCommand } from './stack-control';

// Runs scenarios against one deployment of the pipeline (started once; scenarios use fresh
// quizzes, so each is judged on its own answers) and reports them.

export const SCENARIOS: Record<string, () => Scenario> = {
  'processor-kill': () => processorKill(10, [2_000, 6_000]),
  'processor-loss': () => processorLoss(15_000),
  kafka: () => kafkaOutage(20_000),
  redis: () => redisRestart(),
  postgres: () => postgresOutage(20_000),
  clickhouse: () => clickhouseOutage(60_000),
  push: () => pushKill(),
  smoke: () => processorKill(1, [2_000, 5_000]),
  // The cluster stack's (--cluster): one member of a replicated service killed.
  'kafka-broker': () => kafkaBrokerKill(),
  'redis-primary': () => redisPrimaryKill(),
};

/** Scenarios that need the cluster stack, and the ones a single-node stack cannot run. */
export const CLUSTER_SCENARIOS = ['kafka-broker', 'redis-primary'];

export interface DrillOptions {
  stack: DrillStack;
  scenarios: string[];
  /** Run our own ClickHouse sink (its consumer group is the run's own). */
  sink: boolean;
  /** How the quizzes show scores; default onClose, the product's default. */
  visibility?: ScoreVisibility;
  log?: (msg: string) => void;
  /** Whole-drill time budget: past it the tiers are stopped and the process exits non-zero. */
  budgetMs?: number;
  /** Delete the run's topics afterwards (the smoke drill on the shared stack). */
  removeTopics?: boolean;
  /** Leave the private stack running afterwards (for repeated runs); by default the drill stops what it started. */
  keepStack?: boolean;
}

export interface DrillOutcome {
  results: ScenarioResult[];
  table: string;
  ok: boolean;
  /** Every line the tiers wrote, for the security scan. */
  tierLogs: string[];
}

export async function runDrill(o: DrillOptions): Promise<DrillOutcome> {
  const log = o.log ?? ((m: string) => process.stdout.write(`[drill ${new Date().toISOString().slice(11, 19)}] ${m}\n`));
  const runId = newRunId();
  const privateStack = Object.keys(o.stack.stackEnv).length > 0;
  if (privateStack) {
    log('private stack: up (idempotent)');
    await stackCommand(o.stack, ['up']);
  }
  const deployment = new Deployment({ stack: o.stack, runId, processors: 2, pushes: 2, sink: o.sink });
  const redis = createRedis({ url: o.stack.redisUrl, clusterNodes: o.stack.cluster?.redisNodes ?? [] }, 'drill');
  redis.on('error', () => undefined); // restarts are the point of the drill; commands that fail are retried by the drain loop
  const pg = new Pool({ connectionString: `postgres://postgres@${o.stack.postgresHost}:${o.stack.postgresPort}/${o.stack.database}`, max: 3 });
  pg.on('error', (err) => log(`check pool: ${err.message}`));
  const ch = createClient({ url: o.stack.clickhouseUrl, database: o.stack.clickhouseDatabase, request_timeout: 10_000 });
  const ctx: DrillContext = { stack: o.stack, deployment, redis, pg, ch, runId, visibility: o.visibility ?? 'onClose', log };
  const results: ScenarioResult[] = [];
  // A drill that hangs (a service that never comes back) must still end, and leave no tier behind:
  // the tiers run in process groups of their own and would outlive us.
  const watchdog = o.budgetMs
    ? setTimeout(() => {
        log(`time budget of ${Math.round(o.budgetMs! / 1000)} s exhausted; stopping the tiers`);
        if (results.length > 0) process.stdout.write(`${table(results)}\n`);
        void deployment
          .stop()
          .finally(() => process.exit(3));
      }, o.budgetMs)
    : undefined;
  try {
    log(`starting the tiers (run ${runId}, topics ${deployment.topicPrefix}*)`);
    await deployment.start();
    for (const name of o.scenarios) {
      const make = SCENARIOS[name];
      if (!make) throw new Error(`unknown scenario "${name}" (${Object.keys(SCENARIOS).join(', ')})`);
      const sc = make();
      log(`scenario ${sc.name}: ${sc.summary}`);
      const r = await runScenario(ctx, sc);
      results.push(r);
      process.stdout.write(`${scenarioBlock(r)}\n`);
    }
  } finally {
    if (watchdog) clearTimeout(watchdog);
    await deployment.stop();
    if (o.removeTopics) await deployment.removeTopics().catch((err: unknown) => log(`could not delete the run's topics: ${(err as Error).message}`));
    redis.disconnect();
    await pg.end();
    await ch.close();
    if (privateStack && !o.keepStack) {
      // A second Kafka, registry and ClickHouse left idle would load the machine for whatever runs next.
      log('private stack: down (--keep-stack leaves it running)');
      await stackCommand(o.stack, ['down']).catch((err: unknown) => log(`could not stop the private stack: ${(err as Error).message}`));
    }
  }
  const t = table(results);
  return { results, table: t, ok: results.every((r) => r.failures.length === 0), tierLogs: deployment.all.flatMap((p) => p.lines()) };
}
