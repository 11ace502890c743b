import type { Pool } from 'pg';
import { createPgPool } from '../../common/postgres';
import { JoinRecorder } from '../../ingest/join-recorder';
import { onCleanup } from '../helpers/cleanup';
import { existingQuiz } from '../helpers/quiz-rows';
import { testConfig } from '../helpers/stack';

// The rows ingest writes for the joins it accepts, many per INSERT, against the real Postgres.

let pg: Pool;
let statements = 0;

beforeAll(() => {
  pg = createPgPool(testConfig.postgres, 4);
  onCleanup(() => pg.end());
  const query = pg.query.bind(pg) as (...args: unknown[]) => unknown;
  (pg as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    statements++;
    return query(...args);
  };
});

async function rowsOf(quizId: string): Promise<Array<{ player_id: string; display_name: string; joined_at: Date }>> {
  const { rows } = await pg.query('SELECT player_id, display_name, joined_at FROM players WHERE quiz_id = $1 ORDER BY player_id', [quizId]);
  return rows;
}

test('300 joins at once are all recorded, in far fewer INSERTs than rows, a repeat changing nothing', async () => {
  const quizId = await existingQuiz('recorder');
  onCleanup(() => pg.query('DELETE FROM players WHERE quiz_id = $1', [quizId]));
  const recorder = new JoinRecorder(pg, 100);
  const joinedAt = Date.parse('2026-12-02T10:00:00.123Z');
  const before = statements;
  const ids = Array.from({ length: 300 }, (_, i) => `p${String(i).padStart(3, '0')}`);
  await Promise.all([
    ...ids.map((id) => recorder.record(quizId, id, `Name ${id}`, joinedAt)),
    // The same player twice in one batch, with another name: the first row stays.
    recorder.record(quizId, 'p000', 'Someone else', joinedAt + 1),
  ]);
  const inserts = statements - before;
  expect(inserts).toBeGreaterThanOrEqual(3); // at most 100 rows per INSERT
  expect(inserts).toBeLessThan(30);
  const rows = await rowsOf(quizId);
  expect(rows.map((r) => r.player_id)).toEqual(ids);
  expect(rows[0]).toEqual({ player_id: 'p000', display_name: 'Name p000', joined_at: new Date(joinedAt) });
});

test('an INSERT Postgres refuses rejects every join it carried; the next one is written', async () => {
  const quizId = await existingQuiz('recorder');
  onCleanup(() => pg.query('DELETE FROM players WHERE quiz_id = $1', [quizId]));
  const recorder = new JoinRecorder(pg);
  const now = Date.now();
  const alone = recorder.record(quizId, 'x', 'X', now); // an idle recorder writes at once
  // Both wait behind it and go in one INSERT, which a quiz that does not exist breaks (foreign key).
  const together = Promise.allSettled([recorder.record(quizId, 'a', 'A', now), recorder.record('no-such-quiz-anywhere', 'b', 'B', now)]);
  await alone;
  expect((await together).map((r) => r.status)).toEqual(['rejected', 'rejected']);
  expect((await rowsOf(quizId)).map((r) => r.player_id)).toEqual(['x']);
  await recorder.record(quizId, 'c', 'C', now);
  expect((await rowsOf(quizId)).map((r) => r.player_id)).toEqual(['c', 'x']);
});
