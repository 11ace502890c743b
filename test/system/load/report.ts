import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MachineFacts } from './bench-env';
import type { ChartSpec, SectionResult } from './results';
import type { BenchSettings } from './settings';
import { fmtSpread, spread } from './stats';
import { barChart, lineChart } from './svg-chart';

// Writes report.md and the SVG charts into the run's folder. The summary table holds every figure
// as median (min–max) over the runs, with its reference from the same runs beside it.

export interface ReportInput {
  dir: string;
  startedAt: Date;
  durationS: number;
  settings: BenchSettings;
  machine: MachineFacts;
  versions: Record<string, string>;
  globalSettings: string[];
  sections: SectionResult[];
}

export function summaryTable(sections: SectionResult[]): string {
  const rows = ['| figure | quizstream | reference (same run) | reference |', '|---|---|---|---|'];
  for (const s of sections) {
    if (s.error) {
      rows.push(`| ${s.title} | not measured | | ${s.error.split('\n')[0]!.replace(/\|/g, '/').slice(0, 120)} |`);
      continue;
    }
    for (const f of s.figures) {
      const ref = f.reference ? `${fmtSpread(spread(f.reference))} ${f.unit}` : '';
      rows.push(`| ${f.name} | ${fmtSpread(spread(f.ours))} ${f.unit} | ${ref} | ${f.referenceName ?? ''} |`);
    }
  }
  return rows.join('\n');
}

function renderChart(c: ChartSpec): string {
  return c.kind === 'bar' ? barChart(c) : lineChart(c);
}

export function writeReport(r: ReportInput): string {
  mkdirSync(r.dir, { recursive: true });
  const md: string[] = [];
  md.push(`# quizstream benchmark — ${r.startedAt.toISOString()}`, '');
  md.push(`Mode: **${r.settings.mode}**, ${r.settings.reps} run(s) per figure; figures are median (min–max) over the runs. Whole bench took ${Math.round(r.durationS)} s.`, '');
  md.push('## Machine and versions', '');
  md.push(`- CPU: ${r.machine.cores} cores (${r.machine.cpuModel}); memory ${r.machine.memoryGiB} GiB; Linux ${r.machine.kernel}; open-files hard limit ${r.machine.openFilesLimit}`);
  md.push(`- Node ${r.machine.node}`);
  for (const [name, v] of Object.entries(r.machine.services)) md.push(`- ${name}: ${v}`);
  for (const [name, v] of Object.entries(r.versions)) md.push(`- ${name}: ${v}`);
  md.push('', 'Everything (stack, tiers, load generators, peers) runs on this one machine, sharing its cores.', '');
  md.push('## Settings that change the figures', '');
  for (const g of r.globalSettings) md.push(`- ${g}`);
  md.push('', '## Summary', '', summaryTable(r.sections), '');
  for (const s of r.sections) {
    md.push(`## ${s.title}`, '');
    if (s.error) {
      md.push(`Not measured: \`${s.error.split('\n')[0]}\``, '', '```', s.error.slice(0, 3_000), '```', '');
      continue;
    }
    md.push('| figure | quizstream | per run | reference | per run |', '|---|---|---|---|---|');
    for (const f of s.figures) {
      const per = (v: number[]) => v.map((x) => (Number.isFinite(x) ? (Math.round(x * 100) / 100).toString() : 'n/a')).join(', ');
      md.push(`| ${f.name} | ${fmtSpread(spread(f.ours))} ${f.unit} | ${per(f.ours)} | ${f.reference ? `${fmtSpread(spread(f.reference))} ${f.unit} (${f.referenceName})` : ''} | ${f.reference ? per(f.reference) : ''} |`);
    }
    md.push('');
    if (s.extra) md.push(s.extra, '');
    for (const n of s.notes) md.push(`- ${n}`);
    md.push('');
    for (const c of s.charts) {
      writeFileSync(join(r.dir, c.file), renderChart(c));
      md.push(`![${c.title}](${c.file})`, '');
    }
  }
  const file = join(r.dir, 'report.md');
  writeFileSync(file, md.join('\n'));
  writeFileSync(join(r.dir, 'results.json'), JSON.stringify({ settings: r.settings, machine: r.machine, versions: r.versions, sections: r.sections }, null, 2));
  return file;
}
