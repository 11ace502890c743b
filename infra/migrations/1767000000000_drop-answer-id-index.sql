-- Up Migration
-- Nothing looks a scored answer up by its answerId: the processors, the results exports and the
-- analysts' copy in ClickHouse all go by (quiz, question, player), the primary key. The index cost
-- every scored answer a third btree insert in the processors' batch transaction, which the scoring
-- throughput waits for: the answers statement of a 5,000-answer batch ran 20-25% faster without it.
DROP INDEX IF EXISTS scored_answers_answer_id;

-- Down Migration
CREATE INDEX IF NOT EXISTS scored_answers_answer_id ON scored_answers (quiz_id, answer_id);
