import { sleep } from '../http-client';
import type { RunningScenario, Scenario } from '../scenario';
import { startService, stopService } from '../stack-control';
import { chString } from '../checks';

// ClickHouse stopped for 60 s. Scoring and snapshots must go on (the sink is a separate consumer);
// the rows missing meanwhile must arrive once it is back.

async function chAnswers(s: RunningScenario): Promise<number> {
  const ids = s.load.plans.map((p) => chString(p.quizId)).join(', ');
  const r = await s.ctx.ch.query({
    query: `SELECT count() AS n FROM (SELECT quiz_id, question_id, player_id FROM answers WHERE quiz_id IN (${ids}) GROUP BY quiz_id, question_id, player_id)`,
    format: 'JSONEachRow',
  });
  const rows = await r.json<{ n: string | number }>();
  return Number(rows[0]?.n ?? 0);
}

export function clickhouseOutage(downMs = 60_000): Scenario {
  return {
    name: 'ClickHouse down 60 s',
    summary: `stop ClickHouse for ${downMs / 1000} s, then start it`,
    quizzes: 2,
    players: 12,
    viewersPerQuiz: 2,
    warmupMs: 5_000,
    afterMs: 5_000,
    async inject(s) {
      const { ctx, load, viewers } = s;
      ctx.log('  stopping clickhouse');
      await stopService(ctx.stack, 'clickhouse');
      const downAt = Date.now();
      const acceptedBefore = load.accepted.length;
      const snapsBefore = viewers.reduce((n, v) => n + v.snapshots.length, 0);
      await sleep(downMs);
      const acceptedDuring = load.accepted.length - acceptedBefore;
      const snapsDuring = viewers.reduce((n, v) => n + v.snapshots.length, 0) - snapsBefore;
      ctx.log(`  starting clickhouse (during the outage: ${acceptedDuring} answers accepted, ${snapsDuring} snapshots to viewers)`);
      await startService(ctx.stack, 'clickhouse');
      const upAt = Date.now();
      const failures: string[] = [];
      if (acceptedDuring === 0) failures.push('no answer accepted while ClickHouse was down');
      if (snapsDuring === 0) failures.push('no snapshot reached a viewer while ClickHouse was down');
      // Catch-up: the rows accepted so far (minus the last seconds' in flight) are in ClickHouse.
      const target = load.accepted.length;
      let caughtUpMs: number | undefined;
      while (Date.now() - upAt < 90_000) {
        const n = await chAnswers(s).catch(() => 0);
        if (n >= target) {
          caughtUpMs = Date.now() - upAt;
          break;
        }
        await sleep(500);
      }
      if (caughtUpMs === undefined) failures.push('ClickHouse did not catch up within 90 s of its restart');
      return {
        recoveredFrom: [upAt],
        extraRecoveryMs: caughtUpMs,
        failures,
        notes: [`down ${Math.round((upAt - downAt) / 1000)} s`, `${acceptedDuring} answers and ${snapsDuring} viewer snapshots during the outage`, `ClickHouse caught up ${caughtUpMs ?? '-'} ms after its start`],
      };
    },
  };
}
