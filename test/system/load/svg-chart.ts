import type { BarChartSpec, LineChartSpec } from './results';
import { fmt } from './stats';

// Hand-written SVG so the report needs no charting library and no network: grouped bars with
// min–max whiskers for median-over-runs figures, and lines for the fan-out steps.

const W = 720;
const H = 360;
const M = { top: 40, right: 20, bottom: 70, left: 70 };
const COLORS = ['#2f6fb0', '#d9822b', '#3a9a5b', '#b03a3a', '#7a5ab0'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Round axis maximum: 1, 2 or 5 times a power of ten at or above the data maximum. */
function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function frame(title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function yAxis(max: number, label: string): string[] {
  const out: string[] = [];
  const plotH = H - M.top - M.bottom;
  for (let i = 0; i <= 5; i++) {
    const v = (max * i) / 5;
    const y = M.top + plotH - (plotH * i) / 5;
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
    out.push(`<text x="${M.left - 6}" y="${y + 4}" text-anchor="end">${esc(fmt(v))}</text>`);
  }
  out.push(`<text transform="translate(16 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(label)}</text>`);
  return out;
}

function legend(names: string[]): string[] {
  return names.map((n, i) => {
    const x = M.left + i * 200;
    const y = H - 14;
    return `<rect x="${x}" y="${y - 10}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/><text x="${x + 18}" y="${y}">${esc(n)}</text>`;
  });
}

export function barChart(spec: BarChartSpec): string {
  const names = [...new Set(spec.groups.flatMap((g) => g.bars.map((b) => b.name)))];
  const values = spec.groups.flatMap((g) => g.bars.map((b) => (Number.isFinite(b.value.max) ? b.value.max : 0)));
  const max = niceMax(Math.max(0, ...values));
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const groupW = plotW / Math.max(1, spec.groups.length);
  const barW = Math.min(60, (groupW * 0.8) / Math.max(1, names.length));
  const y = (v: number) => M.top + plotH - (plotH * Math.max(0, v)) / max;
  const body = yAxis(max, spec.unit);
  spec.groups.forEach((g, gi) => {
    const gx = M.left + gi * groupW + (groupW - barW * names.length) / 2;
    g.bars.forEach((b) => {
      const i = names.indexOf(b.name);
      const x = gx + i * barW;
      const v = Number.isFinite(b.value.median) ? b.value.median : 0;
      body.push(`<rect x="${x + 2}" y="${y(v)}" width="${barW - 4}" height="${M.top + plotH - y(v)}" fill="${COLORS[i % COLORS.length]}"/>`);
      if (Number.isFinite(b.value.min) && b.value.min !== b.value.max) {
        const cx = x + barW / 2;
        body.push(`<line x1="${cx}" x2="${cx}" y1="${y(b.value.min)}" y2="${y(b.value.max)}" stroke="#000"/>`);
        body.push(`<line x1="${cx - 5}" x2="${cx + 5}" y1="${y(b.value.min)}" y2="${y(b.value.min)}" stroke="#000"/>`);
        body.push(`<line x1="${cx - 5}" x2="${cx + 5}" y1="${y(b.value.max)}" y2="${y(b.value.max)}" stroke="#000"/>`);
      }
      body.push(`<text x="${x + barW / 2}" y="${y(v) - 4}" text-anchor="middle" font-size="10">${esc(fmt(v))}</text>`);
    });
    body.push(`<text x="${M.left + gi * groupW + groupW / 2}" y="${M.top + plotH + 18}" text-anchor="middle">${esc(g.label)}</text>`);
  });
  body.push(...legend(names));
  return frame(spec.title, body);
}

export function lineChart(spec: LineChartSpec): string {
  const xs = spec.series.flatMap((s) => s.points.map((p) => p.x));
  const ys = spec.series.flatMap((s) => s.points.map((p) => p.y)).filter((v) => Number.isFinite(v));
  const xMax = niceMax(Math.max(1, ...xs));
  const yMax = niceMax(Math.max(spec.threshold?.y ?? 0, ...ys, 0));
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const px = (x: number) => M.left + (plotW * x) / xMax;
  const py = (v: number) => M.top + plotH - (plotH * Math.min(Math.max(0, v), yMax)) / yMax;
  const body = yAxis(yMax, spec.yLabel);
  for (let i = 0; i <= 5; i++) {
    const x = (xMax * i) / 5;
    body.push(`<text x="${px(x)}" y="${M.top + plotH + 16}" text-anchor="middle">${esc(fmt(x))}</text>`);
  }
  body.push(`<text x="${M.left + plotW / 2}" y="${M.top + plotH + 34}" text-anchor="middle">${esc(spec.xLabel)}</text>`);
  if (spec.threshold) {
    const ty = py(spec.threshold.y);
    body.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${ty}" y2="${ty}" stroke="#b03a3a" stroke-dasharray="6 4"/>`);
    body.push(`<text x="${W - M.right - 4}" y="${ty - 4}" text-anchor="end" fill="#b03a3a">${esc(spec.threshold.label)}</text>`);
  }
  spec.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = s.points.filter((p) => Number.isFinite(p.y)).sort((a, b) => a.x - b.x);
    if (pts.length > 1) body.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map((p) => `${px(p.x)},${py(p.y)}`).join(' ')}"/>`);
    for (const p of pts) body.push(`<circle cx="${px(p.x)}" cy="${py(p.y)}" r="3.5" fill="${color}"/>`);
  });
  body.push(...legend(spec.series.map((s) => s.name)));
  return frame(spec.title, body);
}
