import type { Pool, PoolClient } from 'pg';

/**
 * BEGIN, run, COMMIT; ROLLBACK on any error. A client whose ROLLBACK fails is in an unknown state,
 * so it is destroyed rather than handed to the next request.
 */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackErr: Error) => {
      broken = rollbackErr;
    });
    throw err;
  } finally {
    client.release(broken);
  }
}
