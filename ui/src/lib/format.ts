// Small display helpers shared by the screens: health, labels for API kinds, databases vs
// buckets, default query languages.

import type { ApiKind } from '../bindings/ApiKind';
import type { ConnectionStatus } from '../bindings/ConnectionStatus';
import type { Profile } from '../bindings/Profile';
import type { QueryLanguage } from '../bindings/QueryLanguage';

export type Health = 'ok' | 'auth' | 'down' | 'checking';

export function health(st: ConnectionStatus | null, loading: boolean): Health {
  if (!st || loading) return 'checking';
  if (!st.reachable) return 'down';
  return st.auth_ok ? 'ok' : 'auth';
}

/** "InfluxDB 1.x" etc., from the API the server actually speaks. */
export function kindLabel(api: ApiKind | null | undefined, product?: string | null): string {
  switch (api) {
    case 'v1':
      return 'InfluxDB 1.x';
    case 'v2':
      return 'InfluxDB 2.x';
    case 'v3':
      return 'InfluxDB 3';
    default:
      return product || 'InfluxDB';
  }
}

export const API_HINTS: Record<ApiKind, string> = {
  auto: 'Detect from the server (/ping, /health, /api/v3).',
  v1: 'InfluxDB 1.x: InfluxQL, database/retention policy, username + password.',
  v2: 'InfluxDB 2.x / Cloud: Flux, buckets, organization + API token.',
  v3: 'InfluxDB 3 Core/Enterprise: SQL and InfluxQL, databases, token.',
};

export function dbNoun(api: ApiKind | null | undefined, plural = false): string {
  if (api === 'v2') return plural ? 'buckets' : 'bucket';
  if (api === 'auto' || api == null) return plural ? 'databases/buckets' : 'database/bucket';
  return plural ? 'databases' : 'database';
}

export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function defaultLanguage(api: ApiKind | null | undefined): QueryLanguage {
  if (api === 'v2') return 'flux';
  if (api === 'v3') return 'sql';
  return 'influxql';
}

export function profileApi(p: Profile | null, st: ConnectionStatus | null): ApiKind | null {
  if (!p) return null;
  if (p.api !== 'auto') return p.api;
  return st && st.profile_id === p.id ? st.api : null;
}

/** A latency for people: "0.4 ms", "12 ms", "1.3 s". */
export function formatLatency(ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}
