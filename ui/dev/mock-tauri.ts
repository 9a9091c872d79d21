// Dev-only stand-in for the Rust backend, loaded by dev.html (never by index.html, so never in
// the production bundle). Canned profiles, statuses and query results, so the UI can be looked at
// in a plain browser: `npx vite` then open http://localhost:1420/dev.html#connections.
//
// URL knobs: ?demo=starting|failed|ready (default ready), ?empty=1 (no profiles), ?slow=1,
// ?q=TEXT (the demo profile's remembered query text; "select big" returns 1500-row frames).

import { mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import type { AppError } from '../src/bindings/AppError';
import type { AppInfo } from '../src/bindings/AppInfo';
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

function runQuery(req: RunQueryReq): QueryResult {
  const q = req.query.trim();
  if (!/^(select|show|from|with)\b/i.test(q)) {
    fail('QuerySyntax', `error parsing query: found ${q.split(/\s+/)[0] ?? 'EOF'}, expected SELECT, DELETE, SHOW, CREATE, DROP, EXPLAIN, GRANT, REVOKE, ALTER, SET, KILL at line 1, char 1`);
  }
  const now = Date.UTC(2025, 10, 21, 6, 0, 0);
  const n = q.includes('big') ? 1500 : 36;
  const frames: Frame[] = ['web-01', 'web-02', 'db-01'].map((host, h) => ({
    name: 'cpu',
    tags: { host },
    columns: [
      { name: 'time', kind: 'time', values: Array.from({ length: n }, (_, i) => new Date(now - (n - i) * 600_000).toISOString().replace('.000Z', 'Z')) },
      {
        name: 'mean',
        kind: 'float',
        values: Array.from({ length: n }, (_, i) => (i % 11 === 5 ? null : +(20 + 15 * Math.sin(i / 4 + h) + h * 7).toFixed(4))),
      },
    ],
  }));
  const rows = frames.reduce((s, f) => s + f.columns[0].values.length, 0);
  return { frames, language: req.language ?? 'influxql', rows, truncated: n > 1000, row_limit: 10000, elapsed_ms: 12 };
}

const store = new Map<string, unknown>();
if (params.has('q')) store.set('query_text', { 'p-demo': params.get('q') });
const changed = (action: string, detail: string) =>
  void emit('influxdesk://event', { actor: { kind: 'user' }, action, detail });

mockIPC(
  async (cmd, raw) => {
    const args = (raw ?? {}) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    await sleep(cmd.startsWith('plugin:') ? 0 : cmd === 'profile_test' || cmd === 'query_run' ? 400 : 60);
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
      case 'query_run':
        return runQuery(args.req as RunQueryReq);

      // tauri-plugin-store
      case 'plugin:store|load':
        return 1;
      case 'plugin:store|get':
        return [store.get(args.key) ?? null, store.has(args.key)];
      case 'plugin:store|set':
        store.set(args.key, args.value);
        return null;
      case 'plugin:store|save':
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
