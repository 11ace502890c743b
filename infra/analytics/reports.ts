import { stringLiteral } from './sql-literal';

// The canned reports. Each reads the rollups of infra/clickhouse/003_rollups.sql with the -Merge
// functions (parts of an AggregatingMergeTree may not be merged yet, so every read aggregates).
// The SQL is written for ClickHouse 18.16 and current releases (proven on 26.7, see
// infra/clickhouse/README.md): one JOIN per SELECT with an explicit ANY/ALL strictness and an alias
// on each joined subquery, no window functions, no query parameters.
//
// Percentiles are "nearest rank" over the exact, deduplicated set of latencies: the value at
// 0-based position floor(p * n) of the sorted values, which is what quantileExact returns. They are
// computed from arrays because a quantile state would count a replayed answer twice.

export type ColumnKind = 'int' | 'float' | 'text';

export interface Column {
  name: string;
  kind: ColumnKind;
  /** What the column means, for --help and the README. */
  about: string;
}

export interface ReportFilter {
  quizId?: string;
}

export interface Report {
  name: string;
  about: string;
  columns: Column[];
  sql(filter: ReportFilter): string;
}

function quizWhere(filter: ReportFilter): string {
  return filter.quizId === undefined ? '' : `WHERE quiz_id = ${stringLiteral(filter.quizId)}\n`;
}

/** Nearest-rank percentile of an already sorted array expression (1-based indexing in ClickHouse). */
function percentile(sorted: string, p: number): string {
  return `${sorted}[toUInt64(floor(${p} * length(${sorted}))) + 1]`;
}

/** Epoch milliseconds as 'YYYY-MM-DD hh:mm:ss' UTC, '' for 0 (18.16 prints 0 as 0000-00-00). */
function utcText(ms: string): string {
  return `if(${ms} = 0, '', toString(toDateTime(intDiv(${ms}, 1000)), 'UTC'))`;
}

const questions: Report = {
  name: 'questions',
  about: 'per question: answers, share of joined players who answered, correct rate, latency percentiles, choices',
  columns: [
    { name: 'quiz_id', kind: 'text', about: 'quiz' },
    { name: 'question_id', kind: 'text', about: 'question' },
    { name: 'answers', kind: 'int', about: 'scored answers (one per player: only the first answer counts)' },
    { name: 'answered_pct', kind: 'float', about: 'answers as a percentage of the players who joined the quiz' },
    { name: 'correct', kind: 'int', about: 'correct answers (late ones included)' },
    { name: 'correct_pct', kind: 'float', about: 'correct / answers, percent' },
    { name: 'late', kind: 'int', about: 'answers accepted after the time limit (0 points)' },
    { name: 'p50_ms', kind: 'int', about: 'median latency from question open to acceptance, ms' },
    { name: 'p90_ms', kind: 'int', about: '90th percentile of that latency, ms' },
    { name: 'p99_ms', kind: 'int', about: '99th percentile of that latency, ms' },
    { name: 'choices', kind: 'text', about: 'choice distribution, "choice=answers" sorted by choice id' },
  ],
  sql: (f) => `SELECT
  quiz_id,
  question_id,
  answers,
  if(joined > 0, round(100 * answers / joined, 1), 0) AS answered_pct,
  correct,
  round(100 * correct / answers, 1) AS correct_pct,
  late,
  p50_ms,
  p90_ms,
  p99_ms,
  choices
FROM
(
  SELECT quiz_id, question_id, answers, correct, late, p50_ms, p90_ms, p99_ms, choices
  FROM
  (
    SELECT
      quiz_id,
      question_id,
      uniqExactMerge(answered_players) AS answers,
      uniqExactIfMerge(correct_players) AS correct,
      uniqExactIfMerge(late_players) AS late,
      arraySort(arrayMap(t -> t.2, groupUniqArrayMerge(latencies))) AS sorted,
      ${percentile('sorted', 0.5)} AS p50_ms,
      ${percentile('sorted', 0.9)} AS p90_ms,
      ${percentile('sorted', 0.99)} AS p99_ms
    FROM question_stats
    ${quizWhere(f)}    GROUP BY quiz_id, question_id
  ) AS per_question
  ANY LEFT JOIN
  (
    SELECT
      quiz_id,
      question_id,
      arrayStringConcat(arrayMap(t -> concat(t.1, '=', toString(t.2)), arraySort(groupArray((choice_id, picks)))), ' ') AS choices
    FROM
    (
      SELECT quiz_id, question_id, choice_id, uniqExactMerge(players) AS picks
      FROM question_choices
      ${quizWhere(f)}      GROUP BY quiz_id, question_id, choice_id
    )
    GROUP BY quiz_id, question_id
  ) AS choice_counts USING (quiz_id, question_id)
) AS question_rows
ANY LEFT JOIN
(
  SELECT quiz_id, uniqExactIfMerge(joined_players) AS joined
  FROM quiz_stats
  ${quizWhere(f)}  GROUP BY quiz_id
) AS joined_per_quiz USING (quiz_id)
ORDER BY quiz_id, question_id`,
};

/** Per player of each quiz: joined, answered and correct questions, score. Shared by two reports. */
function perPlayer(f: ReportFilter, indent: string): string {
  return `SELECT
  quiz_id,
  player_id,
  maxMerge(joined) AS joined,
  uniqExactIfMerge(answered_questions) AS answered,
  uniqExactIfMerge(correct_questions) AS correct,
  maxMerge(best_total) AS score
FROM player_progress
${quizWhere(f)}GROUP BY quiz_id, player_id`
    .split('\n')
    .map((line) => (line ? indent + line : line))
    .join('\n');
}

function perQuiz(f: ReportFilter, indent: string): string {
  return `SELECT
  quiz_id,
  uniqExactIfMerge(opened_questions) AS opened,
  minIfMerge(first_opened_ms) AS started_ms,
  maxIfMerge(quiz_closed_ms) AS closed_ms
FROM quiz_stats
${quizWhere(f)}GROUP BY quiz_id`
    .split('\n')
    .map((line) => (line ? indent + line : line))
    .join('\n');
}

const quizzes: Report = {
  name: 'quizzes',
  about: 'per quiz: players joined, answering and completing, answers, correct rate, top score, start and close',
  columns: [
    { name: 'quiz_id', kind: 'text', about: 'quiz' },
    { name: 'questions', kind: 'int', about: 'questions opened' },
    { name: 'players_joined', kind: 'int', about: 'players who joined' },
    { name: 'players_answered', kind: 'int', about: 'players who answered at least one question' },
    { name: 'players_completed', kind: 'int', about: 'players who answered every opened question' },
    { name: 'completed_pct', kind: 'float', about: 'players_completed / players_joined, percent' },
    { name: 'answers', kind: 'int', about: 'scored answers' },
    { name: 'correct_pct', kind: 'float', about: 'correct answers / answers, percent' },
    { name: 'top_score', kind: 'int', about: 'highest total score' },
    { name: 'started_at', kind: 'text', about: 'first question opened (UTC)' },
    { name: 'closed_at', kind: 'text', about: 'quiz closed (UTC), empty while it runs' },
  ],
  sql: (f) => `SELECT
  quiz_id,
  any(opened) AS questions,
  countIf(joined = 1) AS players_joined,
  countIf(answered > 0) AS players_answered,
  countIf(opened > 0 AND answered >= opened) AS players_completed,
  if(players_joined > 0, round(100 * players_completed / players_joined, 1), 0) AS completed_pct,
  sum(answered) AS answers,
  if(answers > 0, round(100 * sum(correct) / answers, 1), 0) AS correct_pct,
  max(score) AS top_score,
  ${utcText('any(started_ms)')} AS started_at,
  ${utcText('any(closed_ms)')} AS closed_at
FROM
(
${perQuiz(f, '  ')}
) AS per_quiz
ALL LEFT JOIN
(
${perPlayer(f, '  ')}
) AS per_player USING (quiz_id)
GROUP BY quiz_id
ORDER BY quiz_id`,
};

const funnel: Report = {
  name: 'funnel',
  about: 'per quiz: the completion funnel, players who answered at least k of the opened questions',
  columns: [
    { name: 'quiz_id', kind: 'text', about: 'quiz' },
    { name: 'answered_at_least', kind: 'int', about: 'k: 0 is every player who joined (or answered)' },
    { name: 'players', kind: 'int', about: 'players who answered at least k questions' },
    { name: 'pct', kind: 'float', about: 'players / players at k = 0, percent' },
  ],
  sql: (f) => `SELECT
  quiz_id,
  answered_at_least,
  players,
  round(100 * players / total, 1) AS pct
FROM
(
  SELECT quiz_id, k AS answered_at_least, countIf(answered >= k) AS players, count() AS total
  FROM
  (
    SELECT quiz_id, opened, answered
    FROM
    (
${perQuiz(f, '      ')}
    ) AS per_quiz
    ALL INNER JOIN
    (
${perPlayer(f, '      ')}
    ) AS per_player USING (quiz_id)
  )
  ARRAY JOIN range(toUInt32(greatest(opened, answered) + 1)) AS k
  GROUP BY quiz_id, k
)
ORDER BY quiz_id, answered_at_least`,
};

const throughput: Report = {
  name: 'throughput',
  about: 'per minute of acceptance: answers, answers per second, p50 and p99 pipeline latency (scored - accepted)',
  columns: [
    { name: 'minute', kind: 'text', about: 'minute the answers were accepted at ingest (UTC)' },
    { name: 'answers', kind: 'int', about: 'answers accepted in that minute and scored' },
    { name: 'answers_per_s', kind: 'float', about: 'answers / 60' },
    { name: 'p50_ms', kind: 'int', about: 'median pipeline latency, scoredAt - acceptedAt, ms' },
    { name: 'p99_ms', kind: 'int', about: '99th percentile of that latency, ms' },
  ],
  sql: (f) => `SELECT toString(m, 'UTC') AS minute, answers, answers_per_s, p50_ms, p99_ms
FROM
(
  SELECT
    m,
    count() AS answers,
    round(answers / 60, 2) AS answers_per_s,
    arraySort(groupArray(latency_ms)) AS sorted,
    ${percentile('sorted', 0.5)} AS p50_ms,
    ${percentile('sorted', 0.99)} AS p99_ms
  FROM
  (
    SELECT m, quiz_id, t.1 AS question_id, t.2 AS player_id, max(t.3) AS latency_ms
    FROM
    (
      SELECT minute AS m, quiz_id, arrayJoin(groupUniqArrayMerge(pipeline)) AS t
      FROM throughput_minute
      ${quizWhere(f)}      GROUP BY m, quiz_id
    )
    GROUP BY m, quiz_id, question_id, player_id
  )
  GROUP BY m
)
ORDER BY m`,
};

export const REPORTS: readonly Report[] = [questions, quizzes, funnel, throughput];

export function findReport(name: string): Report | undefined {
  return REPORTS.find((r) => r.name === name);
}
