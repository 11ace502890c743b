// `npm run bench [-- --smoke] [--only=ingest,e2e,fan-out,scoring,scale,burst] [--reps=N] [--fan-steps=1000,5000] [--fan-no-stop]
// [--fan-cpu-prof=dir] (push's --cpu-prof during the fan-out section) [--fan-no-peer] (push only, for profiling)
// [--fan-compare-dir=<checkout>] (also that checkout's push, e.g. before a change, in the same run)
// [--cpu-prof=dir] (every tier started) [--before=<git ref>] (also ingest at that commit, in the ingest section)
// [--out=dir]` (INGEST_PROCESSES=N in its environment: ingest as N processes, the bare server too): starts what it needs,
// measures each section beside its reference, and writes artifacts/bench/<timestamp>/report.md
// with SVG charts. A benchmark, not a test: a section that fails is reported, never fatal.
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { deleteBenchQuizzes } from './bench-cleanup';
import { commandVersion, createPrefixTopics, deletePrefixTopics, machineFacts, migrate, stackUp } from './bench-env';
import { ROOT, installExitHandlers, profileTiersInto, stopAll } from './children';
import { checkOutBefore, type BeforeCheckout } from './before-checkout';
import { runBurstBench } from './burst-bench';
import { runE2eBench } from './e2e-bench';
import { PUSH_BENCH_ENV, runFanOutBench } from './fan-out-bench';
import { ingestProcesses, runIngestBench, INGEST_BENCH_ENV } from './ingest-bench';
import { runLeaderboardScaleBench } from './leaderboard-scale-bench';
import { writeReport } from './report';
import type { SectionResult } from './results';
import { runScoringBench } from './scoring-bench';
import { FULL, SMOKE } from './settings';
import { TierPool } from './tiers';
import { PROCESSOR_DEFAULTS } from '../../../processors/options';

const started = Date.now();
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
function progress(msg: string): void {
  process.stdout.write(`[bench ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);
}

// Topic prefixes this run created, deleted on every way out (normal end, failure, Ctrl-C).
const prefixes: string[] = [];
let beforeCheckout: BeforeCheckout | undefined;
async function cleanup(): Promise<void> {
  await stopAll();
  await beforeCheckout?.remove().catch((err: Error) => progress(`could not remove the --before checkout: ${err.message}`));
  await deletePrefixTopics(prefixes).catch((err: Error) => progress(`could not delete topics: ${err.message}`));
  await deleteBenchQuizzes().catch((err: Error) => progress(`could not delete bench quizzes: ${err.message}`));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  // Copies, so the overrides below (for trying one section at a smaller size) never leak.
  const settings = structuredClone(args.includes('--smoke') ? SMOKE : FULL);
  const reps = args.find((a) => a.startsWith('--reps='));
  if (reps) settings.reps = Math.max(1, Number(reps.slice('--reps='.length)) || 1);
  const fanSteps = args.find((a) => a.startsWith('--fan-steps='));
  if (args.includes('--fan-no-stop')) settings.fanOut.stopOnFail = false;
  if (args.includes('--fan-no-peer')) settings.fanOut.noPeer = true;
  const fanCompare = args.find((a) => a.startsWith('--fan-compare-dir='));
  if (fanCompare) settings.fanOut.compareDir = fanCompare.slice('--fan-compare-dir='.length);
  const fanProf = args.find((a) => a.startsWith('--fan-cpu-prof='));
  if (fanProf) settings.fanOut.cpuProfDir = fanProf.slice('--fan-cpu-prof='.length);
  if (fanSteps) settings.fanOut.steps = fanSteps.slice('--fan-steps='.length).split(',').map(Number).filter((n) => n > 0);
  const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
  const outArg = args.find((a) => a.startsWith('--out='))?.slice('--out='.length);
  const profileDir = args.find((a) => a.startsWith('--cpu-prof='))?.slice('--cpu-prof='.length);
  if (profileDir) profileTiersInto(resolve(profileDir));
  const beforeRef = args.find((a) => a.startsWith('--before='))?.slice('--before='.length);
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const dir = outArg ?? join(ROOT, 'artifacts', 'bench', stamp);
  // Own topics for this run: nothing else reads them, and they are deleted at the end.
  const runPrefix = `bench${randomUUID().slice(0, 6)}.`;
  installExitHandlers(cleanup);
  if (beforeRef) {
    beforeCheckout = await checkOutBefore(beforeRef);
    progress(`--before=${beforeRef}: ${beforeCheckout.commit} checked out in ${beforeCheckout.root}`);
  }

  progress(`mode ${settings.mode}, ${settings.reps} run(s) per figure; report in ${dir}`);
  progress('stack: bash infra/stack.sh up');
  await stackUp();
  const sectionPrefix = (name: string) => `${runPrefix}${name}.`;
  const ingestPrefix = sectionPrefix('main');
  prefixes.push(runPrefix);
  if (settings.mode === 'full') {
    progress(`migrate: TOPIC_PREFIX=${ingestPrefix} npx tsx infra/migrate.ts up`);
    await migrate(ingestPrefix);
  } else {
    // Smoke runs inside npm test, which has just migrated Postgres and ClickHouse: topics suffice.
    progress(`topics and schemas for ${ingestPrefix}`);
    await createPrefixTopics(ingestPrefix, 12);
  }
  const machinePromise = machineFacts();
  // Full runs give each section clean topics (a processor must not start on the ingest section's
  // backlog); the smoke run shares one set, its backlog is tiny and creating topics takes seconds.
  const e2ePrefix = settings.mode === 'full' ? sectionPrefix('e2e') : ingestPrefix;
  const fanPrefix = settings.mode === 'full' ? sectionPrefix('fan') : ingestPrefix;
  const burstPrefix = settings.mode === 'full' ? sectionPrefix('burst') : ingestPrefix;
  if (settings.mode === 'full') {
    await createPrefixTopics(e2ePrefix, 12);
    await createPrefixTopics(fanPrefix, 12);
    await createPrefixTopics(burstPrefix, 12);
  }
  const tierEnv = (prefix: string) => ({ TOPIC_PREFIX: prefix, PROCESSOR_GROUP_ID: `${prefix}processors`, SINK_GROUP_ID: `${prefix}sink` });

  const pool = new TierPool(settings.mode === 'smoke', { ...tierEnv(ingestPrefix), ...INGEST_BENCH_ENV, ...PUSH_BENCH_ENV });
  if (pool.sharing) {
    progress('smoke: starting one shared ingest, processor, sink and push');
    await pool.prestart(['ingest', 'processor', 'sink', 'push']);
  }
  const machine = await machinePromise;
  const openFiles = Number(machine.openFilesLimit) || 1024;
  const sections: SectionResult[] = [];
  const guard = async (id: string, title: string, fn: () => Promise<SectionResult>) => {
    if (only && !only.includes(id)) return;
    progress(`${id}: start`);
    try {
      sections.push(await fn());
    } catch (err) {
      progress(`${id}: failed: ${(err as Error).message.split('\n')[0]}`);
      sections.push({ id, title, figures: [], notes: [], charts: [], error: (err as Error).stack ?? String(err) });
    }
    // A section's children must not eat the next section's CPU (the smoke run's shared tiers stay).
    await stopAll(await pool.keep());
  };
  await guard('ingest', '1. Ingest: POST answers', () => runIngestBench(settings, tierEnv(ingestPrefix), progress, pool, beforeCheckout));
  await guard('e2e', '2. End to end', () => runE2eBench(settings, tierEnv(e2ePrefix), progress, pool));
  await guard('fan-out', '3. Fan-out', () => runFanOutBench(settings, fanPrefix, tierEnv(fanPrefix), progress, openFiles, pool));
  await guard('scoring', '4. Scoring', () => runScoringBench(settings, runPrefix, progress, prefixes));
  await guard('scale', '5. One quiz, many players', () => runLeaderboardScaleBench(settings, tierEnv(ingestPrefix), progress, pool));
  await guard('burst', '6. Burst: every player of several quizzes answers at once', () => runBurstBench(settings, tierEnv(burstPrefix), progress, pool));

  const versions: Record<string, string> = {
    'redis-benchmark': await commandVersion('redis-benchmark', ['--version']),
    autocannon: (JSON.parse(readFileSync(join(ROOT, 'node_modules', 'autocannon', 'package.json'), 'utf8')) as { version: string }).version,
    nginx: await commandVersion('/usr/sbin/nginx', ['-v']),
  };
  const file = writeReport({
    dir,
    startedAt,
    durationS: (Date.now() - started) / 1000,
    settings,
    machine,
    versions,
    globalSettings: [
      `Rate limits raised for the bench: ${Object.entries({ ...INGEST_BENCH_ENV, ...PUSH_BENCH_ENV }).map(([k, v]) => `${k}=${v}`).join(', ')}.`,
      `Topics: own prefix per run (${runPrefix}*), 12 partitions; SNAPSHOT_THROTTLE_MS=${process.env.SNAPSHOT_THROTTLE_MS ?? '500 (default)'}, SNAPSHOT_TOP_N=${process.env.SNAPSHOT_TOP_N ?? '100 (default)'}, BATCH_MAX_MESSAGES=${process.env.BATCH_MAX_MESSAGES ?? `${PROCESSOR_DEFAULTS.BATCH_MAX_MESSAGES} (default)`}, BATCH_MAX_WAIT_MS=${process.env.BATCH_MAX_WAIT_MS ?? `${PROCESSOR_DEFAULTS.BATCH_MAX_WAIT_MS} (default)`}; LOG_LEVEL=warn for every tier.`,
      `Tiers run as \`node --import tsx <entry>\` (TypeScript compiled on load, no build step), one process each${ingestProcesses() > 1 ? `, but ingest: INGEST_PROCESSES=${ingestProcesses()} (a supervisor and ${ingestProcesses()} processes on one port) in every section` : ''}.`,
      `Load generators raise their open-files limit with \`ulimit -n\` (up to the hard limit ${machine.openFilesLimit}).`,
      `Sizes: ${JSON.stringify({ ingest: settings.ingest, e2e: settings.e2e, fanOut: settings.fanOut, scoring: settings.scoring, scale: settings.scale, burst: settings.burst })}`,
    ],
    sections,
  });
  progress(`report: ${file}`);
  await cleanup();
}

main()
  .then(() => process.exit(0))
  .catch(async (err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    await cleanup();
    process.exit(1);
  });
