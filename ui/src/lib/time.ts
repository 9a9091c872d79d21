// Time for the Explore screen: the time picker's presets and labels, absolute ranges from
// `datetime-local` inputs, and the table's time column in local time or UTC. Pure functions,
// no state.

import type { TimeRange } from '../bindings/TimeRange';

export type TimeZoneMode = 'local' | 'utc';

export const PRESETS: readonly { value: string; label: string }[] = [
  { value: '5m', label: 'Past 5 minutes' },
  { value: '15m', label: 'Past 15 minutes' },
  { value: '1h', label: 'Past hour' },
  { value: '6h', label: 'Past 6 hours' },
  { value: '12h', label: 'Past 12 hours' },
  { value: '24h', label: 'Past 24 hours' },
  { value: '2d', label: 'Past 2 days' },
  { value: '7d', label: 'Past 7 days' },
  { value: '30d', label: 'Past 30 days' },
];

export const DEFAULT_RANGE: TimeRange = { kind: 'relative', duration: '6h' };

/** Auto-refresh choices, in seconds (0 = off). */
export const REFRESH: readonly { value: number; label: string }[] = [
  { value: 0, label: 'Off' },
  { value: 5, label: '5s' },
  { value: 10, label: '10s' },
  { value: 30, label: '30s' },
  { value: 60, label: '1m' },
  { value: 300, label: '5m' },
];

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * "Past 6h", or an absolute range in the display zone, as short as stays clear:
 * "2025-11-21 06:00 → 12:00" on one day, "2025-11-21 06:00 → 11-22 12:00" within a year.
 */
export function rangeLabel(r: TimeRange, tz: TimeZoneMode): string {
  if (r.kind === 'relative') return `Past ${r.duration}`;
  const from = formatInstant(r.from, tz, false);
  const to = formatInstant(r.to, tz, false);
  const zone = tz === 'utc' ? ' UTC' : '';
  if (from.slice(0, 10) === to.slice(0, 10)) return `${from} → ${to.slice(11)}${zone}`;
  if (from.slice(0, 4) === to.slice(0, 4)) return `${from} → ${to.slice(5)}${zone}`;
  return `${from} → ${to}${zone}`;
}

export function sameRange(a: TimeRange, b: TimeRange): boolean {
  if (a.kind === 'relative' && b.kind === 'relative') return a.duration === b.duration;
  if (a.kind === 'absolute' && b.kind === 'absolute') return a.from === b.from && a.to === b.to;
  return false;
}

/** A `datetime-local` value ("2025-11-21T06:00") for an instant, in the display zone. */
export function toInputValue(d: Date, tz: TimeZoneMode): string {
  if (tz === 'utc') {
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  }
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** RFC 3339 (UTC) from a `datetime-local` value read in the display zone; null when invalid. */
export function fromInputValue(v: string, tz: TimeZoneMode): string | null {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d))?/.exec(v);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0));
  const date = tz === 'utc' ? new Date(Date.UTC(y, mo - 1, d, h, mi, s)) : new Date(y, mo - 1, d, h, mi, s);
  if (Number.isNaN(date.getTime())) return null;
  return date.toISOString().replace('.000Z', 'Z');
}

/** Parse an RFC 3339 time into (ms since epoch, the fraction digits as written). */
function parseRfc(s: string): { ms: number; frac: string } | null {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?$/.exec(s);
  if (!m) return null;
  const ms = Date.parse(`${m[1]}${m[3] ?? 'Z'}`);
  if (Number.isNaN(ms)) return null;
  return { ms, frac: m[2] ?? '' };
}

/**
 * A time cell: "2025-11-21 06:00:00" (plus the fraction when there is one, to the precision
 * the server gave), in local time or UTC. Unparseable values are shown as they came.
 */
export function formatInstant(v: string, tz: TimeZoneMode, seconds = true): string {
  const p = parseRfc(v);
  if (!p) return v;
  const d = new Date(p.ms);
  const [Y, M, D, h, m, s] =
    tz === 'utc'
      ? [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
      : [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()];
  const base = `${Y}-${pad(M)}-${pad(D)} ${pad(h)}:${pad(m)}`;
  if (!seconds) return base;
  const frac = p.frac.replace(/0+$/, '');
  return `${base}:${pad(s)}${frac ? `.${frac}` : ''}`;
}

/** Milliseconds since the epoch for a chart hover time (ms or an RFC 3339 string). */
export function toMs(v: number | string): number {
  if (typeof v === 'number') return v;
  return parseRfc(v)?.ms ?? Date.parse(v);
}

/** "12.3 s", "850 ms", "2:05" for the ticking elapsed time. */
export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${pad(s % 60)}`;
}

/** "just now", "5 min ago", "3 h ago", or a date, for history entries. */
export function ago(iso: string, now = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.max(0, (now - t) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return formatInstant(new Date(t).toISOString(), 'local', false);
}
