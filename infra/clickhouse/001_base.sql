-- Runs on ClickHouse 18.16 (Debian) and current releases: DateTime (seconds) plus UInt64 millisecond
-- columns instead of DateTime64, plain String instead of LowCardinality.
-- Every statement is idempotent; the migrate command applies all files in order, every time.

CREATE TABLE IF NOT EXISTS answers (
  quiz_id      String,
  question_id  String,
  player_id    String,
  answer_id    String,
  choice_id    String,
  correct      UInt8,
  late         UInt8,
  points       Int32,
  total        Int64,
  latency_ms   UInt64,
  accepted_ms  UInt64,
  scored_ms    UInt64,
  accepted_at  DateTime,
  scored_at    DateTime
) ENGINE = ReplacingMergeTree(scored_ms)
PARTITION BY toYYYYMM(accepted_at)
ORDER BY (quiz_id, question_id, player_id);

CREATE TABLE IF NOT EXISTS snapshots (
  quiz_id     String,
  seq         UInt64,
  players     UInt32,
  answers     UInt64,
  entries     String,
  created_ms  UInt64,
  created_at  DateTime
) ENGINE = ReplacingMergeTree(created_ms)
PARTITION BY toYYYYMM(created_at)
ORDER BY (quiz_id, seq);
