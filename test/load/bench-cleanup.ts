import { createPgPool } from '../../common/postgres';
import { createRedis } from '../../common/redis';
import { benchConfig } from './bench-env';

// Quizzes the bench created through ingest. They live in the shared Postgres and Redis, so the run
// removes them at the end (ClickHouse keeps its analytics rows: they are append-only by design).

export const createdQuizIds: string[] = [];

export async function deleteBenchQuizzes(): Promise<void> {
  if (createdQuizIds.length === 0) return;
  const ids = createdQuizIds.splice(0);
  const redis = createRedis(benchConfig('').redis, 'bench-cleanup');
  const pg = createPgPool(benchConfig('').postgres, 1);
  try {
    for (const id of ids) {
      const keys = await redis.keys(`qs:{${id}}:*`);
      if (keys.length > 0) await redis.del(...keys);
    }
    await pg.query('DELETE FROM scored_answers WHERE quiz_id = ANY($1)', [ids]);
    await pg.query('DELETE FROM player_totals WHERE quiz_id = ANY($1)', [ids]);
    await pg.query('DELETE FROM quizzes WHERE id = ANY($1)', [ids]);
  } finally {
    redis.disconnect();
    await pg.end();
  }
}
