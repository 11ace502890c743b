-- Rollups for the analyst's reports, kept current by materialized views over the base tables.
--
-- Replay safety: a materialized view sees every INSERT, so a replayed Kafka message (the sink
-- restarting before its offset commit, a new sink group, a processor re-scoring after a crash)
-- reaches these views a second time. Every state below is therefore idempotent under merging:
-- uniqExact sets, min/max, and groupUniqArray sets, never count/sum/quantile states. Inserting
-- the same row twice leaves each report unchanged. An answer is identified as in the base table's
-- ReplacingMergeTree key: (quiz_id, question_id, player_id), one scored answer per player and question.
-- Latency percentiles are computed at read time from a set of (player, latency) pairs, because a
-- quantile state would weigh a replayed answer twice. See infra/clickhouse/README.md.
-- Runs on ClickHouse 18.16 and current releases. Idempotent: the migrate command runs it every time.

-- Per question: answers, correct and late answers, latency from question open (set of pairs), and
-- first/last acceptance. One row per (quiz, question) once merged, read with the -Merge functions.
CREATE TABLE IF NOT EXISTS question_stats (
  quiz_id            String,
  question_id        String,
  answered_players   AggregateFunction(uniqExact, String),
  correct_players    AggregateFunction(uniqExactIf, String, UInt8),
  late_players       AggregateFunction(uniqExactIf, String, UInt8),
  latencies          AggregateFunction(groupUniqArray, Tuple(String, UInt64)),
  first_accepted_ms  AggregateFunction(min, UInt64),
  last_accepted_ms   AggregateFunction(max, UInt64)
) ENGINE = AggregatingMergeTree()
ORDER BY (quiz_id, question_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS question_stats_mv TO question_stats AS
SELECT
  quiz_id,
  question_id,
  uniqExactState(player_id) AS answered_players,
  uniqExactIfState(player_id, correct) AS correct_players,
  uniqExactIfState(player_id, late) AS late_players,
  groupUniqArrayState((player_id, latency_ms)) AS latencies,
  minState(accepted_ms) AS first_accepted_ms,
  maxState(accepted_ms) AS last_accepted_ms
FROM answers
GROUP BY quiz_id, question_id;

-- Per question and choice: which players picked it (the choice distribution).
CREATE TABLE IF NOT EXISTS question_choices (
  quiz_id      String,
  question_id  String,
  choice_id    String,
  players      AggregateFunction(uniqExact, String)
) ENGINE = AggregatingMergeTree()
ORDER BY (quiz_id, question_id, choice_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS question_choices_mv TO question_choices AS
SELECT quiz_id, question_id, choice_id, uniqExactState(player_id) AS players
FROM answers
GROUP BY quiz_id, question_id, choice_id;

-- Per quiz, from joins and lifecycle events: players joined, questions opened and closed, when the
-- quiz started (first question opened) and closed.
CREATE TABLE IF NOT EXISTS quiz_stats (
  quiz_id            String,
  joined_players     AggregateFunction(uniqExactIf, String, UInt8),
  opened_questions   AggregateFunction(uniqExactIf, String, UInt8),
  closed_questions   AggregateFunction(uniqExactIf, String, UInt8),
  first_opened_ms    AggregateFunction(minIf, UInt64, UInt8),
  quiz_closed_ms     AggregateFunction(maxIf, UInt64, UInt8)
) ENGINE = AggregatingMergeTree()
ORDER BY quiz_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS quiz_stats_mv TO quiz_stats AS
SELECT
  quiz_id,
  uniqExactIfState(player_id, kind = 'joined') AS joined_players,
  uniqExactIfState(question_id, kind = 'question_opened') AS opened_questions,
  uniqExactIfState(question_id, kind = 'question_closed') AS closed_questions,
  minIfState(at_ms, kind = 'question_opened') AS first_opened_ms,
  maxIfState(at_ms, kind = 'quiz_closed') AS quiz_closed_ms
FROM quiz_events
GROUP BY quiz_id;

-- Per quiz and player: joined or not, which questions they answered and got right, their best
-- running total (points are never negative, so the largest total is the final score). Fed by two
-- views, joins and answers, so players who joined and never answered are in the funnel too.
CREATE TABLE IF NOT EXISTS player_progress (
  quiz_id             String,
  player_id           String,
  joined              AggregateFunction(max, UInt8),
  answered_questions  AggregateFunction(uniqExactIf, String, UInt8),
  correct_questions   AggregateFunction(uniqExactIf, String, UInt8),
  best_total          AggregateFunction(max, Int64)
) ENGINE = AggregatingMergeTree()
ORDER BY (quiz_id, player_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS player_progress_answers_mv TO player_progress AS
SELECT
  quiz_id,
  player_id,
  maxState(toUInt8(0)) AS joined,
  uniqExactIfState(question_id, toUInt8(1)) AS answered_questions,
  uniqExactIfState(question_id, correct) AS correct_questions,
  maxState(total) AS best_total
FROM answers
GROUP BY quiz_id, player_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS player_progress_joins_mv TO player_progress AS
SELECT
  quiz_id,
  player_id,
  maxState(toUInt8(1)) AS joined,
  uniqExactIfState(question_id, toUInt8(0)) AS answered_questions,
  uniqExactIfState(question_id, toUInt8(0)) AS correct_questions,
  maxState(toInt64(0)) AS best_total
FROM quiz_events
WHERE kind = 'joined'
GROUP BY quiz_id, player_id;

-- Per minute of acceptance at ingest and quiz: answers accepted, and the pipeline latency
-- (scored_ms - accepted_ms, signed because two hosts' clocks are involved) of each, as a set of
-- (question, player, latency) so a replay adds nothing. A processor that re-scores an answer after
-- a crash adds a second, later latency for the same answer; reports keep the largest, which is the
-- latest scoring, as the base table's ReplacingMergeTree(scored_ms) does.
CREATE TABLE IF NOT EXISTS throughput_minute (
  minute     DateTime,
  quiz_id    String,
  answered   AggregateFunction(uniqExact, String, String),
  pipeline   AggregateFunction(groupUniqArray, Tuple(String, String, Int64))
) ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, quiz_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS throughput_minute_mv TO throughput_minute AS
SELECT
  toStartOfMinute(accepted_at) AS minute,
  quiz_id,
  uniqExactState(question_id, player_id) AS answered,
  groupUniqArrayState((question_id, player_id, toInt64(scored_ms) - toInt64(accepted_ms))) AS pipeline
FROM answers
GROUP BY minute, quiz_id;
