import type { Column } from './reports';
import type { Format } from './args';

// Report rows as the terminal or a tool wants them. Rows are already typed by run.ts: numbers for
// int and float columns, strings for text.

export type Cell = string | number;
export type Row = Record<string, Cell>;

export function formatRows(columns: readonly Column[], rows: readonly Row[], format: Format): string {
  switch (format) {
    case 'table':
      return formatTable(columns, rows);
    case 'csv':
      return formatCsv(columns, rows);
    case 'json':
      return `${JSON.stringify(rows.map((r) => Object.fromEntries(columns.map((c) => [c.name, r[c.name]]))), null, 2)}\n`;
  }
}

function cellText(value: Cell | undefined): string {
  if (value === undefined) return '';
  return typeof value === 'number' ? String(value) : value;
}

/** Aligned columns: numbers right-aligned, text left-aligned, a rule under the header. */
export function formatTable(columns: readonly Column[], rows: readonly Row[]): string {
  const text = rows.map((r) => columns.map((c) => cellText(r[c.name]).replace(/[\r\n\t]/g, ' ')));
  const widths = columns.map((c, i) => Math.max(c.name.length, ...text.map((cells) => cells[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (columns[i]!.kind === 'text' ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line(columns.map((c) => c.name)), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)];
  if (rows.length === 0) out.push('(no rows)');
  return `${out.join('\n')}\n`;
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** RFC 4180: comma separated, CRLF line ends, fields with a comma, quote or line break quoted. */
export function formatCsv(columns: readonly Column[], rows: readonly Row[]): string {
  const lines = [columns.map((c) => csvField(c.name)), ...rows.map((r) => columns.map((c) => csvField(cellText(r[c.name]))))];
  return lines.map((cells) => `${cells.join(',')}\r\n`).join('');
}
