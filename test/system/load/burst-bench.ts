import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { createPgPool } from '../../../common/postgres';
import { benchConfig } from './bench-env';
import { INGEST_BENCH_ENV } from './ingest-bench';
import { KeepAlivePool } from './keep-alive-pool';
import { sleep } from './net';
import { inParallel, openQuestions, setUpQuiz, type BenchPlayer, type BenchQuiz } from './quiz-driver';
import type { SectionResult } from './results';
import type { BenchSettings } from './settings';
import { percentile } from './stats';
import type { TierLease, TierPool } from './tiers';

// Section 6: a game night's peak. Several quizzes of thousands of players each, every player
// answering the one open question within the first moments after it opens (the whole room taps
// within about a second), each on a connection of its own kept from its join. Reported: answers
// accepted per second over the burst, the 202's latency seen by each player (from sending to the
// 202, the client's own queueing included), and the time until the processors scored every
// accepted answer, checked in Postgres to be exactly the set of answers that got a 202, once each.

interface Sent {
  answerId: string;
  status: number | string;
  sentAt: number;
  doneAt: number;
}

/** One tap: the answer is sent on the next free connection; sentAt is the tap, doneAt the 202 (or the failure). */
async function sendAnswer(conns: KeepAlivePool, path: string, player: BenchPlayer, questionId: string): Promise<Sent> {
  const answerId = randomUUID();
  const body = JSON.stringify({ questionId, choiceId: 'a', answerId });
  const sentAt = performance.now();
  try {
    const { status } = await conns.use((c) => c.postJson(path, body, [`Authorization: Bearer ${player.token}`]));
    return { answerId, status, sentAt, doneAt: performance.now() };
  } catch (err) {
    return { answerId, status: (err as Error).message, sentAt, doneAt: performance.now() };
  }
}

export async function runBurstBench(s: BenchSettings, env: Record<string, string>, progress: (m: string) => void, pool: TierPool): Promise<SectionResult> {
  const sizes = s.burst;
  const leases: TierLease[] = [];
  const pg = createPgPool(benchConfig('').postgres, 2);
  try {
    leases.push(...(await Promise.all([pool.acquire('ingest', { ...env, ...INGEST_BENCH_ENV }), pool.acquire('processor', env)])));
    const ingestUrl = leases[0]!.tier.url;
    const runs: BurstResult[] = [];
    const notes: string[] = [];
    // Unmeasured bursts first, on the fresh ingest and processor: the join route is warm from the
    // joins, but the answer route and the scoring are still being compiled by V8 through the first
    // bursts (p99 269 and 273 ms in the first two, 81 and 45 in the next, at 14:23 UTC on
    // 2026-12-04), where a deployment that has served a game before has them compiled (section 1
    // warms up for the same reason).
    for (let w = 0; w < sizes.warmUps; w++) {
      const warmUp = await burstOnce(s, ingestUrl, pg, `warm-up ${w + 1}/${sizes.warmUps}`, progress);
      notes.push(`warm-up ${w + 1} (not in the figures): ${Math.round(warmUp.rate)}/s accepted, p99 ${Math.round(warmUp.p99)} ms; ${warmUp.note}`);
    }
    for (let rep = 0; rep < s.reps; rep++) {
      const r = await burstOnce(s, ingestUrl, pg, `run ${rep + 1}/${s.reps}`, progress);
      runs.push(r);
      notes.push(`run ${rep + 1}: ${r.note}`);
    }
    const rate = runs.map((r) => r.rate);
    const p99 = runs.map((r) => r.p99);
    const wrong = runs.map((r) => r.wrong);
    return {
      id: 'burst',
      title: '6. Burst: every player of several quizzes answers at once',
      figures: [
        { name: 'Burst answers accepted/s', unit: 'answers/s', ours: rate, reference: rate.map(() => 5_000), referenceName: 'issue target (≥ 5000/s)' },
        { name: 'Burst 202 p50', unit: 'ms', ours: runs.map((r) => r.p50) },
        { name: 'Burst 202 p99', unit: 'ms', ours: p99, reference: p99.map(() => 250), referenceName: 'issue target (< 250 ms)' },
        { name: 'Burst: first answer sent → every answer scored', unit: 's', ours: runs.map((r) => r.scoredS) },
        { name: 'Burst: answers not scored exactly once', unit: 'answers', ours: wrong, reference: wrong.map(() => 0), referenceName: 'must be 0' },
      ],
      notes: [
        `${sizes.quizzes} quizzes × ${sizes.players} players, one question each, opened together; each player answers once, at a moment spread evenly over ${sizes.spreadMs} ms after the opens (offered ${Math.round((sizes.quizzes * sizes.players * 1000) / sizes.spreadMs)}/s), over ${sizes.sockets} keep-alive connections opened beforehand (${sizes.warmUps} such bursts, unmeasured, first), one request at a time on each (a raw-socket client, keep-alive-client.ts and keep-alive-pool.ts: node:http's client cost more CPU per request than ingest spends on one, on the same cores).`,
        'Accepted/s: 202s divided by the time from the first send to the last 202. Latency: from sending to the 202, per answer. Scored: rows in Postgres scored_answers (primary key quiz, question, player) compared with the answer ids that got a 202.',
        'Ingest and one processor run; the sink and push do not (their work is measured in sections 2 and 3).',
        ...notes,
      ],
      charts: [],
    };
  } finally {
    await pg.end();
    for (const l of leases) await l.release();
  }
}

interface BurstResult {
  rate: number;
  p50: number;
  p99: number;
  scoredS: number;
  wrong: number;
  note: string;
}

/** Every player of fresh quizzes answers once within spreadMs; waits until the processors scored them. */
async function burstOnce(s: BenchSettings, ingestUrl: string, pg: Pool, label: string, progress: (m: string) => void): Promise<BurstResult> {
  const sizes = s.burst;
  progress(`burst: ${label}: joining ${sizes.quizzes} × ${sizes.players} players`);
  const quizzes: BenchQuiz[] = [];
  for (let q = 0; q < sizes.quizzes; q++) quizzes.push(await setUpQuiz(ingestUrl, { players: sizes.players, questions: 1, openAll: false }));
  const conns = await KeepAlivePool.open(ingestUrl, sizes.sockets);
  await inParallel(quizzes, quizzes.length, (quiz) => openQuestions(ingestUrl, quiz.quizId, quiz.questionIds));
  progress(`burst: ${label}: ${sizes.quizzes * sizes.players} answers within ${sizes.spreadMs} ms`);
  // Every player taps once, at a moment spread evenly over spreadMs after the open.
  const start = performance.now();
  const all: Array<Promise<Sent>> = [];
  const n = sizes.players;
  for (let i = 0; i < n; i++) {
    const due = start + (i / n) * sizes.spreadMs;
    const wait = due - performance.now();
    if (wait > 2) await sleep(wait);
    for (const quiz of quizzes) all.push(sendAnswer(conns, `/v1/quizzes/${quiz.quizId}/answers`, quiz.players[i]!, quiz.questionIds[0]!));
  }
  const sent = await Promise.all(all);
  conns.close();
  const accepted = sent.filter((r) => r.status === 202);
  const lastDone = Math.max(...accepted.map((r) => r.doneAt), start + 1);
  const latencies = accepted.map((r) => r.doneAt - r.sentAt);
  // Scored: every 202's answer has its row, and no other answer of these quizzes does.
  const ids = quizzes.map((q) => q.quizId);
  const expected = new Set(accepted.map((r) => r.answerId));
  let rows: string[] = [];
  const deadline = performance.now() + sizes.scoreTimeoutMs;
  while (performance.now() < deadline) {
    rows = (await pg.query<{ answer_id: string }>('SELECT answer_id FROM scored_answers WHERE quiz_id = ANY($1)', [ids])).rows.map((r) => r.answer_id);
    if (rows.length >= expected.size) break;
    await sleep(200);
  }
  const scoredAt = performance.now();
  const unscored = [...expected].filter((id) => !rows.includes(id)).length;
  const extra = rows.filter((id) => !expected.has(id)).length;
  const failures = Object.entries(sent.filter((r) => r.status !== 202).reduce<Record<string, number>>((m, r) => ({ ...m, [String(r.status)]: (m[String(r.status)] ?? 0) + 1 }), {}));
  const result: BurstResult = {
    rate: accepted.length / ((lastDone - start) / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    scoredS: (scoredAt - start) / 1000,
    wrong: unscored + extra,
    note: `${sent.length} sent, ${accepted.length} accepted (${failures.length === 0 ? 'no other replies' : failures.map(([k, v]) => `${v}× ${k}`).join(', ')}); ${rows.length} scored rows: ${unscored} accepted but unscored, ${extra} scored without a 202.`,
  };
  progress(`burst: ${label}: ${Math.round(result.rate)}/s accepted, p50 ${Math.round(result.p50)} ms, p99 ${Math.round(result.p99)} ms, all scored after ${result.scoredS.toFixed(1)} s, ${result.wrong} not scored exactly once`);
  return result;
}
