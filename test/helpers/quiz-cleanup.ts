import { isCluster, type RedisClient } from '../../common/redis';
import type { Pool } from 'pg';

// Removes what a run left for its quizzes in the shared Postgres and Redis. No Jest in here: the
// benchmark (a plain process) uses it as well as the tests.

/** Removes the quizzes and everything the processors wrote for them. */
export async function deleteQuizRows(pg: Pool, quizIds: string[]): Promise<void> {
  await pg.query('DELETE FROM scored_answers WHERE quiz_id = ANY($1)', [quizIds]);
  await pg.query('DELETE FROM player_totals WHERE quiz_id = ANY($1)', [quizIds]);
  await pg.query('DELETE FROM released_questions WHERE quiz_id = ANY($1)', [quizIds]);
  await pg.query('DELETE FROM quizzes WHERE id = ANY($1)', [quizIds]);
}

/** Deletes every processor key of a quiz (all carry the {quizId} hash tag, so on a cluster they sit on one primary). */
export async function deleteQuizKeys(redis: RedisClient, quizId: string): Promise<void> {
  for (const node of isCluster(redis) ? redis.nodes('master') : [redis]) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `qs:{${quizId}}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await node.del(...keys);
    } while (cursor !== '0');
  }
}
