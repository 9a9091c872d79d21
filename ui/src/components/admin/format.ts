// Small helpers for the Admin tabs: durations and sizes for people, and the same duration
// checks core makes (core checks again; this only says it before anything is sent).

/** Seconds as "30d", "12h", "90m", "45s". */
export function human(secs: number): string {
  if (secs % 86400 === 0) return `${secs / 86400}d`;
  if (secs % 3600 === 0) return `${secs / 3600}h`;
  if (secs % 60 === 0) return `${secs / 60}m`;
  return `${secs}s`;
}

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

const UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

/** Seconds of "30d" / "1y" / "1h30m"; null when not a duration. */
export function seconds(s: string): number | null {
  const t = s.trim().toLowerCase();
  if (!/^(\d+(s|m|h|d|w|y))+$/.test(t)) return null;
  let total = 0;
  for (const m of t.matchAll(/(\d+)(s|m|h|d|w|y)/g)) total += Number(m[1]) * UNIT[m[2]];
  return total;
}

const FOREVER = ['', '0', 'inf', 'infinite', 'forever'];

/** What is wrong with a retention text, or null. `hourMin`: the server keeps at least 1h. */
export function retentionProblem(s: string, hourMin: boolean, finite = false): string | null {
  const t = s.trim().toLowerCase();
  if (t === '') return null;
  if (FOREVER.includes(t)) return finite ? 'A shard group duration cannot be infinite: use e.g. 1d.' : null;
  const secs = seconds(t);
  if (secs === null) return `"${s}" is not a duration: use e.g. 30d, 12h, 52w or inf.`;
  if (hourMin && secs < 3600) return `"${s}" is too short: the server keeps data at least 1h.`;
  return null;
}
