import type { ClickHouseClient } from '@clickhouse/client';
import type { RedisClient } from '../../../common/redis';
import type { Pool } from 'pg';
import { redisKeys } from '../../../common/redis';
import type { RefResult } from '../../helpers/reference-ranking';
import { rankingInput, rankingUpTo, type QuizTruth } from './ground-truth';
import type { AcceptedAnswer } from './load-generator';
import type { Viewer } from './viewers';

// Compares every place the pipeline keeps a ranking with the ground truth once it is idle
// (invariant 3), counts accepted answers that went missing and answers counted twice
// (invariants 1, 2, 4), judges every snapshot a viewer saw against the exact ranking of its seq
// (no viewer ever saw a wrong ranking, nor in an onClose quiz the points of a question still open;
// invariant 5 is counted by the viewers themselves), and measures how stale the viewers'
// leaderboards were.

export interface QuizCheck {
  quizId: string;
  accepted: number;
  lost: number;
  lostBeforeKafka: number;
  doubleCounts: number;
  mismatches: string[];
  wrongSnapshots: number;
  /** Snapshots whose ranking is a later true state than their seq says (see checkQuiz). */
  aheadLabelled: number;
  snapshotsSeen: number;
}

type Row = { playerId: string; score: number };

const same = (a: Row[], b: Row[]) => a.length === b.length && a.every((r, i) => r.playerId === b[i]!.playerId && r.score === b[i]!.score);
const show = (rows: Row[]) => rows.slice(0, 5).map((r) => `${r.playerId}=${r.score}`).join(',') + (rows.length > 5 ? `,… (${rows.length})` : '');

/** ClickHouse 18.16 has no query parameters: ids are checked against the id pattern, then quoted. */
export function chString(value: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(value)) throw new Error(`not an id: ${JSON.stringify(value)}`);
  return `'${value}'`;
}

export interface SinkState {
  pgAnswerIds: Map<string, number>;
  pgOrder: Row[];
  redisOrder: Row[];
  redisAnswers: number;
  redisSnapshot: { seq: number; answers: number; entries: Array<{ playerId: string; score: number; displayName: string }> } | null;
  chTotals: Map<string, number>;
  chAnswers: number;
}

export async function readSinks(redis: RedisClient, pg: Pool, ch: ClickHouseClient, quizId: string): Promise<SinkState> {
  const [ids, totals, answers, snapshot] = await Promise.all([
    redis.zrevrange(redisKeys.leaderboard(quizId), 0, -1),
    redis.hgetall(redisKeys.totals(quizId)),
    redis.hget(redisKeys.stats(quizId), 'answers'),
    redis.get(redisKeys.snapshot(quizId)),
  ]);
  const pgTotals = await pg.query<{ player_id: string; total: string }>(
    'SELECT player_id, total FROM player_totals WHERE quiz_id = $1 ORDER BY total DESC, reached_at ASC, player_id DESC',
    [quizId],
  );
  const pgScored = await pg.query<{ answer_id: string; points: number }>('SELECT answer_id, points FROM scored_answers WHERE quiz_id = $1', [quizId]);
  // The answers table is a ReplacingMergeTree on (quiz, question, player): replays are collapsed on
  // read by taking one row per key, whether or not a merge has happened yet.
  const result = await ch.query({
    query: `SELECT player_id, sum(p) AS total, count() AS answers FROM (
              SELECT player_id, question_id, argMax(points, scored_ms) AS p FROM answers
              WHERE quiz_id = ${chString(quizId)} GROUP BY player_id, question_id)
            GROUP BY player_id`,
    format: 'JSONEachRow',
  });
  const chRows = await result.json<{ player_id: string; total: string | number; answers: string | number }>();
  return {
    pgAnswerIds: new Map(pgScored.rows.map((r) => [r.answer_id, r.points])),
    pgOrder: pgTotals.rows.map((r) => ({ playerId: r.player_id, score: Number(r.total) })),
    redisOrder: ids.map((id) => ({ playerId: id, score: Number(totals[id] ?? NaN) })),
    redisAnswers: Number(answers ?? 0),
    redisSnapshot: snapshot ? JSON.parse(snapshot) : null,
    chTotals: new Map(chRows.map((r) => [r.player_id, Number(r.total)])),
    chAnswers: chRows.reduce((n, r) => n + Number(r.answers), 0),
  };
}

const points = (rows: Array<{ score: number }>) => rows.reduce((n, r) => n + r.score, 0);

/**
 * True when every sink and every viewer of the quiz has all of the reference's answers, and all of
 * their points (in an onClose quiz the answers are counted before the last close releases them).
 */
export function caughtUp(s: SinkState, ref: RefResult, viewers: Viewer[]): boolean {
  const refPoints = (n: number) => points(ref.entries.slice(0, n));
  return (
    s.redisAnswers >= ref.answers &&
    s.pgAnswerIds.size >= ref.answers &&
    s.chAnswers >= ref.answers &&
    (s.redisSnapshot?.answers ?? -1) >= ref.answers &&
    viewers.every((v) => (v.latest?.answers ?? -1) >= ref.answers) &&
    points(s.redisOrder) >= refPoints(Infinity) &&
    points(s.pgOrder) >= refPoints(Infinity) &&
    points([...s.chTotals.values()].map((score) => ({ score }))) >= refPoints(Infinity) &&
    points(s.redisSnapshot?.entries ?? []) >= refPoints(s.redisSnapshot?.entries.length ?? 0) &&
    viewers.every((v) => points(v.latest?.entries ?? []) >= refPoints(v.latest?.entries.length ?? 0))
  );
}

export function checkQuiz(truth: QuizTruth, accepted: AcceptedAnswer[], s: SinkState, viewers: Viewer[], kafkaAnswerIds: Set<string>): QuizCheck {
  const ref = truth.final;
  const refRows: Row[] = ref.entries.map((e) => ({ playerId: e.playerId, score: e.score }));
  const refTotals = new Map(refRows.map((r) => [r.playerId, r.score]));
  const mismatches: string[] = [];

  const lostIds = accepted.filter((a) => !s.pgAnswerIds.has(a.answerId));
  const lostBeforeKafka = accepted.filter((a) => !kafkaAnswerIds.has(a.answerId)).length;

  let doubleCounts = 0;
  doubleCounts += Math.max(0, s.redisAnswers - ref.answers) + Math.max(0, s.pgAnswerIds.size - ref.answers) + Math.max(0, s.chAnswers - ref.answers);
  for (const rows of [s.redisOrder, s.pgOrder]) for (const r of rows) if (r.score > (refTotals.get(r.playerId) ?? 0)) doubleCounts++;
  for (const [p, total] of s.chTotals) if (total > (refTotals.get(p) ?? 0)) doubleCounts++;

  if (!same(s.redisOrder, refRows)) mismatches.push(`redis ranking ${show(s.redisOrder)} != reference ${show(refRows)}`);
  if (!same(s.pgOrder, refRows)) mismatches.push(`postgres ranking ${show(s.pgOrder)} != reference ${show(refRows)}`);
  for (const [answerId, points] of s.pgAnswerIds) {
    const want = ref.scored.get(answerId);
    if (!want || want.points !== points) mismatches.push(`postgres answer ${answerId}: ${points} points, reference ${want?.points ?? 'not counted'}`);
  }
  const scoredPlayers = refRows.filter((r) => [...ref.scored.values()].some((a) => a.playerId === r.playerId));
  for (const r of scoredPlayers) {
    if (s.chTotals.get(r.playerId) !== r.score) mismatches.push(`clickhouse total of ${r.playerId}: ${s.chTotals.get(r.playerId)} != ${r.score}`);
  }
  const snapRows = (s.redisSnapshot?.entries ?? []).map((e) => ({ playerId: e.playerId, score: e.score }));
  if (!same(snapRows, refRows.slice(0, snapRows.length)) || snapRows.length !== Math.min(refRows.length, 100)) {
    mismatches.push(`redis snapshot ${show(snapRows)} != reference ${show(refRows)}`);
  }
  for (const v of viewers) {
    const last = (v.latest?.entries ?? []).map((e) => ({ playerId: e.playerId, score: e.score }));
    if (!same(last, refRows.slice(0, last.length)) || last.length === 0) mismatches.push(`a viewer's last snapshot ${show(last)} != reference ${show(refRows)}`);
  }

  // Every snapshot every viewer saw, against the reference of exactly the events it includes
  // (offsets < seq). A snapshot that matches no prefix at or after its seq is wrong. One that
  // matches a later prefix only is a real, newer ranking under an older label (Redis is written
  // before the offset commit, so after a crash it can be ahead of the committed seq): counted, not
  // failed. A viewer whose matched prefixes go backwards saw an older ranking after a newer one.
  // The ranking changes at joins, answers and (onClose) closes; it stays the same between them.
  const cuts = [...new Set([...truth.joins, ...truth.answers].map((e) => e.offset + 1).concat([...truth.closeOffsets.values()].map((o) => o + 1)))].sort((a, b) => a - b);
  const input = rankingInput(truth);
  const cache = new Map<number, Row[]>();
  const at = (seq: number) => {
    let rows = cache.get(seq);
    if (!rows) {
      rows = rankingUpTo(input, seq).entries.map((e) => ({ playerId: e.playerId, score: e.score }));
      cache.set(seq, rows);
    }
    return rows;
  };
  const matches = (got: Row[], want: Row[]) => same(got, want.slice(0, got.length)) && got.length === Math.min(want.length, 100);
  let wrong = 0;
  let ahead = 0;
  let regressed = 0;
  let seen = 0;
  for (const v of viewers) {
    let lastPrefix = 0;
    for (const snap of v.snapshots) {
      seen++;
      const got = snap.entries.map((e) => ({ playerId: e.playerId, score: e.score }));
      let prefix: number | undefined;
      if (matches(got, at(snap.seq))) prefix = snap.seq;
      else {
        // The state is the same between two cuts, so only cuts after the seq need trying.
        for (const c of cuts) {
          if (c <= snap.seq) continue;
          if (matches(got, at(c))) {
            prefix = c;
            break;
          }
        }
        if (prefix !== undefined) ahead++;
      }
      if (prefix === undefined) {
        wrong++;
        if (wrong <= 3) mismatches.push(`viewer saw seq ${snap.seq}: ${show(got)}, which matches no ranking at or after that seq (reference at it: ${show(at(snap.seq))})`);
        continue;
      }
      // Compare the states, not labels: the last cut at or before each matched prefix.
      const state = (x: number) => cuts.filter((c) => c <= x).pop() ?? 0;
      if (state(prefix) < state(lastPrefix)) {
        regressed++;
        mismatches.push(`a viewer saw the ranking at seq ${prefix} after the one at ${lastPrefix} (older after newer)`);
      }
      lastPrefix = Math.max(lastPrefix, prefix);
    }
  }
  return {
    quizId: truth.plan.quizId,
    accepted: accepted.length,
    lost: lostIds.length,
    lostBeforeKafka,
    doubleCounts,
    mismatches,
    wrongSnapshots: wrong + regressed,
    aheadLabelled: ahead,
    snapshotsSeen: seen,
  };
}

/**
 * Worst delay between a client's 202 and the moment a viewer's leaderboard included that many
 * answers, over every answer accepted while the viewer was watching.
 */
export function worstStaleness(accepted: AcceptedAnswer[], viewers: Viewer[]): number {
  const times = accepted.map((a) => a.at).sort((x, y) => x - y);
  let worst = 0;
  for (const v of viewers) {
    const snaps = v.snapshots;
    // From when the viewer started watching: a viewer that got nothing for a long time was stale
    // all that time (counting from its first snapshot would hide exactly that).
    const from = v.startedAt;
    let j = 0;
    for (let k = 0; k < times.length; k++) {
      if (times[k]! < from) continue;
      while (j < snaps.length && snaps[j]!.answers < k + 1) j++;
      if (j === snaps.length) break; // never caught up: the idle check reports that
      worst = Math.max(worst, snaps[j]!.at - times[k]!);
    }
  }
  return worst;
}

/**
 * Time from `from` (the fault ended, or the kill) until the pipeline flowed end to end again: an
 * answer was accepted at or after `from`, and every viewer's leaderboard included every answer
 * accepted up to that one. Undefined if that never happened.
 */
export function recoveryMs(from: number, accepted: AcceptedAnswer[], viewers: Viewer[]): number | undefined {
  const times = accepted.map((a) => a.at).sort((x, y) => x - y);
  const first = times.find((t) => t >= from);
  if (first === undefined) return undefined;
  const target = times.filter((t) => t <= first).length;
  let worst = first - from;
  for (const v of viewers) {
    const hit = v.snapshots.find((s) => s.answers >= target);
    if (!hit) return undefined;
    worst = Math.max(worst, hit.at - from);
  }
  return worst;
}
