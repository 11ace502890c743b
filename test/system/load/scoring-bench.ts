import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { Pool } from 'pg';
import type { QuizEvent } from '../../helpers/processor-workload';
import { createKafka } from '../../../common/kafka';
import { createPgPool } from '../../../common/postgres';
import { createRedis, redisKeys, type RedisClient } from '../../../common/redis';
import { EventCodec } from '../../../common/codec';
import { createdQuizIds } from './bench-cleanup';
import { benchConfig, benchLog, createPrefixTopics } from './bench-env';
import { sleep } from './net';
import type { SectionResult } from './results';
import type { BenchSettings } from './settings';
import { spread } from './stats';
import { procUsage } from './children';
import { redisCpuMs } from './ingest-bench';
import { startTier } from './tiers';
import { PROCESSOR_DEFAULTS } from '../../../processors/options';

// Section 4: answers per second one processor scores while catching up a backlog. Each run gets its
// own topics, filled with a whole quiz (joins, opens, K×Q answers) before the processor starts;
// the rate is timed from the first scored answer to the last, read from the quiz's counter in
// Redis, so process start and group join are not counted. Beside it: redis-benchmark's pipelined
// ZINCRBY on the same Redis, the ceiling of the sorted-set updates scoring depends on.

const run = promisify(execFile);

async function insertQuiz(pg: Pool, quizId: string, questionIds: string[], openedAt: number): Promise<void> {
  // Live scores: every answer goes into the sorted set as it is scored, as in the figures before
  // score visibility existed and as ZINCRBY (the reference) does. onClose holds them instead.
  await pg.query("INSERT INTO quizzes (id, title, score_visibility) VALUES ($1, $2, 'live')", [quizId, 'bench scoring backlog']);
  for (const [i, q] of questionIds.entries()) {
    await pg.query(
      `INSERT INTO questions (quiz_id, id, position, prompt, choices, correct, points, time_limit_ms, opened_at, closes_at)
       VALUES ($1, $2, $3, $4, $5, $6, 1000, 3600000, to_timestamp($7 / 1000.0), to_timestamp($8 / 1000.0))`,
      [quizId, q, i, `Backlog ${q}?`, JSON.stringify(['a', 'b', 'c', 'd'].map((id) => ({ id, text: id }))), ['a'], openedAt, openedAt + 3_600_000],
    );
  }
}

function backlogEvents(quizId: string, players: number, questionIds: string[], openedAt: number): QuizEvent[] {
  const events: QuizEvent[] = [];
  const ids = Array.from({ length: players }, (_, i) => `s${i}`);
  ids.forEach((playerId, i) => events.push({ type: 'PlayerJoined', payload: { eventId: randomUUID(), quizId, playerId, displayName: `Scorer ${i}`, joinedAt: openedAt - 10_000 + i } }));
  for (const [k, questionId] of questionIds.entries()) {
    events.push({
      type: 'QuestionOpened',
      payload: { eventId: randomUUID(), quizId, questionId, prompt: `Backlog ${questionId}?`, choices: ['a', 'b', 'c', 'd'].map((id) => ({ id, text: id })), points: 1000, timeLimitMs: 3_600_000, openedAt, closesAt: openedAt + 3_600_000 },
    });
    ids.forEach((playerId, i) =>
      events.push({
        type: 'AnswerSubmitted',
        // A mix of right and wrong answers at spread-out times, so totals and ranks keep changing.
        payload: { answerId: randomUUID(), quizId, questionId, playerId, choiceId: (i + k) % 3 === 0 ? 'b' : 'a', acceptedAt: openedAt + 1_000 + ((i * 7 + k * 13) % 5_000) },
      }),
    );
  }
  return events;
}

async function redisBenchmarkZincrby(n: number): Promise<number> {
  const key = `bench:zincrby:${randomUUID().slice(0, 8)}`;
  // The Redis the processor writes to (REDIS_URL), not redis-benchmark's default address.
  const url = new URL(benchConfig('').redis.url);
  const at = ['-h', url.hostname, '-p', url.port || '6379'];
  try {
    const { stdout } = await run('redis-benchmark', [...at, '-q', '-n', String(n), '-P', '50', '-r', '100000', 'zincrby', key, '1', '__rand_int__'], { timeout: 120_000 });
    // "-q" prints the last progress line then the summary: "<command>: 123456.79 requests per second, p50=..."
    const m = /([\d.]+) requests per second/.exec(stdout.split('\r').pop() ?? stdout) ?? /([\d.]+) requests per second/.exec(stdout);
    return m ? Number(m[1]) : NaN;
  } finally {
    await run('redis-cli', [...at, 'del', key], { timeout: 10_000 });
  }
}

/** Writes a whole quiz to the run's quiz.events before any processor reads it. */
async function produceBacklog(prefix: string, quizId: string, events: QuizEvent[]): Promise<void> {
  const config = benchConfig(prefix);
  const codec = new EventCodec(config.registry.url, prefix);
  const producer = createKafka(config.kafka, benchLog, '-bench-backlog').producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let i = 0; i < events.length; i += 2_000) {
      const chunk = events.slice(i, i + 2_000);
      const messages = await Promise.all(chunk.map(async (e) => ({ key: quizId, value: await codec.encode(codec.topics.quizEvents, e.type, e.payload as never) })));
      await producer.send({ topic: codec.topics.quizEvents, acks: -1, messages });
    }
  } finally {
    await producer.disconnect();
  }
}

/** CPU time used so far, ms. */
interface CpuMs {
  processor: number;
  redis: number;
}

/**
 * Polls the quiz's answer counter until all `total` answers are scored: the rate from the first
 * scored answer seen to the last, or NaN with a note saying why there is none.
 */
async function timeScoring(redis: RedisClient, quizId: string, total: number, run: number, cpuMs: () => Promise<CpuMs>): Promise<{ rate: number; cpuUs: CpuMs; note?: string }> {
  const statsKey = redisKeys.stats(quizId);
  let firstAt = 0;
  let firstCount = 0;
  let cpuAtFirst: CpuMs = { processor: NaN, redis: NaN };
  let cpuAtEnd: CpuMs = { processor: NaN, redis: NaN };
  let endAt = 0;
  let last = 0;
  const deadline = Date.now() + 300_000;
  let movedAt = Date.now();
  // A processor that stopped scoring (stuck, crashed) ends the wait after a minute, not five.
  while (Date.now() < deadline && Date.now() - movedAt < 60_000) {
    const count = Number((await redis.hget(statsKey, 'answers')) ?? '0');
    if (count !== last) movedAt = Date.now();
    last = count;
    const now = performance.now();
    if (last > 0 && firstAt === 0) {
      firstAt = now;
      firstCount = last;
      cpuAtFirst = await cpuMs();
    }
    if (last >= total) {
      endAt = now;
      cpuAtEnd = await cpuMs();
      break;
    }
    await sleep(25);
  }
  const rate = endAt > firstAt && last > firstCount ? (last - firstCount) / ((endAt - firstAt) / 1000) : NaN;
  const perAnswerUs = (k: keyof CpuMs) => ((cpuAtEnd[k] - cpuAtFirst[k]) * 1000) / (last - firstCount);
  const cpuUs = { processor: perAnswerUs('processor'), redis: perAnswerUs('redis') };
  if (!endAt) return { rate, cpuUs, note: `run ${run}: only ${last} of ${total} answers scored (it stopped moving, or 300 s passed).` };
  if (!Number.isFinite(rate)) return { rate, cpuUs, note: `run ${run}: all ${total} answers were scored between two reads of the count; a larger backlog is needed for a rate.` };
  return { rate, cpuUs };
}

export async function runScoringBench(s: BenchSettings, runPrefix: string, progress: (m: string) => void, prefixes: string[]): Promise<SectionResult> {
  const { players, questions } = s.scoring;
  const total = players * questions;
  // One connection: the shared Postgres is often near max_connections on this machine.
  const pg = createPgPool(benchConfig('').postgres, 1);
  const redis = createRedis(benchConfig('').redis, 'bench-scoring');
  const ours: number[] = [];
  const ref: number[] = [];
  const processorCpuUs: number[] = [];
  const redisCpuUs: number[] = [];
  const notes: string[] = [];
  try {
    for (let rep = 0; rep < s.reps; rep++) {
      try {
        const prefix = `${runPrefix}score${rep}.`;
        prefixes.push(prefix);
        await createPrefixTopics(prefix, 12);
        const quizId = `bench-score-${randomUUID().slice(0, 8)}`;
        createdQuizIds.push(quizId); // removed with the bench's other quizzes at the end of the run
        const questionIds = Array.from({ length: questions }, (_, i) => `q${i + 1}`);
        const openedAt = Date.now();
        await insertQuiz(pg, quizId, questionIds, openedAt);
        await produceBacklog(prefix, quizId, backlogEvents(quizId, players, questionIds, openedAt));
        progress(`scoring: run ${rep + 1}/${s.reps}: ${total} answers in the backlog; starting the processor`);
        const proc = await startTier('processor', { TOPIC_PREFIX: prefix, PROCESSOR_GROUP_ID: `bench-score-${randomUUID().slice(0, 8)}` });
        const timed = await timeScoring(redis, quizId, total, rep + 1, async () => ({ processor: procUsage(proc.child.pid).cpuMs, redis: await redisCpuMs(redis) }));
        // Why a run fell short is in the processor's own log: keep its last lines before it stops.
        if (timed.note) notes.push(`${timed.note} The processor's last log lines: ${proc.child.tail()}`);
        await proc.child.stop();
        ours.push(timed.rate);
        processorCpuUs.push(timed.cpuUs.processor);
        redisCpuUs.push(timed.cpuUs.redis);
        const zincrby = await redisBenchmarkZincrby(Math.max(10_000, total * 4));
        ref.push(zincrby);
        progress(
          `scoring: run ${rep + 1}/${s.reps}: processor ${Math.round(ours.at(-1) ?? NaN)} answers/s (CPU per answer: processor ${Math.round(timed.cpuUs.processor)} µs, Redis ${Math.round(timed.cpuUs.redis)} µs), redis-benchmark zincrby ${Math.round(zincrby)}/s`,
        );
      } catch (err) {
        // One failed run (the shared Postgres out of connections, say) must not discard the others.
        const msg = (err as Error).message.split('\n')[0];
        progress(`scoring: run ${rep + 1}/${s.reps} failed: ${msg}`);
        notes.push(`run ${rep + 1} failed and is left out: ${msg}`);
        for (const list of [ours, ref, processorCpuUs, redisCpuUs]) while (list.length <= rep) list.push(NaN);
      }
    }
    if (ours.every((v) => !Number.isFinite(v))) throw new Error(`every scoring run failed: ${notes.join('; ')}`);
  } finally {
    redis.disconnect();
    await pg.end();
  }
  return {
    id: 'scoring',
    title: '4. Scoring: one processor catching up a backlog',
    figures: [
      { name: 'Answers scored/s (one processor, backlog)', unit: 'answers/s', ours, reference: ref, referenceName: 'redis-benchmark -P 50 ZINCRBY' },
      { name: 'Processor CPU per scored answer', unit: 'µs', ours: processorCpuUs },
      { name: 'Redis CPU per scored answer', unit: 'µs', ours: redisCpuUs },
    ],
    notes: [
      `Backlog per run: one quiz, ${players} players × ${questions} open questions = ${total} answers (plus ${players} joins and ${questions} opens) in fresh topics (12 partitions), written before the processor starts; a fresh consumer group each run.`,
      `Timed from the first scored answer to the last via the quiz's answer counter in Redis (polled every 25 ms), so start-up and group join are excluded. BATCH_MAX_MESSAGES/BATCH_MAX_WAIT_MS at their defaults (${PROCESSOR_DEFAULTS.BATCH_MAX_MESSAGES}/${PROCESSOR_DEFAULTS.BATCH_MAX_WAIT_MS}); one quiz means one partition does all the work.`,
      `Ratio to the reference, run by run (processor answers/s ÷ ZINCRBY/s): ${ours.map((v, i) => (v / (ref[i] ?? NaN)).toFixed(4)).join(', ')}.`,
      'CPU per scored answer: user + system time over the same span as the rate, of the processor process (/proc) and of Redis (INFO cpu, its main thread), divided by the answers scored in it. It is steadier than the rate on a shared machine: a rate falls when a neighbour takes the cores, the CPU an answer costs does not.',
      `Reference: redis-benchmark -q -n ${Math.max(10_000, total * 4)} -P 50 -r 100000 ZINCRBY (50 clients) against the same Redis right after each processor run.`,
      ...notes,
    ],
    charts: [
      {
        kind: 'bar',
        file: 'scoring.svg',
        title: 'Scoring throughput (median over runs, min–max)',
        unit: 'per second',
        groups: [
          { label: 'processor answers/s', bars: [{ name: 'quizstream processor', value: spread(ours) }] },
          { label: 'redis ZINCRBY/s', bars: [{ name: 'redis-benchmark', value: spread(ref) }] },
        ],
      },
    ],
  };
}
