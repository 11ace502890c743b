import type { Pool } from 'pg';
import { createPgPool } from '../../common/postgres';
import { onCleanup } from './cleanup';
import { uniqueId } from './ids';
import { testConfig } from './stack';

// A quiz that exists for push, which refuses streams for unknown quizzes: the row ingest's create
// writes in Postgres. For tests that drive push without ingest; the row goes at cleanup.

let pool: Pool | undefined;

function quizzesPool(): Pool {
  if (!pool) {
    const created = createPgPool(testConfig.postgres, 1);
    onCleanup(() => created.end());
    pool = created;
  }
  return pool;
}

/** A fresh quiz id with its `quizzes` row. */
export async function existingQuiz(prefix: string): Promise<string> {
  const pg = quizzesPool();
  const quizId = uniqueId(prefix);
  await pg.query('INSERT INTO quizzes (id, title) VALUES ($1, $2)', [quizId, `push test ${quizId}`]);
  onCleanup(() => pg.query('DELETE FROM quizzes WHERE id = $1', [quizId]));
  return quizId;
}
