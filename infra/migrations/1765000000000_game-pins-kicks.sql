-- Up Migration
-- Game features (design.md "Game features (v1.1)"): a game PIN per quiz, the per-quiz option to
-- close a question once every player answered, and the players a host removed.

-- Six digits, given when the quiz is created (or on request, for quizzes made before this). Unique
-- among quizzes that are not closed: closing a quiz frees its PIN for another.
ALTER TABLE quizzes ADD COLUMN pin text CHECK (pin ~ '^[0-9]{6}$');
CREATE UNIQUE INDEX quizzes_open_pin ON quizzes (pin) WHERE status = 'open';

-- Close a question as soon as every joined, not kicked player has answered it (ingest detects it).
ALTER TABLE quizzes ADD COLUMN close_when_all_answered boolean NOT NULL DEFAULT false;

-- Players the host kicked: off the board, and refused when they join or answer again. Written by
-- ingest when it accepts the kick (with the PlayerKicked event) and by the processors when they
-- apply that event (same values, ON CONFLICT DO NOTHING), like `players`.
CREATE TABLE kicked_players (
  quiz_id    text NOT NULL REFERENCES quizzes (id) ON DELETE CASCADE,
  player_id  text NOT NULL,
  kicked_at  timestamptz NOT NULL,
  PRIMARY KEY (quiz_id, player_id)
);

-- Down Migration
DROP TABLE kicked_players;
ALTER TABLE quizzes DROP COLUMN close_when_all_answered;
DROP INDEX quizzes_open_pin;
ALTER TABLE quizzes DROP COLUMN pin;
