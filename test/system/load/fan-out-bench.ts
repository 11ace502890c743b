import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { createKafka } from '../../../common/kafka';
import { createPgPool } from '../../../common/postgres';
import type { LeaderboardEntry, LeaderboardSnapshot } from '../../../common/messages/events';
import { EventCodec } from '../../../common/codec';
import { createdQuizIds } from './bench-cleanup';
import { benchConfig, benchLog } from './bench-env';
import { procUsage } from './children';
import { startLoadWorker, type LoadWorker } from './load-worker';
import { freePort, sleep } from './net';
import { ensureNchan, nchanAvailable, startNchan, type Nchan } from './nchan';
import type { SectionResult } from './results';
import type { BenchSettings } from './settings';
import { fmt, spread } from './stats';
import { startTier, type Tier, type TierLease, type TierPool } from './tiers';

// Section 3: how many SSE viewers of one quiz one push process serves at 2 snapshots/s with
// delivery p99 under 200 ms, and what each connection and each delivered message costs it; beside
// nginx + nchan fanning the same JSON out to the same number of EventSource-style clients.
// Viewer counts step up until p99 crosses the limit, a step fails, or the section's time is up.

const P99_LIMIT_MS = 200;

/** The commit a checkout is at, for the report; the checkout may be an export without .git. */
function gitHead(dir: string): string {
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch (err) {
    return `unknown: ${(err as Error).message.split('\n')[0]}`;
  }
}

/**
 * Push's per-client limits, raised for the bench: its load generators are a few addresses holding
 * thousands of streams each, and it measures memory rather than guarding it.
 */
export const PUSH_BENCH_ENV = {
  PUSH_MAX_CONNECTIONS: '1000000',
  PUSH_MAX_STREAMS_PER_ADDRESS: '1000000',
  PUSH_RATE_IP_MAX: '100000000',
  PUSH_MAX_RSS_BYTES: String(64 * 1024 ** 3),
};

/** Push streams only quizzes that exist: the section's quiz gets the Postgres row a create writes. */
async function createFanOutQuiz(): Promise<string> {
  const quizId = `fanout-${randomUUID()}`;
  const pg = createPgPool(benchConfig('').postgres, 1);
  try {
    await pg.query('INSERT INTO quizzes (id, title) VALUES ($1, $2)', [quizId, 'bench fan-out']);
  } finally {
    await pg.end();
  }
  createdQuizIds.push(quizId);
  return quizId;
}
// Below the 20,000 open-files hard limit of this machine, with room for the process's own files.
const PER_WORKER = 19_500;
// One stream in this many times each snapshot's arrival; the others only count events and bytes.
const SAMPLE_EVERY = 10;

interface StepResult {
  viewers: number;
  connected: number;
  p50: number;
  p99: number;
  deliveredRatio: number;
  /** Streams that missed at least one of the step's snapshots. */
  short: number;
  memPerConnKiB: number;
  cpuUsPerMsg: number;
  /** The server's CPU over the publishing window, % of one core. */
  cpuPercent: number;
  /** The load generators' CPU per delivered message, all processes together. */
  clientUsPerMsg: number;
  /** Push only: mean time from a snapshot's creation to the end of its broadcast (the server's part). */
  serverDelayMs: number;
  ok: boolean;
  /** Why the step failed, when it did. */
  broke?: string;
}

function entriesFor(n: number, round: number): LeaderboardEntry[] {
  return Array.from({ length: n }, (_, i) => ({ rank: i + 1, playerId: `player-${i + 1}`, displayName: `Player ${i + 1}`, score: (n - i) * 1000 + round }));
}

/** The v1 wire JSON push writes for a snapshot (same field order), which nchan is given verbatim. */
function wireJson(s: Omit<LeaderboardSnapshot, 'createdAt'>): string {
  return JSON.stringify({ quizId: s.quizId, seq: s.seq, players: s.players, answers: s.answers, openQuestions: [], entries: s.entries });
}

interface Target {
  name: string;
  quizId: string;
  url: string;
  pid(): number;
  publish(s: Omit<LeaderboardSnapshot, 'createdAt'>): Promise<void>;
  /**
   * Push only: its own histogram of snapshot createdAt → broadcast written (sum in seconds, count),
   * which splits delivery time into before the server is done writing and after (the clients).
   */
  broadcastDelay?(): Promise<{ sum: number; count: number }>;
}

/** Sum and count of a histogram in a Prometheus text exposition. */
async function histogramTotals(metricsUrl: string, name: string): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const value = (suffix: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name}_${suffix}`));
    return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  return { sum: value('sum'), count: value('count') };
}

interface WorkerReport {
  hist: Record<string, number>;
  sampledDeliveries: number;
  delivered: number;
  short: number;
  streams: number;
  open: number;
}

const cpuOf = (pids: number[]) => pids.reduce((a, pid) => a + procUsage(pid).cpuMs, 0);

/**
 * One step of a ladder: tops every worker up to its share of `viewers` (streams of earlier steps
 * stay open), then publishes and measures. `source` is the third octet of the workers' source
 * addresses (127.0.<source>.<10 + worker>): a fresh one per ladder, so the previous ladder's
 * sockets in TIME_WAIT never use up a source address's ports.
 */
async function runStep(target: Target, workers: LoadWorker[], viewers: number, held: number[], source: number, s: BenchSettings, seqStart: { v: number }): Promise<StepResult> {
  const f = s.fanOut;
  const url = new URL(target.url);
  const before = procUsage(target.pid());
  const shares = workers.map((_, i) => Math.floor(viewers / workers.length) + (i < viewers % workers.length ? 1 : 0));
  const added = await Promise.all(
    workers.map((w, i) =>
      w.request<{ ok: number; failed: number }>(
        {
          type: 'connect',
          host: url.hostname,
          port: Number(url.port),
          path: `${url.pathname}${url.search}`,
          count: Math.max(0, shares[i]! - held[i]!),
          localAddress: `127.0.${source}.${10 + i}`,
          width: 100,
          deadlineMs: f.stepDeadlineMs,
          sampleEvery: SAMPLE_EVERY,
        },
        'connected',
        f.stepDeadlineMs + 20_000,
      ),
    ),
  );
  added.forEach((a, i) => (held[i]! += a.ok));
  const newConns = added.reduce((a, c) => a + c.ok, 0);
  await sleep(1_000);
  const afterConnect = procUsage(target.pid());
  await Promise.all(workers.map((w) => w.request({ type: 'mark' }, 'marked', 10_000)));
  const delayBefore = await target.broadcastDelay?.();
  const clientPids = workers.map((w) => w.child.pid);
  const clientBefore = cpuOf(clientPids);
  const publishedAt: Record<string, number> = {};
  const count = Math.max(1, Math.round(f.snapshotsPerS * f.measureS));
  const interval = 1000 / f.snapshotsPerS;
  const t0 = Date.now();
  for (let k = 0; k < count; k++) {
    const wait = t0 + k * interval - Date.now();
    if (wait > 0) await sleep(wait);
    const seq = ++seqStart.v;
    publishedAt[String(seq)] = Date.now();
    await target.publish({ quizId: target.quizId, seq, players: 100_000, answers: seq * 10, entries: entriesFor(f.entries, seq) });
  }
  // The last snapshot's deliveries: counted as soon as every stream has every snapshot, or after a
  // few seconds more (late ones then show in p99, missing ones in "delivered").
  await sleep(1_000);
  const expected = viewers * count;
  let reports: WorkerReport[] = [];
  for (let wait = 0; wait < 5; wait++) {
    reports = await Promise.all(workers.map((w) => w.request<WorkerReport>({ type: 'report', publishedAt }, 'report', 30_000)));
    if (reports.reduce((a, r) => a + r.delivered, 0) >= expected) break;
    await sleep(1_000);
  }
  const windowMs = Date.now() - t0;
  const afterRun = procUsage(target.pid());
  const clientMs = cpuOf(clientPids) - clientBefore;
  const delayAfter = await target.broadcastDelay?.();
  const serverDelayMs =
    delayBefore && delayAfter && delayAfter.count > delayBefore.count ? ((delayAfter.sum - delayBefore.sum) / (delayAfter.count - delayBefore.count)) * 1000 : NaN;

  const merged = new Map<number, number>();
  let delivered = 0;
  let sampled = 0;
  let short = 0;
  let open = 0;
  for (const r of reports) {
    delivered += r.delivered;
    sampled += r.sampledDeliveries;
    short += r.short;
    open += r.open;
    for (const [ms, n] of Object.entries(r.hist)) merged.set(Number(ms), (merged.get(Number(ms)) ?? 0) + n);
  }
  const pct = (p: number) => {
    const want = Math.ceil((p / 100) * sampled);
    let seen = 0;
    for (const ms of [...merged.keys()].sort((a, b) => a - b)) {
      seen += merged.get(ms)!;
      if (seen >= want) return ms;
    }
    return NaN;
  };
  const p99 = sampled > 0 ? pct(99) : NaN;
  const deliveredRatio = expected > 0 ? delivered / expected : 0;
  const cpuMs = afterRun.cpuMs - afterConnect.cpuMs;
  const reasons = [
    open < viewers ? `${viewers - open} of ${viewers} streams not open` : '',
    short > 0 ? `${short} streams missed snapshots (${(deliveredRatio * 100).toFixed(2)}% delivered)` : '',
    !(p99 < P99_LIMIT_MS) ? `p99 ${fmt(p99)} ms` : '',
  ].filter(Boolean);
  return {
    viewers,
    connected: open,
    p50: sampled > 0 ? pct(50) : NaN,
    p99,
    deliveredRatio,
    short,
    memPerConnKiB: newConns > 0 ? (afterConnect.rssBytes - before.rssBytes) / newConns / 1024 : NaN,
    cpuUsPerMsg: delivered > 0 ? (cpuMs * 1000) / delivered : NaN,
    cpuPercent: (cpuMs / windowMs) * 100,
    clientUsPerMsg: delivered > 0 ? (clientMs * 1000) / delivered : NaN,
    serverDelayMs,
    ok: reasons.length === 0,
    ...(reasons.length > 0 ? { broke: reasons.join('; ') } : {}),
  };
}

export async function runFanOutBench(s: BenchSettings, topicPrefix: string, env: Record<string, string>, progress: (m: string) => void, openFilesLimit: number, pool: TierPool): Promise<SectionResult> {
  const f = s.fanOut;
  const steps = f.steps.filter((v) => v <= openFilesLimit - 500);
  const skipped = f.steps.filter((v) => v > openFilesLimit - 500);
  const workers: LoadWorker[] = [];
  let push: TierLease | undefined;
  let other: Tier | undefined;
  let nchan: Nchan | undefined;
  let producer: Producer | undefined;
  const notes: string[] = [];
  try {
    const needed = Math.max(1, f.workers, Math.ceil(Math.max(...steps) / PER_WORKER));
    for (let i = 0; i < needed; i++) workers.push(startLoadWorker(`sse-load-${i}`, 'test/system/load/sse-load-worker.ts'));
    await Promise.all(workers.map((w) => w.request(null, 'ready', 30_000)));

    // --fan-cpu-prof: push writes a V8 CPU profile there when it stops (at the end of the section).
    const profile: Record<string, string> = f.cpuProfDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${f.cpuProfDir}` } : {};
    const pushMetricsPort = await freePort();
    push = await pool.acquire('push', { ...env, ...PUSH_BENCH_ENV, ...profile, PUSH_METRICS_PORT: String(pushMetricsPort) });
    const quizId = await createFanOutQuiz();
    const config = benchConfig(topicPrefix);
    const codec = new EventCodec(config.registry.url, topicPrefix);
    producer = createKafka(config.kafka, benchLog, '-bench-fanout').producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const prod = producer;
    const pushTier = push.tier;
    const targets: Target[] = [
      {
        name: 'quizstream push',
        quizId,
        url: `${pushTier.url}/v1/quizzes/${quizId}/leaderboard/stream`,
        pid: () => pushTier.child.pid,
        // A shared smoke-run push has its metrics port elsewhere: then no figure.
        broadcastDelay: push.shared ? undefined : () => histogramTotals(`http://127.0.0.1:${pushMetricsPort}`, 'push_snapshot_publish_to_write_seconds'),
        publish: async (snap) => {
          const value = await codec.encode(codec.topics.snapshots, 'LeaderboardSnapshot', { ...snap, createdAt: Date.now() });
          await prod.send({ topic: codec.topics.snapshots, messages: [{ key: snap.quizId, value }] });
        },
      },
    ];
    // --fan-compare-dir: the same push from another checkout (the code before a change), measured
    // in this run beside this one, on the same quiz and topics.
    if (f.compareDir) {
      other = await startTier('push', { ...env, ...PUSH_BENCH_ENV }, undefined, 60_000, f.compareDir);
      const o = other;
      targets.push({ ...targets[0]!, name: `push from ${f.compareDir}`, url: `${o.url}/v1/quizzes/${quizId}/leaderboard/stream`, pid: () => o.child.pid });
      notes.push(`"push from ${f.compareDir}": push as that checkout has it (git ${gitHead(f.compareDir)}), the same settings.`);
    }
    // The full run installs the peer when it is missing; the smoke run (inside npm test) measures
    // it when present and says so when not.
    if (s.mode === 'full' && !f.noPeer) await ensureNchan(progress);
    if (f.noPeer) {
      notes.push('Peer left out (--fan-no-peer): only push was measured.');
    } else if (nchanAvailable()) {
      nchan = await startNchan(openFilesLimit);
      const n = nchan;
      targets.push({
        name: 'nginx + nchan',
        quizId,
        url: n.subscribeUrl(quizId),
        pid: () => n.workerPid(),
        publish: async (snap) => {
          const res = await fetch(n.publishUrl(quizId), { method: 'POST', body: wireJson(snap), headers: { 'content-type': 'application/json' } });
          await res.arrayBuffer();
        },
      });
      notes.push(`Peer: ${n.version}; one worker process, worker_connections and worker_rlimit_nofile ${openFilesLimit}, channel buffer 4 messages, subscribers start at the newest message.`);
    } else {
      notes.push('Peer missing (smoke run): nginx with the nchan module is not installed, and only a full run installs it (apt-get install nginx-light libnginx-mod-nchan); only push was measured.');
    }

    const perTarget = new Map<string, StepResult[][]>(targets.map((t) => [t.name, []]));
    const seq = { v: Date.now() }; // ever-growing seqs, so push never treats one as a replay
    const sectionDeadline = Date.now() + f.sectionBudgetMs;
    let repsDone = 0;
    // Warm-up (not counted): the schema id lookup, kafkajs and nchan channel creation, JIT.
    for (const t of targets) {
      for (let k = 0; k < 3; k++) await t.publish({ quizId: t.quizId, seq: ++seq.v, players: 1, answers: 1, entries: entriesFor(f.entries, 0) });
    }
    await sleep(500);
    let ladders = 0;
    for (let rep = 0; rep < s.reps && Date.now() < sectionDeadline; rep++) {
      for (const t of targets) {
        const ladder: StepResult[] = [];
        // Streams stay open from one step to the next; the ladder's end closes them all.
        const held = workers.map(() => 0);
        const source = 1 + (ladders++ % 250);
        for (const v of steps) {
          if (Date.now() > sectionDeadline) {
            notes.push(`run ${rep + 1} ${t.name}: section time budget (${f.sectionBudgetMs / 1000} s) reached before ${v} viewers.`);
            break;
          }
          const r = await runStep(t, workers, v, held, source, s, seq);
          ladder.push(r);
          progress(
            `fan-out: run ${rep + 1}/${s.reps} ${t.name} ${v} viewers: open ${r.connected}, p99 ${fmt(r.p99)} ms, delivered ${(r.deliveredRatio * 100).toFixed(2)}%, ${fmt(r.memPerConnKiB)} KiB/conn, ${fmt(r.cpuUsPerMsg)} µs CPU/msg (${fmt(r.cpuPercent)}% of a core), generator ${fmt(r.clientUsPerMsg)} µs/msg, server done writing ${fmt(r.serverDelayMs)} ms after creation${r.broke ? `; broke: ${r.broke}` : ''}`,
          );
          if (!r.ok && f.stopOnFail) break;
        }
        await Promise.all(workers.map((w) => w.request({ type: 'close' }, 'closed', 30_000)));
        await sleep(1_000);
        const broke = ladder.find((r) => !r.ok);
        notes.push(
          broke
            ? `run ${rep + 1} ${t.name}: broke at ${broke.viewers} viewers (${broke.broke}; server at ${fmt(broke.cpuPercent)}% of a core over the publishing window).`
            : `run ${rep + 1} ${t.name}: held every step up to ${ladder.at(-1)?.viewers ?? 0} viewers.`,
        );
        perTarget.get(t.name)!.push(ladder);
      }
      repsDone++;
    }

    // Per run: the largest step that met the limit, and its costs there (the first step's when none
    // did, so the costs are still reported; the viewer figure then says 0).
    const atMax = (ladder: StepResult[]) => [...ladder].reverse().find((r) => r.ok) ?? ladder[0];
    const fig = (pick: (r: StepResult | undefined) => number) => targets.map((t) => perTarget.get(t.name)!.map((l) => pick(atMax(l))));
    const [maxV, p99, mem, cpu, client] = [
      fig((r) => (r?.ok ? r.viewers : 0)),
      fig((r) => r?.p99 ?? NaN),
      fig((r) => r?.memPerConnKiB ?? NaN),
      fig((r) => r?.cpuUsPerMsg ?? NaN),
      fig((r) => r?.clientUsPerMsg ?? NaN),
    ];
    // The reference column is nchan when it ran, else the comparison checkout's push.
    const refIndex = nchan ? targets.length - 1 : 1;
    const peer = targets[refIndex]?.name;
    const withPeer = (name: string, unit: string, v: number[][]) => ({ name, unit, ours: v[0]!, ...(peer ? { reference: v[refIndex]!, referenceName: peer } : {}) });

    // Per-step table (median over runs) for both systems.
    const rows: string[] = [
      '| viewers | system | runs | open | delivered | p50 ms | p99 ms | server done writing, mean ms | KiB/conn | server µs CPU/msg | server % of a core | generator µs CPU/msg |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ];
    const series = targets.map((t) => ({ name: t.name, points: [] as Array<{ x: number; y: number }> }));
    targets.forEach((t, ti) => {
      for (const v of steps) {
        const hits = perTarget.get(t.name)!.flatMap((l) => l.filter((r) => r.viewers === v));
        if (hits.length === 0) continue;
        const m = (k: keyof StepResult) => spread(hits.map((h) => Number(h[k]))).median;
        rows.push(
          `| ${v} | ${t.name} | ${hits.length} | ${fmt(m('connected'))} | ${(m('deliveredRatio') * 100).toFixed(2)}% | ${fmt(m('p50'))} | ${fmt(m('p99'))} | ${fmt(m('serverDelayMs'))} | ${fmt(m('memPerConnKiB'))} | ${fmt(m('cpuUsPerMsg'))} | ${fmt(m('cpuPercent'))} | ${fmt(m('clientUsPerMsg'))} |`,
        );
        series[ti]!.points.push({ x: v, y: m('p99') });
      }
    });

    return {
      id: 'fan-out',
      title: '3. Fan-out: SSE viewers of one quiz at 2 snapshots/s',
      figures: [
        withPeer(`Most viewers with delivery p99 < ${P99_LIMIT_MS} ms`, 'viewers', maxV),
        withPeer('Delivery p99 at that count (first step if none passed)', 'ms', p99),
        withPeer('Memory per connection at that count', 'KiB', mem),
        withPeer('CPU per delivered message at that count', 'µs', cpu),
        withPeer('Load generators\' CPU per delivered message at that count', 'µs', client),
      ],
      notes: [
        `One push process (per-process and per-address limits raised: ${Object.entries(PUSH_BENCH_ENV).map(([k, v]) => `${k}=${v}`).join(', ')}) on one quiz; snapshots of ${f.entries} entries (about ${wireJson({ quizId, seq: 1, players: 1, answers: 1, entries: entriesFor(f.entries, 1) }).length} bytes of JSON) published straight to quiz.snapshots as the processor would, ${f.snapshotsPerS}/s for ${f.measureS} s per step; nchan gets the same JSON by HTTP POST.`,
        `Delivery time = arrival of a snapshot's seq at a sampled stream − publish call (same clock), over one stream in ${SAMPLE_EVERY}; delivered = snapshot events (id lines) counted at every stream; memory = growth of the server's RSS while a step's new viewers connected / those viewers; CPU = the server process's user+system time during the step's window (publishing, then waiting for the last deliveries) / messages delivered (the same for the load generators, all processes together), and % of a core = that time / the window; server done writing (push only) = push's own push_snapshot_publish_to_write_seconds, from the snapshot's createdAt to the end of its broadcast, mean over the step: Kafka's trip and the broadcast, before the clients' part.`,
        `Clients: ${workers.length} load-generator processes over raw TCP, each with its own source address (127.0.<ladder>.<10 + worker>, a fresh one per ladder so sockets in TIME_WAIT never exhaust a source's ports) and at most ${PER_WORKER} streams; streams stay open from one step to the next. A step passes when every viewer's stream is open, every stream got every snapshot, and p99 < ${P99_LIMIT_MS} ms; the ladder stops at the first failing step.`,
        `Open files: this container's hard limit is ${openFilesLimit} (ulimit -n cannot go higher without CAP_SYS_RESOURCE), which caps one server process and one generator process near that many sockets${skipped.length ? `; steps ${skipped.join(', ')} were skipped for that reason, so the 50,000-viewer target cannot be tried here` : ''}.`,
        `Steps: ${steps.join(', ')}; ${repsDone} run(s) completed within the ${f.sectionBudgetMs / 1000} s section budget.`,
        ...notes,
      ],
      charts: [
        {
          kind: 'line',
          file: 'fan-out-p99.svg',
          title: 'Fan-out: delivery p99 by concurrent viewers (median over runs)',
          xLabel: 'viewers',
          yLabel: 'p99 ms',
          series,
          threshold: { y: P99_LIMIT_MS, label: `${P99_LIMIT_MS} ms` },
        },
      ],
      extra: rows.join('\n'),
    };
  } finally {
    await producer?.disconnect();
    await Promise.all([...workers.map((w) => w.child.stop()), push?.release(), other?.child.stop(), nchan?.master.stop('SIGQUIT')]);
  }
}
