import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type ClickHouseClient, type ClickHouseClientConfigOptions } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { Registry } from 'prom-client';
import { createClickHouse } from '../../../common/clickhouse';
import { REPORTS } from '../../../infra/analytics/reports';
import { runReport } from '../../../infra/analytics/run';
import { applyClickHouseDdl } from '../../../infra/migrate';
import { ClickHouseWriter } from '../../../sink/clickhouse-writer';
import { createSinkMetrics } from '../../../sink/metrics';
import { PendingBatch } from '../../../sink/pending-batch';
import { toRow } from '../../../sink/rows';
import { onCleanup } from '../../helpers/cleanup';
import { uniqueId } from '../../helpers/ids';
import { testConfig, testLog } from '../../helpers/stack';
import { expectedReports, forgetQuizAtCleanup, scriptedRecords, type ScriptedRecord } from '../../helpers/scripted-quiz';

// The analytics SQL on two ClickHouse versions at once: the local server (Debian's 18.16) and the
// ClickHouse 26.x embedded in chDB, in this process, on its own data directory. infra/clickhouse/
// is applied to chDB by the code `npm run migrate` uses; the local server has it from migrate.
//
// Both get the same rows the way the sink writes them: each record of the scripted quiz of
// reports.int.test.ts through the sink's toRow into a batch, inserted by its ClickHouseWriter.
// Kafka is left out on purpose: chDB has no HTTP port for a sink to reach, and reports.int.test.ts
// already proves Kafka -> sink -> ClickHouse gives these numbers. Identical rows on both sides make
// any difference in a report a difference between the ClickHouse versions and nothing else.

describe('the analytics reports on ClickHouse 18.16 (local server) and 26.x (chDB)', () => {
  const server = createClickHouse(testConfig.clickhouse);
  const dataDir = mkdtempSync(join(tmpdir(), 'quizstream-chdb-'));
  // chdb types its connection with @clickhouse/client-common, the client with its own bundled copy
  // of the same declarations, which TypeScript sees as different types.
  const connection = createChdbConnection({ path: dataDir }) as unknown as ClickHouseClientConfigOptions['connection'];
  // No settings: the reports must run on chDB's defaults, as on a server nobody tuned.
  const chdb = createClient({ connection, clickhouse_settings: {} });
  const quizId = uniqueId('vq');
  // A second quiz that players joined but that never opened a question: the reports' empty cases.
  const waitingQuizId = uniqueId('vq-waiting');
  const both = { server, chdb };

  /** The records' rows, inserted as the sink inserts a batch. */
  async function insert(ch: ClickHouseClient, records: ScriptedRecord[]): Promise<void> {
    const batch = new PendingBatch();
    for (const [i, { role, event }] of records.entries()) batch.add(role, 0, String(i), toRow(role, event));
    const writer = new ClickHouseWriter(ch, testLog, createSinkMetrics(new Registry()), { initialMs: 100, maxMs: 500 });
    await writer.insertAll(batch.drain());
  }
  const scripted = () => scriptedRecords(quizId);
  const waiting = () => scriptedRecords(waitingQuizId).filter((r) => r.event.type === 'PlayerJoined');

  const allReports = async (ch: ClickHouseClient, quiz?: string) =>
    Object.fromEntries(await Promise.all(REPORTS.map(async (r) => [r.name, await runReport(ch, r, { quizId: quiz })] as const)));

  const version = async (ch: ClickHouseClient) => {
    const rs = await ch.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' });
    const [row] = await rs.json<{ v: string }>();
    return row!.v;
  };

  beforeAll(async () => {
    onCleanup(() => rmSync(dataDir, { recursive: true, force: true }));
    onCleanup(() => chdb.close());
    onCleanup(() => server.close());
    forgetQuizAtCleanup(server, quizId);
    forgetQuizAtCleanup(server, waitingQuizId);
    expect(await applyClickHouseDdl(chdb)).toBeGreaterThan(0);
    for (const ch of Object.values(both)) await insert(ch, [...scripted(), ...waiting()]);
  });

  it('compares two different ClickHouse versions: the local server and the 26.x in chDB', async () => {
    const versions = { server: await version(server), chdb: await version(chdb) };
    expect(versions.chdb).toMatch(/^26\./);
    expect(versions.server).not.toEqual(versions.chdb);
  });

  it('gives every report the same rows on both, the numbers worked out by hand', async () => {
    const reports = { server: await allReports(server, quizId), chdb: await allReports(chdb, quizId) };
    expect(reports.chdb).toEqual(reports.server);
    expect(reports.server).toEqual(expectedReports(quizId));
  });

  it('gives the same empty cases on both: a quiz whose players wait for the first question', async () => {
    const reports = { server: await allReports(server, waitingQuizId), chdb: await allReports(chdb, waitingQuizId) };
    expect(reports.chdb).toEqual(reports.server);
    expect(reports.server).toEqual({
      questions: [],
      quizzes: [
        { quiz_id: waitingQuizId, questions: 0, players_joined: 4, players_answered: 0, players_completed: 0, completed_pct: 0, answers: 0, correct_pct: 0, top_score: 0, started_at: '', closed_at: '' },
      ],
      funnel: [{ quiz_id: waitingQuizId, answered_at_least: 0, players: 4, pct: 100 }],
      throughput: [],
    });
  });

  it('runs every report without a quiz filter on 26.x too (chDB holds only the two test quizzes)', async () => {
    // Every report orders by quiz id first (throughput by minute, and only one quiz has answers).
    const perQuiz = await Promise.all([quizId, waitingQuizId].sort().map((id) => allReports(chdb, id)));
    const expected = Object.fromEntries(REPORTS.map((r) => [r.name, perQuiz.flatMap((reports) => reports[r.name]!)]));
    expect(await allReports(chdb)).toEqual(expected);
  });

  it('leaves every report unchanged on both when every row arrives a second time (a replay)', async () => {
    for (const ch of Object.values(both)) await insert(ch, scripted());
    expect({ server: await allReports(server, quizId), chdb: await allReports(chdb, quizId) }).toEqual({ server: expectedReports(quizId), chdb: expectedReports(quizId) });
  });

  it('applies the DDL again without error (migrate runs it on every start)', async () => {
    expect(await applyClickHouseDdl(chdb)).toBe(await applyClickHouseDdl(server));
  });
});
