// The Explore screen's tab, as it is remembered between runs (ui.json, per profile): query text,
// language, database, editor/builder mode and the builder's form, time range, auto-refresh,
// result view and chart options. `sanitizeTabs` accepts whatever an older version stored.

import type { Aggregate } from '../bindings/Aggregate';
import type { Fill } from '../bindings/Fill';
import type { QueryLanguage } from '../bindings/QueryLanguage';
import type { TagFilter } from '../bindings/TagFilter';
import type { TimeRange } from '../bindings/TimeRange';
import { DEFAULT_RANGE } from './time';
import { CHART_TYPES, type ChartKind } from './chart';

export type ViewMode = 'table' | 'chart';
export type EditMode = 'editor' | 'builder';

export interface BuilderForm {
  measurement: string;
  fields: string[];
  tag_filters: TagFilter[];
  aggregate: Aggregate | null;
  /** "auto", a duration like "1m", or null for raw points. */
  group_by_time: string | null;
  group_by_tags: string[];
  fill: Fill;
}

export interface ChartOptions {
  type: ChartKind;
  unit: string;
  decimals: number | null;
  hidden: string[];
  right: string[];
}

/** A tab opened from a dashboard cell ("Edit in Explore"): "Save to cell" writes it back. */
export interface CellLink {
  dashboard: string;
  dashboard_name: string;
  cell: string;
  cell_title: string;
}

export interface TabDraft {
  id: string;
  name: string;
  lang: QueryLanguage;
  db: string;
  text: string;
  mode: EditMode;
  builder: BuilderForm;
  range: TimeRange;
  /** Auto-refresh period in seconds; 0 = off. */
  refresh: number;
  view: ViewMode;
  chart: ChartOptions;
  /** Set when the tab edits a dashboard cell. */
  link?: CellLink | null;
}

export interface SavedTabs {
  tabs: TabDraft[];
  active: string;
}

export const AGGREGATES: readonly Aggregate[] = ['mean', 'median', 'min', 'max', 'sum', 'count', 'first', 'last'];
export const FILLS: readonly Fill[] = ['none', 'null', 'previous', 'linear', 'zero'];
export const INTERVALS: readonly string[] = ['auto', '10s', '30s', '1m', '5m', '10m', '15m', '30m', '1h', '6h', '12h', '1d'];

export function emptyBuilder(): BuilderForm {
  return {
    measurement: '',
    fields: [],
    tag_filters: [],
    aggregate: 'mean',
    group_by_time: 'auto',
    group_by_tags: [],
    fill: 'none',
  };
}

export function defaultChart(): ChartOptions {
  return { type: 'line', unit: '', decimals: null, hidden: [], right: [] };
}

export function newTabId(): string {
  return `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

export function newTab(name: string, lang: QueryLanguage, db: string, text = ''): TabDraft {
  return {
    id: newTabId(),
    name,
    lang,
    db,
    text,
    mode: 'editor',
    builder: emptyBuilder(),
    range: { ...DEFAULT_RANGE },
    refresh: 0,
    view: 'chart',
    chart: defaultChart(),
  };
}

const str = (v: unknown, d: string): string => (typeof v === 'string' ? v : d);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const oneOf = <T extends string>(v: unknown, all: readonly T[], d: T): T =>
  all.includes(v as T) ? (v as T) : d;

function sanitizeRange(v: unknown): TimeRange {
  const r = v as Partial<Record<string, unknown>> | null;
  if (r?.kind === 'relative' && typeof r.duration === 'string') return { kind: 'relative', duration: r.duration };
  if (r?.kind === 'absolute' && typeof r.from === 'string' && typeof r.to === 'string') {
    return { kind: 'absolute', from: r.from, to: r.to };
  }
  return { ...DEFAULT_RANGE };
}

function sanitizeLink(v: unknown): CellLink | null {
  const l = v as Partial<Record<string, unknown>> | null;
  if (!l || typeof l.dashboard !== 'string' || typeof l.cell !== 'string') return null;
  return {
    dashboard: l.dashboard,
    cell: l.cell,
    dashboard_name: str(l.dashboard_name, ''),
    cell_title: str(l.cell_title, ''),
  };
}

function sanitizeTab(v: unknown, fallbackLang: QueryLanguage): TabDraft | null {
  if (!v || typeof v !== 'object') return null;
  const t = v as Record<string, unknown>;
  if (typeof t.id !== 'string') return null;
  const b = (t.builder ?? {}) as Record<string, unknown>;
  const c = (t.chart ?? {}) as Record<string, unknown>;
  const filters = Array.isArray(b.tag_filters)
    ? (b.tag_filters as Record<string, unknown>[]).map((f) => ({
        key: str(f?.key, ''),
        values: strs(f?.values),
        negate: f?.negate === true,
      }))
    : [];
  return {
    id: t.id,
    name: str(t.name, 'Query'),
    lang: oneOf(t.lang, ['influxql', 'flux', 'sql'] as const, fallbackLang),
    db: str(t.db, ''),
    text: str(t.text, ''),
    mode: oneOf(t.mode, ['editor', 'builder'] as const, 'editor'),
    builder: {
      measurement: str(b.measurement, ''),
      fields: strs(b.fields),
      tag_filters: filters,
      aggregate: b.aggregate === null ? null : oneOf(b.aggregate, AGGREGATES, 'mean'),
      group_by_time: b.group_by_time === null ? null : str(b.group_by_time, 'auto'),
      group_by_tags: strs(b.group_by_tags),
      fill: oneOf(b.fill, FILLS, 'none'),
    },
    range: sanitizeRange(t.range),
    refresh: typeof t.refresh === 'number' && t.refresh >= 0 ? t.refresh : 0,
    view: oneOf(t.view, ['table', 'chart'] as const, 'chart'),
    chart: {
      type: oneOf(c.type, CHART_TYPES.map((x) => x.value), 'line'),
      unit: str(c.unit, ''),
      decimals: typeof c.decimals === 'number' ? c.decimals : null,
      hidden: strs(c.hidden),
      right: strs(c.right),
    },
    link: sanitizeLink(t.link),
  };
}

export function sanitizeTabs(v: unknown, fallbackLang: QueryLanguage): SavedTabs | null {
  const s = v as Partial<Record<string, unknown>> | null;
  if (!s || !Array.isArray(s.tabs)) return null;
  const tabs = s.tabs.map((t) => sanitizeTab(t, fallbackLang)).filter((t): t is TabDraft => t !== null);
  if (tabs.length === 0) return null;
  const active = typeof s.active === 'string' && tabs.some((t) => t.id === s.active) ? s.active : tabs[0].id;
  return { tabs, active };
}
