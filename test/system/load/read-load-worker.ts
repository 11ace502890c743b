import { createRedis, type RedisClient } from '../../../common/redis';
import { benchConfig } from './bench-env';
import { KeepAlivePool } from './keep-alive-pool';
import { inParallel } from './quiz-driver';

// The load generator of the reads at scale (leaderboard-scale-bench.ts), in a process of its own:
// the bench process holds the million-member board it just wrote and every section's results, and
// its garbage collections (scavenges of 7–10 ms, seen with --trace-gc) landed on whichever requests
// were in flight, push's and raw Redis's alike. Here the heap is small and nothing else runs.
// Driven over IPC: `open`, `warm`, then one `time` per run, then `close`.

type Command =
  | { type: 'open'; pushUrl: string; concurrency: number }
  | { type: 'warm'; quizId: string; lb: string; players: number; requests: number }
  | { type: 'time'; quizId: string; lb: string; players: number; samples: number }
  | { type: 'close' };

/** Milliseconds per request, by figure (leaderboard-scale-bench.ts names them). */
export type ReadTimings = Record<'pushTop' | 'rawTop' | 'pushRank' | 'rawRank' | 'pushPage' | 'rawPage' | 'pushAround' | 'rawAround', number[]>;

let pool: KeepAlivePool | undefined;
let redis: RedisClient | undefined;
let concurrency = 1;

function send(msg: unknown): void {
  process.send?.(msg);
}

/** `n` GETs over the pool's connections, one in flight on each; the milliseconds of each. */
function timeGets(n: number, path: () => string): Promise<number[]> {
  const conns = pool!;
  return inParallel(Array.from({ length: n }), conns.size, () =>
    conns.use(async (conn) => {
      const p = path();
      const { status, ms } = await conn.get(p);
      if (status !== 200) throw new Error(`GET ${p}: HTTP ${status}`);
      return ms;
    }),
  );
}

function timeRedis(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  return inParallel(Array.from({ length: n }), concurrency, async () => {
    const t = performance.now();
    await fn();
    return performance.now() - t;
  });
}

/** The four timed routes of push, as path makers (a random player each call). */
function pushPaths(quizId: string, players: number) {
  const rnd = () => `m${Math.floor(Math.random() * players)}`;
  const middle = Math.floor(players / 2);
  const base = `/v1/quizzes/${quizId}`;
  return {
    top: () => `${base}/leaderboard?limit=100`,
    rank: () => `${base}/players/${rnd()}`,
    page: () => `${base}/leaderboard?offset=${middle}&limit=100`,
    around: () => `${base}/players/${rnd()}?around=5`,
    rnd,
    middle,
  };
}

/** Untimed: every route and a raw command, so both sides' code is optimized before anything is timed. */
async function warm(cmd: Extract<Command, { type: 'warm' }>): Promise<void> {
  const { top, rank, page, around, rnd } = pushPaths(cmd.quizId, cmd.players);
  for (const path of [top, rank, page, around]) await timeGets(cmd.requests, path);
  await timeRedis(cmd.requests, () => redis!.zrevrank(cmd.lb, rnd()));
}

async function time(cmd: Extract<Command, { type: 'time' }>): Promise<ReadTimings> {
  const { lb, samples } = cmd;
  const r = redis!;
  const { top, rank, page, around, rnd, middle } = pushPaths(cmd.quizId, cmd.players);
  return {
    pushTop: await timeGets(samples, top),
    rawTop: await timeRedis(samples, () => r.zrevrange(lb, 0, 99, 'WITHSCORES')),
    pushRank: await timeGets(samples, rank),
    rawRank: await timeRedis(samples, () => r.zrevrank(lb, rnd())),
    pushPage: await timeGets(samples, page),
    rawPage: await timeRedis(samples, () => r.zrevrange(lb, middle, middle + 99, 'WITHSCORES')),
    pushAround: await timeGets(samples, around),
    rawAround: await timeRedis(samples, async () => {
      const at = (await r.zrevrank(lb, rnd())) ?? 0;
      await r.zrevrange(lb, Math.max(0, at - 5), at + 5, 'WITHSCORES');
    }),
  };
}

process.on('message', (cmd: Command) => {
  const run = async (): Promise<void> => {
    if (cmd.type === 'open') {
      concurrency = cmd.concurrency;
      pool = await KeepAlivePool.open(cmd.pushUrl, cmd.concurrency);
      redis = createRedis(benchConfig('').redis, 'bench-scale-reads');
      send({ type: 'opened' });
    } else if (cmd.type === 'warm') {
      await warm(cmd);
      send({ type: 'warmed' });
    } else if (cmd.type === 'time') {
      send({ type: 'timed', timings: await time(cmd) });
    } else {
      pool?.close();
      redis?.disconnect();
      send({ type: 'closed' });
    }
  };
  run().catch((err: unknown) => send({ type: 'failed', message: (err as Error).stack ?? String(err) }));
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
