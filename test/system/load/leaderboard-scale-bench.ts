import { randomUUID } from 'node:crypto';
import { createRedis, redisKeys } from '../../../common/redis';
import { snapshotJson } from '../../../common/messages/wire';
import { composite } from '../../../processors/ranking';
import { benchConfig } from './bench-env';
import { procUsage } from './children';
import { startLoadWorker } from './load-worker';
import type { ReadTimings } from './read-load-worker';
import type { SectionResult } from './results';
import type { BenchSettings } from './settings';
import { percentile, spread } from './stats';
import type { TierPool } from './tiers';
import { PUSH_BENCH_ENV } from './fan-out-bench';

// Section 5: one quiz with a million players on one leaderboard. The sorted set is filled directly
// (pipelined ZADD with the processors' composite score, plus the totals and names hashes and the
// top-100 snapshot processors keep, in their wire form), then read through push (GET leaderboard,
// GET players/:id, a page from the middle of the board, a neighbourhood) and raw (ZREVRANGE,
// ZREVRANK) for comparison.

/**
 * Requests per route before the timed ones (fewer in a smoke run with fewer samples). With 200 the
 * first run cost push ~145 µs of CPU per read and the next two ~80: its code was not optimized yet.
 */
const WARMUP_REQUESTS = 2_000;

export async function runLeaderboardScaleBench(s: BenchSettings, env: Record<string, string>, progress: (m: string) => void, pool: TierPool): Promise<SectionResult> {
  const { players, samples, concurrency } = s.scale;
  const redis = createRedis(benchConfig('').redis, 'bench-scale');
  const quizId = `bench-scale-${randomUUID().slice(0, 8)}`;
  const lb = redisKeys.leaderboard(quizId);
  const scoreOf = (i: number) => (i * 7919) % 100_000; // spread totals, many ties
  const offsetOf = (i: number) => (i * 104_729) % 3_600_000;
  const lease = await pool.acquire('push', { ...env, ...PUSH_BENCH_ENV });
  const push = lease.tier;
  const worker = startLoadWorker('scale-reads', 'test/system/load/read-load-worker.ts');
  try {
    await worker.request(undefined, 'ready', 30_000);
    await worker.request({ type: 'open', pushUrl: push.url, concurrency }, 'opened', 30_000);
    const t0 = performance.now();
    for (let start = 0; start < players; start += 10_000) {
      const pipe = redis.pipeline();
      const z: Array<string | number> = [];
      const totals: Record<string, string> = {};
      const names: Record<string, string> = {};
      for (let i = start; i < Math.min(players, start + 10_000); i++) {
        z.push(composite(scoreOf(i), offsetOf(i)), `m${i}`);
        totals[`m${i}`] = String(scoreOf(i));
        names[`m${i}`] = `Player ${i}`;
      }
      pipe.zadd(lb, ...z);
      pipe.hset(redisKeys.totals(quizId), totals);
      pipe.hset(redisKeys.names(quizId), names);
      await pipe.exec();
    }
    const top = await redis.zrevrange(lb, 0, 99);
    const entries = top.map((playerId, i) => ({ rank: i + 1, playerId, displayName: `Player ${playerId.slice(1)}`, score: scoreOf(Number(playerId.slice(1))) }));
    await redis.set(redisKeys.snapshot(quizId), snapshotJson({ quizId, seq: 1, players, answers: players, openQuestions: [], entries }));
    const fillS = (performance.now() - t0) / 1000;
    progress(`scale: ${players} players written in ${fillS.toFixed(1)} s (ZCARD ${await redis.zcard(lb)})`);

    const keys = ['pushTop', 'rawTop', 'pushRank', 'rawRank', 'pushPage', 'rawPage', 'pushAround', 'rawAround'] as const;
    type Figures = Record<(typeof keys)[number], number[]>;
    const p99 = Object.fromEntries(keys.map((k) => [k, []])) as unknown as Figures;
    const p50 = Object.fromEntries(keys.map((k) => [k, []])) as unknown as Figures;
    const middle = Math.floor(players / 2);
    const cpuPerRead: number[] = [];
    await worker.request({ type: 'warm', quizId, lb, players, requests: Math.min(samples, WARMUP_REQUESTS) }, 'warmed', 300_000);
    for (let rep = 0; rep < s.reps; rep++) {
      const cpuBefore = procUsage(push.child.pid).cpuMs;
      const { timings: lat } = await worker.request<{ timings: ReadTimings }>(
        { type: 'time', quizId, lb, players, samples },
        'timed',
        300_000,
      );
      // Over the whole run, push's four timed routes and the raw Redis figures (push idle then).
      cpuPerRead.push(((procUsage(push.child.pid).cpuMs - cpuBefore) * 1000) / (4 * samples));
      for (const k of keys) {
        p99[k].push(percentile(lat[k], 99));
        p50[k].push(percentile(lat[k], 50));
      }
      const pair = (ours: number[], raw: number[]) => `${ours.at(-1)!.toFixed(2)} ms / raw ${raw.at(-1)!.toFixed(2)} ms`;
      progress(
        `scale: run ${rep + 1}/${s.reps}: p99 push / raw: top-100 ${pair(p99.pushTop, p99.rawTop)}; rank ${pair(p99.pushRank, p99.rawRank)}; page at ${middle} ${pair(p99.pushPage, p99.rawPage)}; around=5 ${pair(p99.pushAround, p99.rawAround)}; push ${Math.round(cpuPerRead.at(-1)!)} µs CPU per read`,
      );
    }
    return {
      id: 'scale',
      title: `5. One quiz, ${players.toLocaleString('en-US')} players on one leaderboard`,
      figures: [
        { name: 'Top-100 p50 (push GET leaderboard?limit=100)', unit: 'ms', ours: p50.pushTop, reference: p50.rawTop, referenceName: 'raw ZREVRANGE 0 99 WITHSCORES' },
        { name: 'Top-100 p99 (push GET leaderboard?limit=100)', unit: 'ms', ours: p99.pushTop, reference: p99.rawTop, referenceName: 'raw ZREVRANGE 0 99 WITHSCORES' },
        { name: 'One player rank p50 (push GET players/:id)', unit: 'ms', ours: p50.pushRank, reference: p50.rawRank, referenceName: 'raw ZREVRANK' },
        { name: 'One player rank p99 (push GET players/:id)', unit: 'ms', ours: p99.pushRank, reference: p99.rawRank, referenceName: 'raw ZREVRANK' },
        { name: `Standings page p99 (push GET leaderboard?offset=${middle}&limit=100)`, unit: 'ms', ours: p99.pushPage, reference: p99.rawPage, referenceName: `raw ZREVRANGE ${middle} ${middle + 99} WITHSCORES` },
        { name: 'Neighbourhood p99 (push GET players/:id?around=5)', unit: 'ms', ours: p99.pushAround, reference: p99.rawAround, referenceName: 'raw ZREVRANK, then ZREVRANGE r-5 r+5 WITHSCORES' },
        { name: 'Push CPU per read (the four routes above, averaged)', unit: 'µs', ours: cpuPerRead },
        { name: 'Time to write the leaderboard (ZADD + HSET, pipelined)', unit: 's', ours: [fillS] },
      ],
      notes: [
        `${players} members in one sorted set with the processors' composite score (processors/ranking.ts), plus totals and names hashes and a top-100 snapshot JSON, written in pipelines of 10,000.`,
        `push's GET leaderboard serves the snapshot bytes processors store as they are (one GET, checked once per change), not a ZREVRANGE; GET players/:id (with or without ?around) and a page past the snapshot are one read-only script each (push/leaderboard-reader.ts). Raw commands are timed from the same load-generator process with ioredis.`,
        `${samples} requests per figure per run, ${concurrency} in flight, random players; from a load-generator process of its own (read-load-worker.ts: the bench process's garbage collections, 7–10 ms scavenges of the board it had just written, had landed on whichever requests were in flight); keep-alive HTTP from a raw-socket client (keep-alive-client.ts: it reads each reply to its Content-Length and no further, so it costs less than the server it times, where node:http's client cost more); before the first run, ${Math.min(samples, WARMUP_REQUESTS)} untimed requests per route (and raw ZREVRANKs) to open the sockets and warm the code.`,
      ],
      charts: [
        {
          kind: 'bar',
          file: 'scale-p99.svg',
          title: `${players.toLocaleString('en-US')} players: read latency p99 (median over runs, min–max)`,
          unit: 'ms',
          groups: [
            { label: 'top-100', bars: [{ name: 'push HTTP', value: spread(p99.pushTop) }, { name: 'raw Redis', value: spread(p99.rawTop) }] },
            { label: 'player rank', bars: [{ name: 'push HTTP', value: spread(p99.pushRank) }, { name: 'raw Redis', value: spread(p99.rawRank) }] },
            { label: 'page (middle)', bars: [{ name: 'push HTTP', value: spread(p99.pushPage) }, { name: 'raw Redis', value: spread(p99.rawPage) }] },
            { label: 'around=5', bars: [{ name: 'push HTTP', value: spread(p99.pushAround) }, { name: 'raw Redis', value: spread(p99.rawAround) }] },
          ],
        },
      ],
    };
  } finally {
    await worker.request({ type: 'close' }, 'closed', 10_000).catch(() => undefined);
    await worker.child.stop();
    await lease.release();
    // UNLINK: Redis frees the million members in the background; DEL held it for ~0.9 s (its latency monitor), in front of the next section.
    await redis.unlink(lb, redisKeys.totals(quizId), redisKeys.names(quizId), redisKeys.snapshot(quizId));
    redis.disconnect();
  }
}
