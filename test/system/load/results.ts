import type { Spread } from './stats';

// What every section hands to the report: rows of figures (ours beside the reference measured in
// the same run), the settings that shaped them, and optional charts.

export interface Figure {
  name: string;
  unit: string;
  /** One value per repetition. */
  ours: number[];
  /** The reference measured in the same repetitions (same length as ours), if the figure has one. */
  reference?: number[];
  referenceName?: string;
}

export interface Series {
  name: string;
  points: Array<{ x: number; y: number }>;
}

export interface LineChartSpec {
  kind: 'line';
  file: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** A horizontal line, e.g. the 200 ms delivery target. */
  threshold?: { y: number; label: string };
}

export interface BarChartSpec {
  kind: 'bar';
  file: string;
  title: string;
  unit: string;
  groups: Array<{ label: string; bars: Array<{ name: string; value: Spread }> }>;
}

export type ChartSpec = LineChartSpec | BarChartSpec;

export interface SectionResult {
  id: string;
  title: string;
  figures: Figure[];
  /** Settings and method notes that change a figure, printed under the section. */
  notes: string[];
  charts: ChartSpec[];
  /** Extra Markdown (e.g. the per-step fan-out table). */
  extra?: string;
  /** Set when the section could not run; the report says why instead of numbers. */
  error?: string;
}
