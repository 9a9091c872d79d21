// Chart helpers for the Explore screen: the chart types offered, the spec sent to the backend
// (which draws the SVG), and the hover lookup: the nearest drawn point in time across the
// visible series, mapped to pixels. Nothing here draws.

import type { ChartSpec } from '../bindings/ChartSpec';
import type { ChartType } from '../bindings/ChartType';
import type { HoverData } from '../bindings/HoverData';
import type { ChartOptions } from './tabs';
import { theme } from './theme.svelte';

export type ChartKind = ChartType;

export const CHART_TYPES: readonly { value: ChartKind; label: string }[] = [
  { value: 'line', label: 'Line' },
  { value: 'area', label: 'Area (stacked)' },
  { value: 'step', label: 'Step' },
  { value: 'bar', label: 'Bar' },
  { value: 'scatter', label: 'Scatter' },
  { value: 'single_stat', label: 'Single stat' },
  { value: 'gauge', label: 'Gauge' },
  { value: 'table', label: 'Table' },
  { value: 'histogram', label: 'Histogram' },
  { value: 'heatmap', label: 'Heatmap' },
];

/** The backend accepts 100..8000 px per side. */
const clampPx = (n: number) => Math.round(Math.min(8000, Math.max(100, n)));

export function specFor(o: ChartOptions, width: number, height: number): ChartSpec {
  return {
    chart_type: o.type,
    width: clampPx(width),
    height: clampPx(height),
    title: null,
    hidden_series: [...o.hidden],
    right_axis_series: [...o.right],
    unit: o.unit.trim() || null,
    decimals: o.decimals,
    y_min: null,
    y_max: null,
    // The page's theme, so that the SVG matches it (and is drawn again when it changes).
    theme: theme.effective,
  };
}

export interface HoverPoint {
  key: string;
  name: string;
  color: string;
  value: number;
  /** Pixel position of the drawn point, in image pixels. */
  x: number;
  y: number;
}

export interface HoverHit {
  t: number;
  x: number;
  points: HoverPoint[];
}

function nearest(ts: number[], t: number): number {
  let lo = 0;
  let hi = ts.length - 1;
  if (hi < 0) return -1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (ts[mid] < t) lo = mid;
    else hi = mid;
  }
  return Math.abs(ts[lo] - t) <= Math.abs(ts[hi] - t) ? lo : hi;
}

/**
 * The points under the mouse at image x `px`: the time nearest to it across the visible series,
 * and each series' value at that time (series without a point there are left out).
 */
export function hoverAt(h: HoverData, px: number): HoverHit | null {
  const { plot, t0_ms, t1_ms } = h;
  if (plot.width <= 1 || t1_ms <= t0_ms) return null;
  if (px < plot.x - 4 || px > plot.x + plot.width + 4) return null;
  const t = t0_ms + ((px - plot.x) / (plot.width - 1)) * (t1_ms - t0_ms);
  let best: number | null = null;
  for (const s of h.series) {
    const i = nearest(s.t_ms, t);
    if (i < 0) continue;
    if (best === null || Math.abs(s.t_ms[i] - t) < Math.abs(best - t)) best = s.t_ms[i];
  }
  if (best === null) return null;
  const xOf = (tm: number) => plot.x + ((tm - t0_ms) / (t1_ms - t0_ms)) * (plot.width - 1);
  const points: HoverPoint[] = [];
  // Points within half a pixel column of the nearest time count as "at" it.
  const tol = ((t1_ms - t0_ms) / Math.max(1, plot.width - 1)) * 0.5;
  for (const s of h.series) {
    const i = nearest(s.t_ms, best);
    if (i < 0 || Math.abs(s.t_ms[i] - best) > tol) continue;
    const range = s.axis === 'right' && h.y_right ? h.y_right : h.y_left;
    const drawn = s.y?.[i] ?? s.v[i];
    const span = range.max - range.min || 1;
    points.push({
      key: s.key,
      name: s.name,
      color: s.color,
      value: s.v[i],
      x: xOf(s.t_ms[i]),
      y: plot.y + ((range.max - drawn) / span) * (plot.height - 1),
    });
  }
  return { t: best, x: xOf(best), points };
}

/** A value for the tooltip, with the chart's decimals and unit. */
export function formatValue(v: number, decimals: number | null, unit: string): string {
  let s: string;
  if (decimals != null) s = v.toFixed(decimals);
  else if (Number.isInteger(v)) s = String(v);
  else if (Math.abs(v) >= 1000) s = v.toFixed(1);
  else s = String(Number(v.toPrecision(5)));
  return unit ? `${s} ${unit}` : s;
}
