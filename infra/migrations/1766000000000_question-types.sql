-- Up Migration
-- Question types and scoring options (design.md "Game features (v1.1)"): choice questions with one
-- or several correct choices, true/false, and typed answers matched against accepted spellings;
-- per quiz the speed or flat rule, the answer streak and partial credit.

-- Quizzes made before this were scored with the speed rule and no streak: the defaults keep that.
ALTER TABLE quizzes ADD COLUMN scoring text NOT NULL DEFAULT 'speed' CHECK (scoring IN ('speed', 'flat'));
ALTER TABLE quizzes ADD COLUMN streak boolean NOT NULL DEFAULT false;
ALTER TABLE quizzes ADD COLUMN partial boolean NOT NULL DEFAULT false;

-- `accepted` is an answer key like `correct`: never sent to players before the close.
ALTER TABLE questions ADD COLUMN type text NOT NULL DEFAULT 'choice' CHECK (type IN ('choice', 'truefalse', 'text'));
ALTER TABLE questions ADD COLUMN accepted text[] NOT NULL DEFAULT '{}';
ALTER TABLE questions ADD COLUMN ignore_accents boolean NOT NULL DEFAULT false;

-- What the player answered, beside choice_id (kept: the single pick, or the first of several, '' for
-- text): every choice picked, or the typed text. `bonus` is the streak part of `points`.
ALTER TABLE scored_answers ADD COLUMN choice_ids text[] NOT NULL DEFAULT '{}';
ALTER TABLE scored_answers ADD COLUMN answer_text text;
ALTER TABLE scored_answers ADD COLUMN bonus int NOT NULL DEFAULT 0;

-- Down Migration
ALTER TABLE scored_answers DROP COLUMN bonus;
ALTER TABLE scored_answers DROP COLUMN answer_text;
ALTER TABLE scored_answers DROP COLUMN choice_ids;
ALTER TABLE questions DROP COLUMN ignore_accents;
ALTER TABLE questions DROP COLUMN accepted;
ALTER TABLE questions DROP COLUMN type;
ALTER TABLE quizzes DROP COLUMN partial;
ALTER TABLE quizzes DROP COLUMN streak;
ALTER TABLE quizzes DROP COLUMN scoring;
