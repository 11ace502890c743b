import autocannon from 'autocannon';
import { nodeCommand, startChild, treeCpuMs } from './children';
import { waitHttpOk, waitListeners } from './net';
import { AnswerPairs, setUpQuiz, type BenchQuiz } from './quiz-driver';
import type { Figure, SectionResult } from './results';
import type { BenchSettings } from './settings';
import { spread } from './stats';
import { freePort } from './net';
import { startTier, type TierPool } from './tiers';
import type { BeforeCheckout } from './before-checkout';
import { createRedis, type RedisClient } from '../../../common/redis';
import { benchConfig } from './bench-env';

// Section 1: answers accepted per second and latency at a fixed offered rate and at saturation,
// beside a bare node:http server on the same port answering the same request. Ingest and the bare
// server take turns on one port within each repetition, so both see the same machine state.

/**
 * INGEST_PROCESSES in the bench's environment runs ingest as that many processes (every section
 * that starts one), and the bare server as as many: the ratio stays one of like with like.
 */
export function ingestProcesses(): number {
  return Math.max(1, Number(process.env.INGEST_PROCESSES ?? 1) || 1);
}

export const INGEST_BENCH_ENV = {
  // The defaults (20/s per player, 2000/s per address) would cap a single-address load generator.
  INGEST_RATE_PLAYER_MAX: '1000000',
  INGEST_RATE_IP_MAX: '100000000',
};

interface LoadResult {
  acceptedPerS: number;
  p50: number;
  p99: number;
  non202: number;
}

async function drive(url: string, path: string, pairs: AnswerPairs, quiz: BenchQuiz, o: { connections: number; durationS: number; rate?: number; amount?: number }): Promise<LoadResult> {
  let wrap = 0;
  const result = await autocannon({
    url,
    connections: o.connections,
    ...(o.amount ? { amount: o.amount } : { duration: o.durationS }),
    ...(o.rate ? { overallRate: o.rate } : {}),
    requests: [
      {
        method: 'POST',
        path,
        setupRequest: (req) => {
          // Past the quiz's distinct pairs we start over: ingest answers 409, which is not counted.
          let pair = pairs.take();
          if (!pair) {
            const n = quiz.players.length;
            pair = { player: quiz.players[wrap % n]!, questionId: quiz.questionIds[Math.floor(wrap / n) % quiz.questionIds.length]! };
            wrap++;
          }
          return {
            ...req,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${pair.player.token}` },
            body: JSON.stringify({ questionId: pair.questionId, choiceId: 'a' }),
          };
        },
      },
    ],
  });
  const accepted = result.statusCodeStats?.['202']?.count ?? 0;
  return {
    acceptedPerS: accepted / o.durationS,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non202: result.requests.total - accepted,
  };
}

/** Redis's own CPU time (main thread, user + system) so far: what every ingest instance shares. */
export async function redisCpuMs(redis: RedisClient): Promise<number> {
  const info = (await redis.call('INFO', 'cpu')) as string;
  const seconds = (name: string) => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1] ?? 'NaN');
  return (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1000;
}

/** `before`: also measure ingest as it was at that commit, on the same port, in every repetition. */
export async function runIngestBench(s: BenchSettings, env: Record<string, string>, progress: (m: string) => void, pool: TierPool, before?: BeforeCheckout): Promise<SectionResult> {
  const sizes = s.ingest;
  const setup = await pool.acquire('ingest', { ...env, ...INGEST_BENCH_ENV });
  const port = setup.tier.port;
  // A shared (smoke) ingest keeps its port, so the bare server gets another one there.
  const barePort = setup.shared ? await freePort() : port;
  progress(`ingest: joining ${sizes.players} players to a ${sizes.questions}-question quiz`);
  const quiz = await setUpQuiz(setup.tier.url, { players: sizes.players, questions: sizes.questions, openAll: true });
  const pairs = new AnswerPairs(quiz);
  const path = `/v1/quizzes/${quiz.quizId}/answers`;
  type Key = 'fixedRate' | 'fixedP50' | 'fixedP99' | 'satRate' | 'satP50' | 'satP99' | 'satCpuUs' | 'satRedisCpuUs';
  const series = (): Record<Key, number[]> & { satAt: number[][] } => ({
    fixedRate: [], fixedP50: [], fixedP99: [], satRate: [], satP50: [], satP99: [], satCpuUs: [], satRedisCpuUs: [],
    satAt: sizes.saturationConnections.map(() => []),
  });
  const ours = series();
  const bareR = series();
  const beforeR = series();
  const redis = createRedis(benchConfig('').redis, 'bench-ingest');
  const targets = before && !setup.shared ? (['ingest', 'before', 'bare'] as const) : (['ingest', 'bare'] as const);
  let rejected = 0;
  try {
    for (let rep = 0; rep < s.reps; rep++) {
      for (const target of targets) {
        // The first run reuses the ingest that set the quiz up; later ones start afresh on the same port.
        const lease =
          target === 'ingest'
            ? rep === 0
              ? setup
              : await pool.acquire('ingest', { ...env, ...INGEST_BENCH_ENV }, port)
            : target === 'before'
              ? await startTier('ingest', { ...env, ...INGEST_BENCH_ENV }, port, 60_000, before!.root).then((tier) => ({ tier, shared: false, release: () => tier.child.stop() }))
              : undefined;
        const bare =
          target === 'bare' ? Array.from({ length: ingestProcesses() }, (_, i) => startChild(`bare-server-${i}`, nodeCommand('test/system/load/bare-server.ts'), { BARE_PORT: String(barePort) })) : undefined;
        if (bare) {
          await waitHttpOk(`http://127.0.0.1:${barePort}/readyz`, 20_000);
          await waitListeners(barePort, bare.length, 20_000);
        }
        const url = `http://127.0.0.1:${bare ? barePort : port}`;
        // The bare server checks nothing, so it gets its own wrapping source instead of using up the
        // distinct pairs ingest needs.
        const src = target === 'bare' ? new AnswerPairs(quiz) : pairs;
        // Warm-up (not counted): JIT, connection pools, the schema id lookup on the first write, and
        // one answer per player, so every token is verified and cached before anything is measured.
        await drive(url, path, src, quiz, { connections: sizes.fixedConnections, durationS: 0, amount: sizes.players });
        const fixed = await drive(url, path, src, quiz, { connections: sizes.fixedConnections, durationS: sizes.durationS, rate: sizes.fixedRate });
        // CPU per accepted answer: what a loaded machine cannot blur, unlike the rates.
        // A tier's supervisor and its processes together (INGEST_PROCESSES), or every bare server.
        const pids = bare ? bare.map((b) => b.pid) : [lease!.tier.child.pid];
        const cpuMs = () => pids.reduce((sum, pid) => sum + treeCpuMs(pid), 0);
        const cpuBefore = cpuMs();
        const redisCpuBefore = await redisCpuMs(redis);
        // Every concurrency in turn; the server's saturation is the best of them (settings.ts).
        const levels: LoadResult[] = [];
        for (const connections of sizes.saturationConnections) {
          levels.push(await drive(url, path, src, quiz, { connections, durationS: sizes.durationS }));
        }
        const sat = levels.reduce((best, l) => (l.acceptedPerS > best.acceptedPerS ? l : best));
        const accepted = Math.max(1, levels.reduce((sum, l) => sum + l.acceptedPerS * sizes.durationS, 0));
        const satCpuUs = ((cpuMs() - cpuBefore) * 1000) / accepted;
        const satRedisCpuUs = ((await redisCpuMs(redis)) - redisCpuBefore) * 1000 / accepted;
        await (bare ? Promise.all(bare.map((b) => b.stop())) : lease?.release());
        const into = target === 'ingest' ? ours : target === 'before' ? beforeR : bareR;
        if (target !== 'bare') rejected += fixed.non202 + levels.reduce((sum, l) => sum + l.non202, 0);
        into.fixedRate.push(fixed.acceptedPerS);
        into.fixedP50.push(fixed.p50);
        into.fixedP99.push(fixed.p99);
        into.satRate.push(sat.acceptedPerS);
        into.satP50.push(sat.p50);
        into.satP99.push(sat.p99);
        into.satCpuUs.push(satCpuUs);
        levels.forEach((l, i) => into.satAt[i]!.push(l.acceptedPerS));
        if (target !== 'bare') into.satRedisCpuUs.push(satRedisCpuUs);
        const perLevel = levels.map((l, i) => `${Math.round(l.acceptedPerS)}/s at ${sizes.saturationConnections[i]}`).join(', ');
        progress(
          `ingest: run ${rep + 1}/${s.reps} ${target}: fixed ${Math.round(fixed.acceptedPerS)}/s p99 ${fixed.p99} ms, saturation ${Math.round(sat.acceptedPerS)}/s p99 ${sat.p99} ms (${perLevel} connections), ${Math.round(satCpuUs)} µs CPU per 202${target === 'bare' ? '' : ` (Redis ${Math.round(satRedisCpuUs)} µs)`}`,
        );
      }
    }
  } finally {
    await redis.quit();
  }
  const ref = 'bare node:http';
  const fig = (name: string, unit: string, k: Key): Figure => ({ name, unit, ours: ours[k], reference: bareR[k], referenceName: ref });
  const figures = [
    fig(`Ingest accepted/s at ${sizes.fixedRate}/s offered`, 'answers/s', 'fixedRate'),
    fig(`Ingest p50 at ${sizes.fixedRate}/s offered`, 'ms', 'fixedP50'),
    fig(`Ingest p99 at ${sizes.fixedRate}/s offered`, 'ms', 'fixedP99'),
    fig('Ingest accepted/s at saturation', 'answers/s', 'satRate'),
    ...sizes.saturationConnections.map((c, i): Figure => ({ name: `Ingest accepted/s with ${c} connections`, unit: 'answers/s', ours: ours.satAt[i]!, reference: bareR.satAt[i]!, referenceName: ref })),
    fig('Ingest p50 at saturation', 'ms', 'satP50'),
    fig('Ingest p99 at saturation', 'ms', 'satP99'),
    fig('Ingest CPU per accepted answer at saturation', 'µs', 'satCpuUs'),
    // Redis serves every ingest instance: its cost per answer bounds what adding instances buys.
    { name: 'Redis CPU per accepted answer at saturation', unit: 'µs', ours: ours.satRedisCpuUs },
  ];
  if (beforeR.satRate.length > 0) {
    const was = `ingest at ${before!.ref} (${before!.commit})`;
    const figBefore = (name: string, unit: string, k: Key): Figure => ({ name: `${name} (${was})`, unit, ours: beforeR[k], reference: bareR[k], referenceName: ref });
    figures.push(
      figBefore('Ingest accepted/s at saturation', 'answers/s', 'satRate'),
      figBefore('Ingest p99 at saturation', 'ms', 'satP99'),
      figBefore('Ingest CPU per accepted answer at saturation', 'µs', 'satCpuUs'),
      { name: `Redis CPU per accepted answer at saturation (${was})`, unit: 'µs', ours: beforeR.satRedisCpuUs },
    );
  }
  return {
    id: 'ingest',
    title: '1. Ingest: POST answers',
    figures,
    notes: [
      `autocannon in the bench process, ${sizes.durationS} s per measurement after ${sizes.players} warm-up requests (one per player) on each fresh server; fixed rate ${sizes.fixedRate}/s over ${sizes.fixedConnections} connections; saturation: ${sizes.durationS} s with each of ${sizes.saturationConnections.join(', ')} connections in turn, no rate limit on the client; a server's saturation rate is its highest of them, its saturation p50 and p99 those of that run, its CPU per answer over all of them.`,
      `Rate limits raised for the bench: INGEST_RATE_PLAYER_MAX=${INGEST_BENCH_ENV.INGEST_RATE_PLAYER_MAX}, INGEST_RATE_IP_MAX=${INGEST_BENCH_ENV.INGEST_RATE_IP_MAX} (defaults 20/s per player and 2000/s per address would cap one load generator).`,
      `Every answer is a distinct (player, question) pair: ${sizes.players} players joined to a quiz with ${sizes.questions} open questions (${sizes.players * sizes.questions} pairs); only 202s are counted (${rejected} non-202 replies from ingest over all runs, e.g. 409 after the pairs ran out or 503 when Kafka lagged).`,
      ...(beforeR.satRate.length > 0 ? [`"${before!.ref}" rows: ingest as of commit ${before!.commit}, exported (git archive) to a temporary directory with the same node_modules, measured in each repetition right after this checkout's ingest, on the same port, against the same quiz.`] : []),
      `Processes: ingest ${ingestProcesses()} (INGEST_PROCESSES), the bare server as many, all on the same port with SO_REUSEPORT; CPU per answer sums every process (ingest's supervisor included).`,
      `The bare server reads and parses the same JSON body and answers 202 with an answer id, ${setup.shared ? 'on its own port (smoke run: ingest is shared and stays up)' : 'on the same port, started right after ingest stops in each repetition'}.`,
    ],
    charts: [
      {
        kind: 'bar',
        file: 'ingest-throughput.svg',
        title: 'Ingest: answers accepted per second (median, min–max)',
        unit: 'answers/s',
        groups: [
          { label: `fixed ${sizes.fixedRate}/s`, bars: [{ name: 'quizstream ingest', value: spread(ours.fixedRate) }, { name: ref, value: spread(bareR.fixedRate) }] },
          { label: 'saturation', bars: [{ name: 'quizstream ingest', value: spread(ours.satRate) }, { name: ref, value: spread(bareR.satRate) }] },
        ],
      },
      {
        kind: 'bar',
        file: 'ingest-latency.svg',
        title: 'Ingest: latency (median over runs, min–max)',
        unit: 'ms',
        groups: [
          { label: 'fixed p50', bars: [{ name: 'quizstream ingest', value: spread(ours.fixedP50) }, { name: ref, value: spread(bareR.fixedP50) }] },
          { label: 'fixed p99', bars: [{ name: 'quizstream ingest', value: spread(ours.fixedP99) }, { name: ref, value: spread(bareR.fixedP99) }] },
          { label: 'saturation p50', bars: [{ name: 'quizstream ingest', value: spread(ours.satP50) }, { name: ref, value: spread(bareR.satP50) }] },
          { label: 'saturation p99', bars: [{ name: 'quizstream ingest', value: spread(ours.satP99) }, { name: ref, value: spread(bareR.satP99) }] },
        ],
      },
    ],
  };
}
