import { randomUUID } from 'node:crypto';
import { sendAnswers } from './answer-sender';
import { INGEST_BENCH_ENV } from './ingest-bench';
import { sleep } from './net';
import { AnswerPairs, closeQuestion, inParallel, setUpQuiz } from './quiz-driver';
import type { SectionResult } from './results';
import type { BenchSettings } from './settings';
import { openSse, type SseStream, type TimedEvent } from './sse-reader';
import { percentile, spread } from './stats';
import type { Tier, TierLease, TierPool } from './tiers';
import { PUSH_BENCH_ENV } from './fan-out-bench';
import { PROCESSOR_DEFAULTS } from '../../../processors/options';

// Section 2: from an answer's 202 to (a) the first leaderboard snapshot that includes it at an
// SSE viewer and (b) the player's own answer-result on me/stream, with the whole pipeline running
// (ingest, processor, ClickHouse sink, push) at a target offered rate. These need a quiz with live
// scores (an onClose quiz shows nothing of an answer before its question closes). Then (c), onClose:
// from a question's close to the last of its players' results, every player watching me/stream.

export async function runE2eBench(s: BenchSettings, env: Record<string, string>, progress: (m: string) => void, pool: TierPool): Promise<SectionResult> {
  const sizes = s.e2e;
  const leases: TierLease[] = [];
  try {
    const started = await Promise.all([
      pool.acquire('ingest', { ...env, ...INGEST_BENCH_ENV }),
      pool.acquire('processor', env),
      pool.acquire('sink', env),
      pool.acquire('push', { ...env, ...PUSH_BENCH_ENV }),
    ]);
    leases.push(...started);
    const [ingest, , , push] = started.map((l) => l.tier) as [Tier, Tier, Tier, Tier];
    progress(`e2e: tiers up; joining ${sizes.players} players`);
    const quiz = await setUpQuiz(ingest.url, { players: sizes.players, questions: sizes.questions, openAll: true, scoreVisibility: 'live' });
    // The last question is kept for a warm-up (not counted): JIT, pools, schema id lookups.
    const perRep = Math.floor((sizes.questions - 1) / s.reps);
    await sendAnswers(ingest.url, quiz.quizId, new AnswerPairs(quiz, sizes.questions - 1), { rate: Math.min(200, sizes.targetRate), durationS: 1, sockets: sizes.senders, maxInFlight: sizes.senders * 4 });
    await sleep(1_000);

    const rate: number[] = [];
    const snapP50: number[] = [];
    const snapP99: number[] = [];
    const ownP50: number[] = [];
    const ownP99: number[] = [];
    const notes: string[] = [];

    for (let rep = 0; rep < s.reps; rep++) {
      // Snapshots carry the quiz's running count of scored answers; the k-th answer accepted (in
      // 202 order) is taken to be in the first snapshot whose count reaches k.
      const snapshots: Array<{ at: number; answers: number }> = [];
      const viewer = await openSse(`${push.url}/v1/quizzes/${quiz.quizId}/leaderboard/stream`, (e: TimedEvent) => {
        if (e.event === 'snapshot') snapshots.push({ at: e.at, answers: (JSON.parse(e.data) as { answers: number }).answers });
      });
      const results = new Map<string, number>();
      const sampled = quiz.players.slice(0, sizes.personalStreams);
      const personal: SseStream[] = await Promise.all(
        sampled.map((p) =>
          openSse(`${push.url}/v1/quizzes/${quiz.quizId}/me/stream?token=${encodeURIComponent(p.token)}`, (e) => {
            if (e.event === 'answer-result') results.set((JSON.parse(e.data) as { answerId: string }).answerId, e.at);
          }),
        ),
      );
      await sleep(1_000); // the initial snapshot arrives and push's consumers settle
      const base = snapshots.at(-1)?.answers ?? 0;
      // Each run has questions of its own: one that answered the next run's would leave it 409s.
      const pairs = new AnswerPairs(quiz, rep * perRep, (rep + 1) * perRep);
      const sampledIds = new Set(sampled.map((p) => p.id));
      const sent = await sendAnswers(ingest.url, quiz.quizId, pairs, { rate: sizes.targetRate, durationS: sizes.durationS, sockets: sizes.senders, maxInFlight: sizes.senders * 4 });
      const accepted = [...sent.accepted].sort((a, b) => a.acceptedAt - b.acceptedAt);
      const ownExpected = accepted.filter((a) => sampledIds.has(a.playerId));
      // Drain: bounded wait for the last snapshot and the sampled players' results.
      const drainUntil = performance.now() + 15_000;
      while (performance.now() < drainUntil) {
        const last = snapshots.at(-1)?.answers ?? 0;
        const own = ownExpected.filter((a) => results.has(a.answerId)).length;
        if (last - base >= accepted.length && own >= ownExpected.length) break;
        await sleep(100);
      }
      viewer.close();
      for (const p of personal) p.close();

      const snapLat: number[] = [];
      let si = 0;
      accepted.forEach((a, k) => {
        while (si < snapshots.length && snapshots[si]!.answers - base < k + 1) si++;
        if (si < snapshots.length) snapLat.push(Math.max(0, snapshots[si]!.at - a.acceptedAt));
      });
      const ownLat = ownExpected.flatMap((a) => {
        const at = results.get(a.answerId);
        return at === undefined ? [] : [at - a.acceptedAt];
      });
      rate.push(accepted.length / sent.durationS);
      snapP50.push(percentile(snapLat, 50));
      snapP99.push(percentile(snapLat, 99));
      ownP50.push(percentile(ownLat, 50));
      ownP99.push(percentile(ownLat, 99));
      const gaps = snapshots.slice(1).map((x, i) => x.at - snapshots[i]!.at).filter((_, i) => snapshots[i]!.answers > base && snapshots[i]!.answers - base < accepted.length);
      const [gapP50, gapP99, gapMax] = [percentile(gaps, 50), percentile(gaps, 99), Math.max(0, ...gaps)].map(Math.round);
      notes.push(`run ${rep + 1}: time between snapshots at the viewer while answers came in: p50 ${gapP50} ms, p99 ${gapP99} ms, max ${gapMax} ms (${gaps.length} gaps).`);
      progress(`e2e: run ${rep + 1}/${s.reps}: snapshot gaps p50 ${gapP50} ms, max ${gapMax} ms`);
      const fails = Object.entries(sent.failed).map(([k, v]) => `${k}×${v}`).join(', ') || 'none';
      const ranOut = sent.exhausted ? ` It ran out of (player, question) pairs (${pairs.capacity}) before ${sizes.durationS} s: the run was short.` : '';
      notes.push(`run ${rep + 1}: offered ${sent.offered} in ${sent.durationS.toFixed(1)} s (${sent.notOffered} not offered: in-flight cap), ${accepted.length} accepted, failures: ${fails}; ${snapLat.length}/${accepted.length} seen in a snapshot, ${ownLat.length}/${ownExpected.length} sampled results seen.${ranOut}`);
      progress(`e2e: run ${rep + 1}/${s.reps}: ${Math.round(accepted.length / sent.durationS)}/s accepted, snapshot p99 ${Math.round(percentile(snapLat, 99))} ms, own result p99 ${Math.round(percentile(ownLat, 99))} ms`);
    }
    const closeLast: number[] = [];
    const closeP50: number[] = [];
    for (let rep = 0; rep < s.reps; rep++) {
      progress(`e2e: close run ${rep + 1}/${s.reps}: joining ${sizes.closePlayers} players of an onClose quiz`);
      const r = await closeToResults(ingest.url, push.url, sizes.closePlayers, sizes.senders);
      closeLast.push(r.lastMs);
      closeP50.push(r.p50Ms);
      notes.push(`close run ${rep + 1}: ${r.note}`);
      progress(`e2e: close run ${rep + 1}/${s.reps}: last result ${Math.round(r.lastMs)} ms after the close`);
    }
    const throttle = env.SNAPSHOT_THROTTLE_MS ?? '500';
    return {
      id: 'e2e',
      title: '2. End to end: 202 → viewer snapshot and → own result (live scores); close → results (onClose)',
      figures: [
        { name: `Answers accepted/s (offered ${sizes.targetRate}/s)`, unit: 'answers/s', ours: rate },
        { name: '202 → snapshot at SSE viewer p50', unit: 'ms', ours: snapP50 },
        { name: '202 → snapshot at SSE viewer p99', unit: 'ms', ours: snapP99, reference: snapP99.map(() => Number(throttle) + 100), referenceName: 'issue target (p99 ≤ throttle + 100 ms)' },
        { name: '202 → own result on me/stream p50', unit: 'ms', ours: ownP50 },
        { name: '202 → own result on me/stream p99', unit: 'ms', ours: ownP99, reference: ownP99.map(() => 300), referenceName: 'issue 16 target (p99 ≤ 300 ms)' },
        { name: `Close → median player's result (onClose, ${sizes.closePlayers} players)`, unit: 'ms', ours: closeP50 },
        { name: `Close → last player's result (onClose, ${sizes.closePlayers} players)`, unit: 'ms', ours: closeLast },
      ],
      notes: [
        `Whole pipeline as child processes: ingest, processor, ClickHouse sink, push (one each) plus the open-loop sender and the SSE readers in the bench process, all on this machine. SNAPSHOT_THROTTLE_MS=${throttle}, BATCH_MAX_MESSAGES/BATCH_MAX_WAIT_MS at their defaults (${PROCESSOR_DEFAULTS.BATCH_MAX_MESSAGES}/${PROCESSOR_DEFAULTS.BATCH_MAX_WAIT_MS}) unless set in the environment.`,
        `Offered ${sizes.targetRate}/s for ${sizes.durationS} s per run on ${sizes.senders} keep-alive sockets, at most ${sizes.senders * 4} in flight; ${sizes.players} players, one leaderboard viewer, ${sizes.personalStreams} players with me/stream open (their answers give the own-result figure). The quiz has scoreVisibility live.`,
        `Close figures: a fresh quiz with scoreVisibility onClose and ${sizes.closePlayers} players, every one with me/stream open in the bench process; each answers the one open question once; once every stream has its answer-received (the answers are held), the host closes the question. Timed from sending the close request to each player's answer-result arriving (the close's own HTTP round trip through ingest and Kafka included).`,
        'Snapshot figure: the k-th answer to get a 202 counts as contained in the first snapshot whose `answers` count (minus the count at the run start) reaches k; Kafka order and 202 order agree up to one producer batch, so this is exact to within a batch.',
        ...notes,
      ],
      charts: [
        {
          kind: 'bar',
          file: 'e2e-latency.svg',
          title: 'End to end latency (median over runs, min–max)',
          unit: 'ms',
          groups: [
            { label: 'snapshot p50', bars: [{ name: 'quizstream', value: spread(snapP50) }] },
            { label: 'snapshot p99', bars: [{ name: 'quizstream', value: spread(snapP99) }] },
            { label: 'own result p50', bars: [{ name: 'quizstream', value: spread(ownP50) }] },
            { label: 'own result p99', bars: [{ name: 'quizstream', value: spread(ownP99) }] },
            { label: 'close → last result', bars: [{ name: 'quizstream', value: spread(closeLast) }] },
          ],
        },
      ],
    };
  } finally {
    await Promise.all(leases.map((l) => l.release()));
  }
}

/**
 * One onClose quiz: every player opens me/stream and answers the open question; once all answers
 * are held, the question is closed. Times from sending the close to each player's answer-result.
 */
async function closeToResults(ingestUrl: string, pushUrl: string, players: number, senders: number): Promise<{ lastMs: number; p50Ms: number; note: string }> {
  const quiz = await setUpQuiz(ingestUrl, { players, questions: 1, openAll: true, scoreVisibility: 'onClose' });
  const received = new Set<string>();
  const results = new Map<string, number>();
  let closeSentAt = Infinity;
  let beforeClose = 0;
  const streams = await inParallel(quiz.players, 64, (p) =>
    openSse(`${pushUrl}/v1/quizzes/${quiz.quizId}/me/stream?token=${encodeURIComponent(p.token)}`, (e) => {
      if (e.event === 'answer-received') received.add(p.id);
      if (e.event === 'answer-result') {
        if (e.at < closeSentAt) beforeClose++;
        results.set(p.id, e.at);
      }
    }),
  );
  try {
    await sleep(1_000); // push's consumer has every stream registered before the first answer
    // Every player answers once, half of them right, as fast as `senders` requests at a time go.
    const answered = new Set<string>();
    const failures = new Map<string, number>();
    await inParallel(quiz.players, senders, async (p, i) => {
      const body = JSON.stringify({ questionId: quiz.questionIds[0], choiceId: i % 2 === 0 ? 'a' : 'b', answerId: randomUUID() });
      const res = await fetch(`${ingestUrl}/v1/quizzes/${quiz.quizId}/answers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${p.token}` },
        body,
        signal: AbortSignal.timeout(15_000),
      }).catch((err: Error) => err);
      if (res instanceof Error) failures.set(res.message, (failures.get(res.message) ?? 0) + 1);
      else {
        await res.text();
        if (res.status === 202) answered.add(p.id);
        else failures.set(`HTTP ${res.status}`, (failures.get(`HTTP ${res.status}`) ?? 0) + 1);
      }
    });
    const heldUntil = performance.now() + 30_000;
    while ([...answered].some((id) => !received.has(id)) && performance.now() < heldUntil) await sleep(50);
    closeSentAt = performance.now();
    await closeQuestion(ingestUrl, quiz.quizId, quiz.questionIds[0]!);
    const closedAt = performance.now();
    const drainUntil = performance.now() + 30_000;
    while ([...answered].some((id) => !results.has(id)) && performance.now() < drainUntil) await sleep(20);
    const latencies = [...answered].flatMap((id) => {
      const at = results.get(id);
      return at === undefined ? [] : [at - closeSentAt];
    });
    const missing = answered.size - latencies.length;
    const note =
      `${answered.size} of ${players} players answered (failures: ${[...failures].map(([k, v]) => `${k}×${v}`).join(', ') || 'none'}; ${received.size} answer-received before the close, ${beforeClose} results before it); ` +
      `the close's 200 came ${Math.round(closedAt - closeSentAt)} ms after it was sent; ${latencies.length} results arrived${missing > 0 ? `, ${missing} never did within 30 s` : ''}.`;
    return { lastMs: latencies.length > 0 ? Math.max(...latencies) : NaN, p50Ms: percentile(latencies, 50), note };
  } finally {
    for (const stream of streams) stream.close();
  }
}
