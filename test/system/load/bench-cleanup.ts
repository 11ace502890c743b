import { createPgPool } from '../../../common/postgres';
import { createRedis } from '../../../common/redis';
import { deleteQuizKeys, deleteQuizRows } from '../../helpers/quiz-cleanup';
import { benchConfig } from './bench-env';

// Quizzes the bench created (through ingest, or straight into Postgres for the scoring backlog).
// They live in the shared Postgres and Redis, so the run removes them at the end (ClickHouse keeps
// its analytics rows: they are append-only by design).

export const createdQuizIds: string[] = [];

export async function deleteBenchQuizzes(): Promise<void> {
  if (createdQuizIds.length === 0) return;
  const ids = createdQuizIds.splice(0);
  const redis = createRedis(benchConfig('').redis, 'bench-cleanup');
  const pg = createPgPool(benchConfig('').postgres, 1);
  try {
    for (const id of ids) await deleteQuizKeys(redis, id);
    await deleteQuizRows(pg, ids);
  } finally {
    redis.disconnect();
    await pg.end();
  }
}
