import type { ClickHouseClient } from '@clickhouse/client';
import type { ScoreVisibility } from '../../helpers/reference-ranking';
import type { RedisClient } from '../../../common/redis';
import type { Pool } from 'pg';
import { caughtUp, checkQuiz, readSinks, recoveryMs, worstStaleness, type QuizCheck } from './checks';
import type { DrillStack } from './config';
import { ADMIN_KEY, type Deployment } from './deployment';
import { quizTruth, readQuizEventsRetrying } from './ground-truth';
import { sleep } from './http-client';
import { LoadGenerator, type LoadStats } from './load-generator';
import { Viewer } from './viewers';

// One scenario: a fresh set of quizzes under steady load with viewers watching, one fault injected
// by the scenario, then the load stops, the pipeline drains, and everything is checked against
// the ground truth read back from Kafka.

export interface DrillContext {
  stack: DrillStack;
  deployment: Deployment;
  redis: RedisClient;
  pg: Pool;
  ch: ClickHouseClient;
  runId: string;
  /** How the scenario's quizzes show scores (drill --visibility). */
  visibility: ScoreVisibility;
  log: (msg: string) => void;
}

export interface RunningScenario {
  ctx: DrillContext;
  load: LoadGenerator;
  viewers: Viewer[];
}

export interface FaultOutcome {
  /** When the fault began; the 503 window counts from here (else from the scenario's first request). */
  faultAt?: number;
  /** Moments the fault ended (a service back, a process killed): recovery is measured from each. */
  recoveredFrom: number[];
  /** Extra time to recover the scenario measured itself (e.g. ClickHouse catching up). */
  extraRecoveryMs?: number;
  /** Invariant failures the scenario found on its own (e.g. no 503 + Retry-After during an outage). */
  failures: string[];
  notes: string[];
}

export interface Scenario {
  name: string;
  summary: string;
  quizzes: number;
  players: number;
  viewersPerQuiz: number;
  warmupMs: number;
  afterMs: number;
  inject(s: RunningScenario): Promise<FaultOutcome>;
}

export interface ScenarioResult {
  name: string;
  visibility: ScoreVisibility;
  accepted: number;
  lost: number;
  doubleCounts: number;
  recoveryMs: number | undefined;
  /** From the first 503 a client got (at or after the fault) to the last one; 0 without any. */
  unavailableMs: number;
  worstStalenessMs: number;
  wrongSnapshots: number;
  aheadLabelled: number;
  snapshotsSeen: number;
  backwards: number;
  failures: string[];
  notes: string[];
  stats: LoadStats;
  durationMs: number;
  transcript: string[];
}

let scenariosRun = 0;

export async function runScenario(ctx: DrillContext, sc: Scenario): Promise<ScenarioResult> {
  scenariosRun++;
  const started = Date.now();
  const d = ctx.deployment;
  const load = new LoadGenerator({
    ingestUrl: d.ingestUrl,
    adminKey: ADMIN_KEY,
    quizzes: sc.quizzes,
    players: sc.players,
    questions: 100, // the API maximum; at ~5 s a question that is over 8 minutes of load
    answerWindowMs: 5_000,
    scoreVisibility: ctx.visibility,
    idPrefix: `${sc.name.replace(/[^a-z]/g, '').slice(0, 8)}${scenariosRun}${ctx.runId}`,
  });
  await load.prepare();
  const viewers: Viewer[] = [];
  let n = 0;
  for (const plan of load.plans) {
    for (let i = 0; i < sc.viewersPerQuiz; i++) viewers.push(new Viewer(plan.quizId, () => d.livePushUrls(), n++));
  }
  for (const v of viewers) v.start();
  load.start();
  ctx.log(`${sc.name}: load running (${sc.quizzes} ${ctx.visibility} quizzes × ${sc.players} players, ${viewers.length} viewers)`);
  await sleep(sc.warmupMs);

  const failures: string[] = [];
  let fault: FaultOutcome = { recoveredFrom: [], failures: [], notes: [] };
  try {
    fault = await sc.inject({ ctx, load, viewers });
  } catch (err) {
    failures.push(`fault injection failed: ${(err as Error).message}`);
  }
  await sleep(sc.afterMs);
  ctx.log(`${sc.name}: stopping the load`);
  await load.stop();

  // Drain: wait until every sink and viewer has all of the accepted answers.
  const quizIds = new Set(load.plans.map((p) => p.quizId));
  const brokers = ctx.stack.kafkaBrokers.split(',');
  const drainDeadline = Date.now() + 120_000;
  let events = await readQuizEventsRetrying(brokers, ctx.stack.registryUrl, d.topicPrefix, quizIds);
  for (;;) {
    let all = true;
    for (const plan of load.plans) {
      const t = quizTruth(plan, events.get(plan.quizId) ?? []);
      const s = await readSinks(ctx.redis, ctx.pg, ctx.ch, plan.quizId).catch(() => undefined);
      if (!s || !caughtUp(s, t.final, viewers.filter((v) => v.quizId === plan.quizId))) all = false;
    }
    if (all || Date.now() > drainDeadline) break;
    await sleep(1_000);
    // Late writes (a 503 whose message still landed) may still arrive: re-read the truth now and then.
    events = await readQuizEventsRetrying(brokers, ctx.stack.registryUrl, d.topicPrefix, quizIds);
  }
  if (Date.now() > drainDeadline) failures.push('the pipeline did not drain within 120 s');
  // Let viewers receive the trailing snapshot before they are judged.
  await sleep(1_000);
  for (const v of viewers) await v.stop();

  const checks: QuizCheck[] = [];
  let staleness = 0;
  let recovery: number | undefined = fault.recoveredFrom.length > 0 ? 0 : undefined;
  // The worst of each fault's recoveries over every quiz, so a run with many faults shows which one was slow.
  const perFault: Array<number | undefined> = fault.recoveredFrom.map(() => 0);
  for (const plan of load.plans) {
    const list = events.get(plan.quizId) ?? [];
    const truth = quizTruth(plan, list);
    const kafkaIds = new Set(truth.answers.map((a) => a.value.answerId));
    const quizViewers = viewers.filter((v) => v.quizId === plan.quizId);
    const accepted = load.acceptedFor(plan.quizId);
    const s = await readSinks(ctx.redis, ctx.pg, ctx.ch, plan.quizId);
    checks.push(checkQuiz(truth, accepted, s, quizViewers, kafkaIds));
    staleness = Math.max(staleness, worstStaleness(accepted, quizViewers));
    fault.recoveredFrom.forEach((from, i) => {
      const r = recoveryMs(from, accepted, quizViewers);
      if (r === undefined) failures.push(`${plan.quizId}: viewers never caught up after the fault ended`);
      else if (recovery !== undefined) recovery = Math.max(recovery, r);
      perFault[i] = r === undefined || perFault[i] === undefined ? undefined : Math.max(perFault[i]!, r);
    });
  }
  if (fault.extraRecoveryMs !== undefined && recovery !== undefined) recovery = Math.max(recovery, fault.extraRecoveryMs);

  const lost = checks.reduce((x, c) => x + c.lost, 0);
  const doubleCounts = checks.reduce((x, c) => x + c.doubleCounts, 0);
  const wrong = checks.reduce((x, c) => x + c.wrongSnapshots, 0);
  const backwards = viewers.reduce((x, v) => x + v.backwards, 0);
  for (const c of checks) {
    if (c.lost > 0) failures.push(`${c.quizId}: ${c.lost} accepted answers lost (${c.lostBeforeKafka} not even in Kafka)`);
    for (const m of c.mismatches.slice(0, 5)) failures.push(`${c.quizId}: ${m}`);
  }
  if (doubleCounts > 0) failures.push(`${doubleCounts} double counts`);
  if (backwards > 0) failures.push(`viewers got ${backwards} snapshots not newer than one they had (invariant 5)`);
  if (load.stats.unexpected.length > 0) failures.push(`unexpected replies: ${load.stats.unexpected.slice(0, 3).join('; ')}`);
  failures.push(...fault.failures);
  const transcript = [...load.transcript, ...viewers.flatMap((v) => v.frames)];
  // A 503 before the fault (a slow first write while the quizzes are set up) is not the fault's.
  const refused = load.stats.unavailableAt.filter((t) => t >= (fault.faultAt ?? 0));
  return {
    name: sc.name,
    visibility: ctx.visibility,
    accepted: load.accepted.length,
    lost,
    doubleCounts,
    recoveryMs: recovery,
    unavailableMs: refused.length === 0 ? 0 : refused[refused.length - 1]! - refused[0]!,
    worstStalenessMs: staleness,
    wrongSnapshots: wrong,
    aheadLabelled: checks.reduce((x, c) => x + c.aheadLabelled, 0),
    snapshotsSeen: checks.reduce((x, c) => x + c.snapshotsSeen, 0),
    backwards,
    failures,
    notes: perFault.length > 1 ? [...fault.notes, `recovery per fault (s): ${perFault.map((r) => (r === undefined ? 'never' : (r / 1000).toFixed(1))).join(', ')}`] : fault.notes,
    stats: load.stats,
    durationMs: Date.now() - started,
    transcript,
  };
}
