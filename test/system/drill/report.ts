import type { ScenarioResult } from './scenario';

// What a drill prints: one block per scenario as it ends, and the table at the end.

const secs = (ms: number | undefined) => (ms === undefined ? '-' : (ms / 1000).toFixed(1));

export function scenarioBlock(r: ScenarioResult): string {
  const lines = [
    `── ${r.name} (${r.visibility} scores): ${r.failures.length === 0 ? 'PASS' : 'FAIL'} (${secs(r.durationMs)} s)`,
    `   answers accepted ${r.accepted}, lost ${r.lost}, double counts ${r.doubleCounts}`,
    `   time to recover ${secs(r.recoveryMs)} s, worst staleness a viewer saw ${secs(r.worstStalenessMs)} s`,
    `   snapshots judged ${r.snapshotsSeen}, wrong ${r.wrongSnapshots}, newer state under an older seq ${r.aheadLabelled}, ids out of order ${r.backwards}`,
    `   client: ${r.stats.requests} requests, ${r.stats.retries} retries, ${r.stats.unavailable} x 503 over ${secs(r.unavailableMs)} s, ${r.stats.networkErrors} network errors, ${r.stats.gaveUp} gave up (question timed out)`,
  ];
  for (const n of r.notes) lines.push(`   note: ${n}`);
  for (const f of r.failures) lines.push(`   FAILED: ${f}`);
  return lines.join('\n');
}

export function table(results: ScenarioResult[]): string {
  const head = ['scenario', 'scores', 'accepted', 'lost', 'double', 'recover s', '503 s', 'stale s', 'wrong snaps', 'result'];
  const rows = results.map((r) => [
    r.name,
    r.visibility,
    String(r.accepted),
    String(r.lost),
    String(r.doubleCounts),
    secs(r.recoveryMs),
    secs(r.unavailableMs),
    secs(r.worstStalenessMs),
    `${r.wrongSnapshots}/${r.snapshotsSeen}`,
    r.failures.length === 0 ? 'PASS' : 'FAIL',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (cells: string[]) => '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ') + ' |';
  return [fmt(head), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.map(fmt)].join('\n');
}
