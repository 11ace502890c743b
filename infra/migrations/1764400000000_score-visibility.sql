-- Up Migration
-- Per-quiz score visibility (see processors/README.md, "Score visibility"). In `onClose` quizzes
-- an answer's points wait (held) until its question closes, so nothing anyone can read while the
-- question is open tells a right answer from a wrong one.

-- Quizzes created before this migration were played with live scores: they keep them. New rows
-- default to onClose (ingest writes the value explicitly anyway).
ALTER TABLE quizzes ADD COLUMN score_visibility text NOT NULL DEFAULT 'live'
  CHECK (score_visibility IN ('onClose', 'live'));
ALTER TABLE quizzes ALTER COLUMN score_visibility SET DEFAULT 'onClose';

-- A held answer is scored and stored, but its points are not yet in player_totals. Existing rows
-- were all counted when scored.
ALTER TABLE scored_answers ADD COLUMN held boolean NOT NULL DEFAULT false;

-- Questions whose close the processors applied: their held answers were added to the totals.
-- Written by the processors in the same transaction as the totals, so a replayed close releases
-- nothing twice; the processors also read it after a restart to know which closes are done.
CREATE TABLE released_questions (
  quiz_id      text NOT NULL,
  question_id  text NOT NULL,
  released_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (quiz_id, question_id)
);
INSERT INTO released_questions (quiz_id, question_id, released_at)
  SELECT quiz_id, id, closed_at FROM questions WHERE closed_at IS NOT NULL;

-- Down Migration
DROP TABLE released_questions;
ALTER TABLE scored_answers DROP COLUMN held;
ALTER TABLE quizzes DROP COLUMN score_visibility;
