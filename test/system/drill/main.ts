import type { ScoreVisibility } from '../../helpers/reference-ranking';
import { privateClusterStack, privateStack, sharedStack } from './config';
import { CLUSTER_SCENARIOS, runDrill, SCENARIOS } from './drill';
import { killAllTiers } from './tiers';

// Whatever ends this process (an error, Ctrl-C), the tiers it started go with it.
process.on('exit', killAllTiers);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

// `npm run drill` runs every scenario on the private stack; `--scenario NAME` one of them,
// `--smoke` the short one (one processor kill). `--visibility onClose|live` picks how the drill's
// quizzes show scores (default onClose). `--shared-stack` runs against the default stack, allowed
// for the smoke only (it kills nothing but its own processor child). The private stack is stopped
// at the end unless `--keep-stack`. `--cluster` runs on the private stack in cluster mode (three
// Kafka nodes, a Redis Cluster; infra/stack-cluster.sh) and by default its two scenarios, which kill
// one Kafka broker and one Redis primary.

const FULL = ['processor-kill', 'processor-loss', 'kafka', 'redis', 'postgres', 'clickhouse', 'push'];

function parseVisibility(value: string | undefined): ScoreVisibility {
  if (value === 'onClose' || value === 'live') return value;
  throw new Error(`--visibility takes onClose or live, not ${JSON.stringify(value ?? '')}`);
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const scenarios: string[] = [];
  let shared = false;
  let keepStack = false;
  let cluster = false;
  let visibility: ScoreVisibility = 'onClose';
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--smoke') scenarios.push('smoke');
    else if (a === '--scenario') scenarios.push(args[++i] ?? '');
    else if (a.startsWith('--scenario=')) scenarios.push(a.slice('--scenario='.length));
    else if (a === '--shared-stack') shared = true;
    else if (a === '--keep-stack') keepStack = true;
    else if (a === '--cluster') cluster = true;
    else if (a === '--visibility' || a.startsWith('--visibility=')) visibility = parseVisibility(a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[++i]);
    else if (a === '--help' || a === '-h') {
      process.stdout.write(`usage: npm run drill [-- --scenario <${Object.keys(SCENARIOS).join('|')}>]... [--smoke] [--visibility onClose|live] [--shared-stack] [--keep-stack] [--cluster]\n`);
      return 0;
    } else throw new Error(`unknown argument ${a}`);
  }
  const list = scenarios.length > 0 ? scenarios : cluster ? CLUSTER_SCENARIOS : FULL;
  for (const s of list) if (!SCENARIOS[s]) throw new Error(`unknown scenario "${s}" (${Object.keys(SCENARIOS).join(', ')})`);
  if (shared && list.some((s) => s !== 'smoke')) throw new Error('--shared-stack is for --smoke only: other scenarios stop services');
  if (shared && cluster) throw new Error('--cluster runs on a private stack of its own; drop --shared-stack');
  if (!cluster && list.some((s) => CLUSTER_SCENARIOS.includes(s))) throw new Error(`${CLUSTER_SCENARIOS.join(' and ')} need the cluster stack: add --cluster`);
  const started = Date.now();
  const budgetMs = Number(process.env.DRILL_BUDGET_MS ?? 15 * 60_000);
  const outcome = await runDrill({ stack: shared ? sharedStack() : cluster ? privateClusterStack() : privateStack(), scenarios: list, sink: true, visibility, budgetMs, keepStack });
  process.stdout.write(`\n${outcome.table}\n\ndrill ${outcome.ok ? 'PASSED' : 'FAILED'} in ${Math.round((Date.now() - started) / 1000)} s\n`);
  return outcome.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`drill: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(2);
  },
);
