import '../helpers/cleanup';
import { Client } from 'pg';
import { ensurePostgresDatabase, migratePostgres } from '../../infra/migrate';
import { testConfig } from '../helpers/stack';
import { uniqueId } from '../helpers/ids';
import { onCleanup } from '../helpers/cleanup';

async function tables(url: string): Promise<string[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    return rows.map((r) => r.table_name);
  } finally {
    await client.end();
  }
}

describe('Postgres migrations', () => {
  test('up creates the schema in a fresh database, down removes it, up again restores it', async () => {
    const dbName = uniqueId('qs_mig').toLowerCase();
    const url = new URL(testConfig.postgres.url);
    url.pathname = `/${dbName}`;
    const config = { ...testConfig, postgres: { url: url.toString() } };
    await ensurePostgresDatabase(config.postgres.url);
    onCleanup(async () => {
      const admin = new URL(testConfig.postgres.url);
      admin.pathname = '/postgres';
      const c = new Client({ connectionString: admin.toString() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${dbName}"`);
      await c.end();
    });

    const up = await migratePostgres(config, 'up');
    expect(up.length).toBeGreaterThan(0);
    expect(await tables(config.postgres.url)).toEqual(
      expect.arrayContaining(['quizzes', 'questions', 'players', 'scored_answers', 'player_totals', 'consumer_offsets']),
    );
    expect(await migratePostgres(config, 'up')).toEqual([]); // idempotent

    const down = await migratePostgres(config, 'down', up.length);
    expect(down).toHaveLength(up.length);
    expect(await tables(config.postgres.url)).toEqual(['pgmigrations']);

    await migratePostgres(config, 'up');
    expect(await tables(config.postgres.url)).toContain('scored_answers');
  });
});
