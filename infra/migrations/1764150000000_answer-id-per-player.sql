-- Up Migration
-- A scored answer is identified by (quiz, question, player), as in Redis and ClickHouse. answerId is
-- a client's idempotency token for its own answer: two players (or one player on two questions)
-- may send the same one, and a global UNIQUE made Postgres drop a row that Redis had counted.
ALTER TABLE scored_answers DROP CONSTRAINT IF EXISTS scored_answers_answer_id_key;
CREATE INDEX IF NOT EXISTS scored_answers_answer_id ON scored_answers (quiz_id, answer_id);

-- Down Migration
DROP INDEX IF EXISTS scored_answers_answer_id;
ALTER TABLE scored_answers ADD CONSTRAINT scored_answers_answer_id_key UNIQUE (answer_id);
