import '../helpers/cleanup';
import { createClickHouse } from '../../common/clickhouse';
import { migrateClickHouse } from '../../infra/migrate';
import { testConfig } from '../helpers/stack';
import { uniqueId } from '../helpers/ids';
import { onCleanup } from '../helpers/cleanup';

describe('ClickHouse', () => {
  test('the DDL applies to a fresh database, twice, and an inserted answer reads back deduplicated', async () => {
    const database = uniqueId('qs_ch');
    const config = { ...testConfig, clickhouse: { ...testConfig.clickhouse, database } };
    expect(await migrateClickHouse(config)).toBeGreaterThan(0);
    await migrateClickHouse(config); // idempotent
    const ch = createClickHouse(config.clickhouse);
    onCleanup(async () => {
      await ch.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      await ch.close();
    });

    const now = Date.now();
    const row = {
      quiz_id: 'quiz-1', question_id: 'q1', player_id: 'p1', answer_id: 'a1', choice_id: 'b',
      correct: 1, late: 0, points: 750, total: 750, latency_ms: 10_000,
      accepted_ms: now, scored_ms: now + 5, accepted_at: Math.floor(now / 1000), scored_at: Math.floor(now / 1000),
    };
    // The same answer twice, as a replay after a crash would write it.
    await ch.insert({ table: 'answers', values: [row, row], format: 'JSONEachRow' });
    const result = await ch.query({
      // ClickHouse 18.16 has no query parameters; this database is the test's own, so a literal is safe.
      query: "SELECT player_id, points, count() AS n FROM answers FINAL WHERE quiz_id = 'quiz-1' GROUP BY player_id, points",
      format: 'JSONEachRow',
    });
    const rows = await result.json<{ player_id: string; points: number; n: string | number }>();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ player_id: 'p1', points: 750 });
    expect(Number(rows[0]!.n)).toBe(1);
  });
});
