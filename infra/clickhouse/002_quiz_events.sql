-- Joins and quiz lifecycle events, one row per quiz.events message that is not an answer.
-- Written by processors; deduplicated on read (a replay writes the same event_id again).
-- kind: 'joined' | 'kicked' | 'question_opened' | 'question_closed' | 'quiz_closed'.
-- question_id is '' for joins, kicks and quiz close; player_id is '' except for joins and kicks, display_name except for joins.
CREATE TABLE IF NOT EXISTS quiz_events (
  quiz_id       String,
  kind          String,
  event_id      String,
  question_id   String,
  player_id     String,
  display_name  String,
  at_ms         UInt64,
  at            DateTime
) ENGINE = ReplacingMergeTree(at_ms)
PARTITION BY toYYYYMM(at)
ORDER BY (quiz_id, kind, event_id);
