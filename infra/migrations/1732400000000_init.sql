-- Up Migration
-- Postgres is the source of truth: quiz definitions (with the answer key), who joined,
-- every scored answer and each player's total.

CREATE TABLE quizzes (
  id          text PRIMARY KEY,
  title       text NOT NULL,
  status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  closed_at   timestamptz
);

CREATE TABLE questions (
  quiz_id        text NOT NULL REFERENCES quizzes (id) ON DELETE CASCADE,
  id             text NOT NULL,
  position       int  NOT NULL,
  prompt         text NOT NULL,
  choices        jsonb NOT NULL,            -- [{"id","text"}], never includes the key
  correct        text[] NOT NULL,           -- the answer key: never sent to players before close
  points         int  NOT NULL DEFAULT 1000 CHECK (points >= 0),
  time_limit_ms  int  NOT NULL DEFAULT 20000 CHECK (time_limit_ms > 0),
  opened_at      timestamptz,
  closes_at      timestamptz,
  closed_at      timestamptz,
  PRIMARY KEY (quiz_id, id)
);

CREATE TABLE players (
  quiz_id       text NOT NULL REFERENCES quizzes (id) ON DELETE CASCADE,
  player_id     text NOT NULL,
  display_name  text NOT NULL,
  joined_at     timestamptz NOT NULL,
  PRIMARY KEY (quiz_id, player_id)
);

-- One row per (quiz, question, player): the first accepted answer wins, a replay is a no-op.
CREATE TABLE scored_answers (
  quiz_id      text NOT NULL,
  question_id  text NOT NULL,
  player_id    text NOT NULL,
  answer_id    text NOT NULL UNIQUE,
  choice_id    text NOT NULL,
  correct      boolean NOT NULL,
  late         boolean NOT NULL DEFAULT false,
  points       int NOT NULL,
  latency_ms   bigint NOT NULL,
  accepted_at  timestamptz NOT NULL,
  scored_at    timestamptz NOT NULL,
  PRIMARY KEY (quiz_id, question_id, player_id)
);

CREATE TABLE player_totals (
  quiz_id     text NOT NULL,
  player_id   text NOT NULL,
  total       bigint NOT NULL DEFAULT 0,
  answers     int NOT NULL DEFAULT 0,
  reached_at  timestamptz NOT NULL,          -- when the player reached this total: the tie-breaker
  PRIMARY KEY (quiz_id, player_id)
);
CREATE INDEX player_totals_rank ON player_totals (quiz_id, total DESC, reached_at ASC);

-- Processors commit their Kafka position here in the same transaction as their effects, so
-- effects and offsets can never disagree after a crash.
CREATE TABLE consumer_offsets (
  group_id     text NOT NULL,
  topic        text NOT NULL,
  partition    int  NOT NULL,
  next_offset  bigint NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, topic, partition)
);

-- Down Migration
DROP TABLE consumer_offsets;
DROP TABLE player_totals;
DROP TABLE scored_answers;
DROP TABLE players;
DROP TABLE questions;
DROP TABLE quizzes;
