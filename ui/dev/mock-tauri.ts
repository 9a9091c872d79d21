// Dev-only stand-in for the Rust backend, loaded by dev.html (never by index.html, so never in
// the production bundle). Canned profiles, statuses and query results, so the UI can be looked at
// in a plain browser: `npx vite` then open http://localhost:1420/dev.html#connections.
//
// URL knobs: ?demo=starting|failed|ready (default ready), ?empty=1 (no profiles), ?slow=1,
// ?q=TEXT (the demo profile's first tab text; "select big" returns 1500-row frames, "select huge"
// one 100k-row frame), ?builder=1 (the first tab opens in the builder), ?view=table|chart,
// ?tabs=1 (a few tabs remembered), ?limit=N (row limit).
//
// The Explore screen's commands (schema_*, query_build, query_cancel, history, saved queries,
// exports, settings, chart_render) answer from a small fake schema; chart_render draws a simple
// SVG from the kept result, with hover data, so the whole screen can be looked at.

import { mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import type { AppError } from '../src/bindings/AppError';
import type { AppInfo } from '../src/bindings/AppInfo';
import type { BuildQueryReq } from '../src/bindings/BuildQueryReq';
import type { ChartSpec } from '../src/bindings/ChartSpec';
import type { FieldKey } from '../src/bindings/FieldKey';
import type { HistoryEntry } from '../src/bindings/HistoryEntry';
import type { HoverSeries } from '../src/bindings/HoverSeries';
import type { Rendered } from '../src/bindings/Rendered';
import type { SavedQuery } from '../src/bindings/SavedQuery';
import type { SchemaReq } from '../src/bindings/SchemaReq';
import type { ConnectionStatus } from '../src/bindings/ConnectionStatus';
import type { DemoStatus } from '../src/bindings/DemoStatus';
import type { Frame } from '../src/bindings/Frame';
import type { Profile } from '../src/bindings/Profile';
import type { ProfileFields } from '../src/bindings/ProfileFields';
import type { QueryResult } from '../src/bindings/QueryResult';
import type { RunQueryReq } from '../src/bindings/RunQueryReq';
import type { SecretChange } from '../src/bindings/SecretChange';
import type { ServerInfo } from '../src/bindings/ServerInfo';
import type { TestProfileReq } from '../src/bindings/TestProfileReq';

const params = new URLSearchParams(location.search);
const slow = params.has('slow');
const demoMode = params.get('demo') ?? 'ready';

const info: AppInfo = {
  version: '0.1.0',
  config_dir: '/home/me/.config/influxdesk',
  data_dir: '/home/me/.local/share/influxdesk',
  secret_store: 'OS keychain',
  env_profile: true,
};

function profile(p: Partial<Profile> & Pick<Profile, 'id' | 'name' | 'url'>): Profile {
  return {
    api: 'auto',
    org: null,
    database: null,
    username: null,
    tls: { skip_verify: false, ca_cert: null },
    timeout_ms: 30000,
    assistant_policy: 'ask',
    assistant_admin: null,
    assistant_read: 'allow',
    secret_stored: false,
    managed_local: false,
    source: 'saved',
    ...p,
  };
}

let profiles: Profile[] = params.has('empty')
  ? []
  : [
      profile({ id: 'p-demo', name: 'demo', url: 'http://127.0.0.1:18086', api: 'v1', database: 'demo', managed_local: true }),
      profile({
        id: 'p-prod',
        name: 'prod-eu',
        url: 'https://eu-central-1-1.aws.cloud2.influxdata.com',
        api: 'v2',
        org: 'acme',
        database: 'telemetry',
        secret_stored: true,
      }),
      profile({
        id: 'p-legacy',
        name: 'legacy-1x',
        url: 'https://10.0.0.12:8086',
        api: 'v1',
        database: 'telegraf/autogen',
        username: 'admin',
        secret_stored: true,
        tls: { skip_verify: true, ca_cert: null },
      }),
      profile({ id: 'env', name: 'env', url: 'http://localhost:8086', api: 'v2', org: 'home', database: 'sensors', source: 'env' }),
    ];
let active: string | null = profiles[0]?.id ?? null;
const secrets = new Map<string, string>([
  ['p-prod', 'x'],
  ['p-legacy', 'x'],
]);

let demo: DemoStatus =
  demoMode === 'starting'
    ? { state: 'starting' }
    : demoMode === 'failed'
      ? {
          state: 'failed',
          error: {
            code: 'Internal',
            message:
              'influxd not found on PATH. Install it (Debian: apt-get install influxdb) or add a connection to your own server.',
          },
        }
      : { state: 'ready', profile: 'p-demo', url: 'http://127.0.0.1:18086', points_written: 4320 };

const fail = (code: AppError['code'], message: string): never => {
  throw { code, message } satisfies AppError;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, slow ? ms * 5 : ms));

function find(idOrName: string | null): Profile {
  const p = profiles.find((x) => x.id === idOrName || x.name === idOrName) ??
    (idOrName === null ? profiles.find((x) => x.id === active) : undefined);
  return p ?? fail('NotFound', `No profile "${idOrName}". Run \`influxdesk profile list\` to see them.`);
}

function validate(f: ProfileFields, except: string | null) {
  if (!f.name) fail('InvalidInput', 'name: must not be empty.');
  if (!/^https?:\/\/\S+$/.test(f.url)) fail('InvalidInput', `url: "${f.url}" is not an http(s) URL, e.g. http://localhost:8086.`);
  if (profiles.some((p) => p.name === f.name && p.id !== except)) {
    fail('Conflict', `A profile named "${f.name}" exists already. Pick another name or edit that one.`);
  }
}

function applySecret(id: string, s: SecretChange) {
  if (s.action === 'set') secrets.set(id, s.value);
  if (s.action === 'clear') secrets.delete(id);
}

function fromFields(id: string, f: ProfileFields): Profile {
  return profile({
    id,
    name: f.name,
    url: f.url,
    api: f.api,
    org: f.org,
    database: f.database,
    username: f.username,
    tls: f.tls,
    timeout_ms: f.timeout_ms ?? 30000,
    assistant_policy: f.assistant_policy ?? 'ask',
    secret_stored: secrets.has(id),
  });
}

function status(p: Profile): ConnectionStatus {
  const base = { profile_id: p.id, api: null, product: null, version: null, latency_ms: null, error: null };
  if (p.id === 'p-demo' || p.source === 'env' || p.url.includes('localhost') || p.url.includes('127.0.0.1')) {
    return { ...base, reachable: true, auth_ok: true, api: 'v1', product: 'InfluxDB', version: '1.6.7', latency_ms: 3 };
  }
  if (p.id === 'p-prod') {
    return {
      ...base,
      reachable: true,
      auth_ok: false,
      api: 'v2',
      product: 'InfluxDB Cloud',
      version: '2.7.11',
      latency_ms: 48,
      error: { code: 'Unauthorized', message: 'The server rejected the token (401 unauthorized access). Edit the connection and paste a valid API token.' },
    };
  }
  return {
    ...base,
    reachable: false,
    auth_ok: false,
    error: { code: 'Unreachable', message: `Cannot connect to ${p.url}: connection refused. Is InfluxDB running and is the URL right?` },
  };
}

function test(p: Pick<Profile, 'id' | 'url' | 'api'>, hasSecret: boolean): ServerInfo {
  const st = status(profile({ ...p, name: 'x' }));
  if (!st.reachable) throw st.error;
  if (!st.auth_ok || (p.id === 'p-prod' && !hasSecret)) throw st.error ?? { code: 'Unauthorized', message: 'unauthorized' };
  const api = st.api ?? 'v1';
  return {
    api,
    product: st.product ?? 'InfluxDB',
    version: st.version ?? '',
    latency_ms: st.latency_ms ?? 1,
    databases: ['_internal', 'demo', 'telegraf', 'sensors', 'iot', 'billing', 'logs', 'edge', 'k8s', 'web'],
    auth_ok: true,
  };
}

// ---- the Explore screen's fake server -------------------------------------------------------

const SCHEMA: Record<string, Record<string, { tags: Record<string, string[]>; fields: FieldKey[] }>> = {
  demo: {
    cpu: {
      tags: { cpu: ['cpu-total'], host: ['web-01', 'web-02', 'db-01'], region: ['eu-west', 'us-east'] },
      fields: [
        { name: 'usage_user', kind: 'float' },
        { name: 'usage_system', kind: 'float' },
        { name: 'usage_idle', kind: 'float' },
      ],
    },
    mem: {
      tags: { host: ['web-01', 'web-02', 'db-01'], region: ['eu-west', 'us-east'] },
      fields: [
        { name: 'used', kind: 'integer' },
        { name: 'total', kind: 'integer' },
        { name: 'used_percent', kind: 'float' },
      ],
    },
    disk: {
      tags: { device: ['sda1', 'nvme0n1p2'], host: ['web-01', 'web-02', 'db-01'], path: ['/', '/var/lib'], region: ['eu-west', 'us-east'] },
      fields: [
        { name: 'free', kind: 'integer' },
        { name: 'used', kind: 'integer' },
        { name: 'used_percent', kind: 'float' },
      ],
    },
    iot: {
      tags: {
        room: ['kitchen', 'living', 'office', 'garage'],
        sensor: Array.from({ length: 40 }, (_, i) => `sensor-${String(i + 1).padStart(3, '0')}`),
      },
      fields: [
        { name: 'temperature', kind: 'float' },
        { name: 'humidity', kind: 'float' },
        { name: 'battery_ok', kind: 'boolean' },
        { name: 'status', kind: 'string' },
      ],
    },
  },
  telegraf: {
    system: { tags: { host: ['web-01'] }, fields: [{ name: 'load1', kind: 'float' }, { name: 'uptime', kind: 'integer' }] },
  },
  _internal: {},
};

function schemaDb(req: SchemaReq) {
  const db = (req.database ?? find(req.profile).database ?? '').split('/')[0];
  const d = SCHEMA[db];
  return d ?? fail('NotFound', `database not found: ${db}`);
}
function schemaM(req: SchemaReq) {
  const m = schemaDb(req)[req.measurement ?? ''];
  return m ?? fail('NotFound', `measurement not found: ${req.measurement}`);
}

const q = (s: string) => `"${s.replace(/"/g, '\\"')}"`;
function buildQuery(b: BuildQueryReq): string {
  if (!b.measurement) fail('InvalidInput', 'pick a measurement');
  if (b.fields.length === 0) fail('InvalidInput', 'pick at least one field');
  if (b.group_by_time && !b.aggregate) fail('InvalidInput', 'GROUP BY time needs an aggregate (e.g. mean): pick one, or clear the interval');
  const every = b.group_by_time === 'auto' ? (b.language === 'flux' ? 'v.windowPeriod' : '$interval') : b.group_by_time;
  if (b.language === 'flux') {
    const lines = [
      `from(bucket: ${JSON.stringify(b.database)})`,
      '  |> range(start: v.timeRangeStart, stop: v.timeRangeStop)',
      `  |> filter(fn: (r) => r._measurement == ${JSON.stringify(b.measurement)})`,
      `  |> filter(fn: (r) => ${b.fields.map((f) => `r._field == ${JSON.stringify(f)}`).join(' or ')})`,
    ];
    for (const f of b.tag_filters) {
      lines.push(`  |> filter(fn: (r) => ${f.values.map((v) => `r[${JSON.stringify(f.key)}] ${f.negate ? '!=' : '=='} ${JSON.stringify(v)}`).join(f.negate ? ' and ' : ' or ')})`);
    }
    if (b.group_by_tags.length) lines.push(`  |> group(columns: ["_measurement", "_field", ${b.group_by_tags.map((t) => JSON.stringify(t)).join(', ')}])`);
    if (b.aggregate && every) lines.push(`  |> aggregateWindow(every: ${every}, fn: ${b.aggregate}, createEmpty: ${b.fill !== 'none'})`);
    return lines.join('\n');
  }
  const sel = b.fields.map((f) => (b.aggregate ? `${b.aggregate}(${q(f)}) AS ${q(f)}` : q(f))).join(', ');
  let out = `SELECT ${sel} FROM ${q(b.measurement)} WHERE $timeFilter`;
  for (const f of b.tag_filters) {
    out += ` AND (${f.values.map((v) => `${q(f.key)} ${f.negate ? '!=' : '='} '${v}'`).join(f.negate ? ' AND ' : ' OR ')})`;
  }
  const groups = [...(every ? [`time(${every})`] : []), ...b.group_by_tags.map(q)];
  if (groups.length) out += ` GROUP BY ${groups.join(', ')}`;
  if (every) out += ` fill(${b.fill === 'zero' ? '0' : b.fill})`;
  return out;
}

const DURATION_S: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
function seconds(d: string): number {
  let total = 0;
  for (const [, n, u] of d.matchAll(/(\d+)(ms|s|m|h|d|w)/g)) total += u === 'ms' ? Number(n) / 1000 : Number(n) * DURATION_S[u];
  return total || 6 * 3600;
}

const results = new Map<string, QueryResult>();
let rowLimit = Number(params.get('limit') ?? 10000);
const running = new Map<string, () => void>();

async function runQuery(req: RunQueryReq): Promise<QueryResult> {
  const text = req.query.trim();
  if (!/^(select|show|from|with|import)\b/i.test(text)) {
    fail('QuerySyntax', `error parsing query: found ${text.split(/\s+/)[0] ?? 'EOF'}, expected SELECT, DELETE, SHOW, CREATE, DROP, EXPLAIN, GRANT, REVOKE, ALTER, SET, KILL at line 1, char 1`);
  }
  if (req.query_id) {
    const id = req.query_id;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(resolve, slow ? 4000 : 400);
      running.set(id, () => {
        clearTimeout(t);
        reject({ code: 'Cancelled', message: 'the query was cancelled and stopped on the server' } satisfies AppError);
      });
    }).finally(() => running.delete(id));
  }
  const range = req.time_range ?? { kind: 'relative', duration: '6h' };
  const span = range.kind === 'relative' ? seconds(range.duration) : (Date.parse(range.to) - Date.parse(range.from)) / 1000;
  const now = Date.UTC(2025, 10, 21, 12, 0, 0);
  const end = range.kind === 'absolute' ? Date.parse(range.to) : now;
  const huge = text.includes('huge');
  const n = huge ? 100_000 : text.includes('big') ? 1500 : Math.max(4, Math.min(300, Math.round(span / 120)));
  const step = (span * 1000) / n;
  const hosts = huge ? ['web-01'] : ['web-01', 'web-02', 'db-01'];
  const field = /"?(usage_\w+|used_percent|temperature|humidity|load1)"?/.exec(text)?.[1] ?? 'mean';
  const frames: Frame[] = hosts.map((host, h) => ({
    name: /FROM\s+"?(\w+)/i.exec(text)?.[1] ?? 'cpu',
    tags: (huge ? {} : { host }) as Record<string, string>,
    columns: [
      { name: 'time', kind: 'time', values: Array.from({ length: n }, (_, i) => new Date(end - (n - i) * step).toISOString().replace('.000Z', 'Z')) },
      {
        name: field,
        kind: 'float',
        values: Array.from({ length: n }, (_, i) =>
          i % 37 === 5 ? null : +(20 + 12 * Math.sin(i / 9 + h * 1.7) + 4 * Math.sin(i / 2.3 + h) + h * 9).toFixed(4),
        ),
      },
    ],
  }));
  const rows = frames.reduce((s, f) => s + f.columns[0].values.length, 0);
  const filter = range.kind === 'relative' ? `time >= now() - ${range.duration}` : `time >= '${range.from}' AND time <= '${range.to}'`;
  const executed = req.query.replaceAll('$timeFilter', filter).replaceAll('$interval', `${Math.max(1, Math.round(span / 300))}s`);
  const r: QueryResult = {
    frames,
    language: req.language ?? 'influxql',
    rows,
    truncated: rows > rowLimit,
    row_limit: rowLimit,
    elapsed_ms: 12 + n / 50,
    executed_query: executed,
    query_id: req.query_id,
  };
  if (req.query_id) results.set(req.query_id, r);
  return r;
}

const history: HistoryEntry[] = [];
let saved: SavedQuery[] = [
  { id: 's1', name: 'CPU by host', language: 'influxql', database: 'demo', query: 'SELECT mean("usage_user") FROM "cpu" WHERE $timeFilter GROUP BY time($interval), "host"', updated: '2025-11-20T09:12:00Z' },
  { id: 's2', name: 'Office temperature', language: 'influxql', database: 'demo', query: `SELECT mean("temperature") FROM "iot" WHERE $timeFilter AND "room" = 'office' GROUP BY time($interval)`, updated: '2025-11-19T17:40:00Z' },
];

function record(req: RunQueryReq, r: QueryResult | null, err: AppError | null) {
  const p = find(req.profile);
  history.push({
    id: `h${history.length + 1}`,
    at: new Date().toISOString(),
    actor: 'user',
    profile_id: p.id,
    profile_name: p.name,
    language: req.language,
    database: req.database,
    query: req.query,
    time_range: req.time_range,
    elapsed_ms: r?.elapsed_ms ?? 3,
    rows: r?.rows ?? 0,
    error: err ? `${err.code}: ${err.message}` : null,
  });
}

const PALETTE = ['#4f46e5', '#0891b2', '#ea580c', '#16a34a', '#db2777', '#ca8a04'];

/** A plain SVG line chart of the kept result, standing in for the backend's plotters drawing. */
function renderChart(queryId: string, spec: ChartSpec): Rendered {
  const r = results.get(queryId) ?? fail('NotFound', `no result is kept for query "${queryId}": run the query again`);
  const W = spec.width;
  const H = spec.height;
  const plot = { x: 56, y: 14, width: W - 56 - (spec.right_axis_series.length ? 56 : 18), height: H - 14 - 30 };
  const all = r.frames.map((f, i) => {
    const key = `${f.name}.${f.columns[1]?.name} ${Object.entries(f.tags).map(([k, v]) => `${k}=${v}`).join(',')}`.trim();
    const t: number[] = [];
    const v: number[] = [];
    f.columns[0].values.forEach((tv, j) => {
      const y = f.columns[1]?.values[j];
      if (typeof y === 'number') {
        t.push(Date.parse(String(tv)));
        v.push(y);
      }
    });
    return { key, name: Object.values(f.tags).join(',') || key, color: PALETTE[i % PALETTE.length], t, v };
  });
  const vis = all.filter((s) => !spec.hidden_series.includes(s.key));
  const ts = vis.flatMap((s) => s.t);
  const vs = vis.flatMap((s) => s.v);
  const t0 = Math.min(...ts);
  const t1 = Math.max(...ts);
  const lo = Math.floor(Math.min(0, ...vs) / 10) * 10;
  const hi = Math.ceil(Math.max(...vs) / 10) * 10 || 10;
  const X = (t: number) => plot.x + ((t - t0) / (t1 - t0 || 1)) * (plot.width - 1);
  const Y = (v: number) => plot.y + ((hi - v) / (hi - lo || 1)) * (plot.height - 1);
  const grid: string[] = [];
  for (let i = 0; i <= 5; i++) {
    const v = lo + ((hi - lo) * i) / 5;
    grid.push(`<line x1="${plot.x}" x2="${plot.x + plot.width}" y1="${Y(v)}" y2="${Y(v)}" stroke="#e5e7eb"/>`);
    grid.push(`<text x="${plot.x - 6}" y="${Y(v) + 4}" text-anchor="end" font-size="11" fill="#6b7280" font-family="sans-serif">${v.toFixed(spec.decimals ?? 0)}${spec.unit ?? ''}</text>`);
  }
  for (let i = 0; i <= 6; i++) {
    const t = t0 + ((t1 - t0) * i) / 6;
    const d = new Date(t);
    const label = `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
    grid.push(`<text x="${X(t)}" y="${plot.y + plot.height + 18}" text-anchor="middle" font-size="11" fill="#6b7280" font-family="sans-serif">${label}</text>`);
  }
  const paths = vis.map((s) => {
    const d = s.t.map((t, i) => `${i ? 'L' : 'M'}${X(t).toFixed(1)},${Y(s.v[i]).toFixed(1)}`).join('');
    if (spec.chart_type === 'scatter') return s.t.map((t, i) => `<circle cx="${X(t)}" cy="${Y(s.v[i])}" r="2" fill="${s.color}"/>`).join('');
    if (spec.chart_type === 'area') return `<path d="${d}L${X(s.t[s.t.length - 1])},${Y(lo)}L${X(s.t[0])},${Y(lo)}Z" fill="${s.color}" fill-opacity="0.25" stroke="${s.color}" stroke-width="1.5"/>`;
    return `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.6"/>`;
  });
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">` +
    `<rect width="${W}" height="${H}" fill="#ffffff"/>${grid.join('')}` +
    `<rect x="${plot.x}" y="${plot.y}" width="${plot.width}" height="${plot.height}" fill="none" stroke="#d1d5db"/>` +
    `${paths.join('')}</svg>`;
  const series: HoverSeries[] = vis.map((s) => ({ key: s.key, name: s.name, color: s.color, axis: spec.right_axis_series.includes(s.key) ? 'right' : 'left', t_ms: s.t, v: s.v }));
  const stats = (s: (typeof all)[number]) => ({
    key: s.key,
    name: s.name,
    color: s.color,
    visible: !spec.hidden_series.includes(s.key),
    axis: (spec.right_axis_series.includes(s.key) ? 'right' : 'left') as 'left' | 'right',
    points: s.v.length,
    min: Math.min(...s.v),
    max: Math.max(...s.v),
    mean: s.v.reduce((a, b) => a + b, 0) / (s.v.length || 1),
    last: s.v[s.v.length - 1] ?? 0,
    first_time: new Date(s.t[0] ?? 0).toISOString(),
    last_time: new Date(s.t[s.t.length - 1] ?? 0).toISOString(),
  });
  return {
    svg,
    hover: { plot, t0_ms: t0, t1_ms: t1, y_left: { min: lo, max: hi }, y_right: null, series },
    summary: {
      chart_type: spec.chart_type,
      start: new Date(t0).toISOString(),
      end: new Date(t1).toISOString(),
      series: all.map(stats),
      decimated: false,
      drawn_points: vs.length,
    },
    render_ms: 0,
  };
}

function exportPath(what: string, ext: string) {
  return `/home/me/Downloads/influxdesk-${what}-20251121-120000.${ext}`;
}

const store = new Map<string, unknown>();
// For poking at from the devtools: what the UI would have written to ui.json.
(window as unknown as { __mockStore: Map<string, unknown> }).__mockStore = store;
if (params.has('q')) store.set('query_text', { 'p-demo': params.get('q') });
if (params.has('builder') || params.has('view') || params.has('tabs')) {
  const base = {
    lang: 'influxql',
    db: 'demo',
    range: { kind: 'relative', duration: '6h' },
    refresh: 0,
    chart: { type: 'line', unit: '', decimals: null, hidden: [], right: [] },
  };
  const tabs = [
    {
      ...base,
      id: 't-main',
      name: params.has('builder') ? 'cpu by host' : 'Query 1',
      text: params.get('q') ?? 'SELECT mean("usage_user") FROM "cpu" WHERE $timeFilter GROUP BY time($interval), "host" fill(none)',
      mode: params.has('builder') ? 'builder' : 'editor',
      view: params.get('view') ?? 'chart',
      builder: {
        measurement: 'cpu',
        fields: ['usage_user'],
        tag_filters: [{ key: 'region', values: ['eu-west'], negate: false }],
        aggregate: 'mean',
        group_by_time: 'auto',
        group_by_tags: ['host'],
        fill: 'none',
      },
    },
  ];
  if (params.has('tabs')) {
    tabs.push({ ...tabs[0], id: 't-2', name: 'iot rooms', mode: 'editor', lang: 'flux', text: 'from(bucket: "demo")\n  |> range(start: v.timeRangeStart, stop: v.timeRangeStop)\n  |> filter(fn: (r) => r._measurement == "iot" and r._field == "temperature") // per room\n  |> aggregateWindow(every: v.windowPeriod, fn: mean, createEmpty: false)' });
    tabs.push({ ...tabs[0], id: 't-3', name: 'disk (SQL)', mode: 'editor', lang: 'sql', text: "SELECT date_bin(INTERVAL '5 minutes', time) AS time, avg(used_percent) FROM disk WHERE $timeFilter GROUP BY 1" });
  }
  store.set('explore_tabs', { 'p-demo': { tabs, active: 't-main' } });
}
const changed = (action: string, detail: string) =>
  void emit('influxdesk://event', { actor: { kind: 'user' }, action, detail });

mockIPC(
  async (cmd, raw) => {
    const args = (raw ?? {}) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    await sleep(cmd.startsWith('plugin:') || cmd === 'query_run' ? 0 : cmd === 'profile_test' ? 400 : 60);
    switch (cmd) {
      case 'app_info':
        return info;
      case 'demo_status':
        return demo;
      case 'profile_list':
        return { profiles, active };
      case 'profile_status':
        return status(find(args.profile));
      case 'profile_use': {
        const p = find(args.profile);
        active = p.id;
        changed('profile.use', p.name);
        return p;
      }
      case 'profile_add': {
        const { fields, secret, activate } = args.req as { fields: ProfileFields; secret: SecretChange; activate: boolean };
        validate(fields, null);
        const id = `p-${Math.random().toString(36).slice(2, 8)}`;
        applySecret(id, secret);
        const p = fromFields(id, fields);
        profiles = [...profiles, p];
        if (activate) active = id;
        changed('profile.add', p.name);
        return p;
      }
      case 'profile_update': {
        const { profile: pid, fields, secret } = args.req as { profile: string; fields: ProfileFields; secret: SecretChange };
        const old = find(pid);
        validate(fields, old.id);
        applySecret(old.id, secret);
        const p = { ...fromFields(old.id, fields), managed_local: old.managed_local };
        profiles = profiles.map((x) => (x.id === old.id ? p : x));
        changed('profile.update', p.name);
        return p;
      }
      case 'profile_duplicate': {
        const old = find(args.req.profile);
        const id = `p-${Math.random().toString(36).slice(2, 8)}`;
        const p = { ...old, id, name: args.req.new_name ?? `${old.name} copy`, managed_local: false, source: 'saved' as const };
        if (secrets.has(old.id)) secrets.set(id, secrets.get(old.id)!);
        profiles = [...profiles, p];
        changed('profile.duplicate', p.name);
        return p;
      }
      case 'profile_delete': {
        const p = find(args.profile);
        if (p.source === 'env') fail('InvalidInput', 'The env profile comes from INFLUX_* variables and cannot be deleted.');
        profiles = profiles.filter((x) => x.id !== p.id);
        secrets.delete(p.id);
        if (active === p.id) active = profiles[0]?.id ?? null;
        changed('profile.delete', p.name);
        return null;
      }
      case 'profile_test': {
        const req = args.req as TestProfileReq;
        if (req.target === 'saved') {
          const p = find(req.profile);
          return test(p, secrets.has(p.id));
        }
        if (!/^https?:\/\/\S+$/.test(req.fields.url)) fail('InvalidInput', `url: "${req.fields.url}" is not an http(s) URL.`);
        const keep = req.secret.action === 'keep' && req.existing !== null && secrets.has(req.existing);
        return test({ id: req.existing ?? 'draft', url: req.fields.url, api: req.fields.api }, keep || req.secret.action === 'set');
      }
      case 'profile_import_cli':
        if (args.path && !String(args.path).endsWith('configs')) {
          fail('NotFound', `${args.path}: no such file. The influx CLI keeps its config in ~/.influxdbv2/configs.`);
        }
        profiles = [...profiles, profile({ id: 'p-cli', name: 'cli-default', url: 'http://localhost:8086', api: 'v2', org: 'home', secret_stored: true })];
        changed('profile.import', 'cli-default');
        return { imported: ['cli-default'], skipped: ['prod-eu'], source: args.path ?? '/home/me/.influxdbv2/configs' };
      case 'profile_import_env':
        if (profiles.some((p) => p.name === (args.name ?? 'env-saved'))) return { imported: [], skipped: [args.name ?? 'env-saved'], source: 'INFLUX_* environment' };
        profiles = [...profiles, profile({ id: 'p-envsaved', name: args.name ?? 'env-saved', url: 'http://localhost:8086', api: 'v2', org: 'home', database: 'sensors', secret_stored: true })];
        changed('profile.import', 'env-saved');
        return { imported: [args.name ?? 'env-saved'], skipped: [], source: 'INFLUX_* environment' };
      case 'query_run': {
        const req = args.req as RunQueryReq;
        try {
          const r = await runQuery(req);
          record(req, r, null);
          return r;
        } catch (e) {
          record(req, null, e as AppError);
          throw e;
        }
      }
      case 'query_cancel': {
        const stop = running.get(args.id);
        stop?.();
        return !!stop;
      }
      case 'query_build':
        return buildQuery(args.req as BuildQueryReq);
      case 'schema_databases':
        return Object.keys(SCHEMA);
      case 'schema_measurements':
        return Object.keys(schemaDb(args.req));
      case 'schema_tag_keys':
        return Object.keys(schemaM(args.req).tags);
      case 'schema_field_keys':
        return schemaM(args.req).fields;
      case 'schema_tag_values': {
        const req = args.req as SchemaReq;
        const all = schemaM(req).tags[req.tag_key ?? ''] ?? [];
        const needle = (req.search ?? '').toLowerCase();
        return all.filter((v) => v.toLowerCase().includes(needle)).slice(0, req.limit ?? 1000);
      }
      case 'history_list': {
        const { search, profile, limit } = args.req as { search: string | null; profile: string | null; limit: number | null };
        const pid = profile ? find(profile).id : null;
        return [...history]
          .reverse()
          .filter((h) => (!pid || h.profile_id === pid) && (!search || h.query.toLowerCase().includes(search.toLowerCase())))
          .slice(0, limit ?? 200);
      }
      case 'history_clear':
        history.length = 0;
        return null;
      case 'saved_list':
        return [...saved].sort((a, b) => a.name.localeCompare(b.name));
      case 'saved_save': {
        const { name, language, database, query } = args.req;
        if (!String(name).trim()) fail('InvalidInput', 'give the query a name');
        const old = saved.find((x) => x.name.toLowerCase() === String(name).toLowerCase());
        const sq: SavedQuery = { id: old?.id ?? `s${Date.now()}`, name, language, database, query, updated: new Date().toISOString() };
        saved = [...saved.filter((x) => x.id !== sq.id), sq];
        return sq;
      }
      case 'saved_delete':
        saved = saved.filter((x) => x.id !== args.id);
        return null;
      case 'settings_get':
        return { row_limit: rowLimit };
      case 'settings_update':
        rowLimit = args.req.row_limit;
        return { row_limit: rowLimit };
      case 'export_result': {
        const r = results.get(args.req.query_id) ?? fail('NotFound', 'no result is kept for that query: run it again');
        const ext = { csv: 'csv', json: 'json', line_protocol: 'lp' }[args.req.format as string] ?? 'txt';
        return { path: args.req.path ?? exportPath(r.frames[0]?.name ?? 'result', ext), bytes: r.rows * 38 };
      }
      case 'chart_render':
        return renderChart(args.req.query_id, args.req.spec);
      case 'chart_export': {
        const rendered = renderChart(args.req.query_id, args.req.spec);
        return { path: args.req.path ?? exportPath('chart', args.req.format), bytes: rendered.svg.length };
      }

      // UI preferences (the backend keeps them with tauri-plugin-store)
      case 'pref_get':
        return store.get(args.key) ?? null;
      case 'pref_set':
        store.set(args.key, args.value);
        return null;
    }
    console.warn('[mock] unhandled command', cmd, args);
    return fail('Internal', `mock: unhandled command ${cmd}`);
  },
  { shouldMockEvents: true },
);

if (demoMode === 'starting' && params.has('finish')) {
  setTimeout(() => {
    demo = { state: 'ready', profile: 'p-demo', url: 'http://127.0.0.1:18086', points_written: 4320 };
    void emit('influxdesk://demo', demo);
  }, 3000);
}
