import type { ClickHouseClient } from '@clickhouse/client';
import type { Report, ReportFilter } from './reports';
import type { Row } from './format';

/**
 * Runs a report and types its cells: ClickHouse's JSON output quotes 64-bit integers, and every
 * count here fits a JS number, so int and float columns become numbers and text stays text.
 */
export async function runReport(ch: ClickHouseClient, report: Report, filter: ReportFilter): Promise<Row[]> {
  const result = await ch.query({ query: report.sql(filter), format: 'JSONEachRow' });
  const raw = await result.json<Record<string, unknown>>();
  return raw.map((r) => {
    const row: Row = {};
    for (const c of report.columns) {
      const v = r[c.name];
      if (v === undefined) throw new Error(`report ${report.name}: ClickHouse returned no column ${c.name}`);
      row[c.name] = c.kind === 'text' ? String(v) : Number(v);
    }
    return row;
  });
}
