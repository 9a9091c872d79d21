// Shared reactive state: the profile list, the active profile's health, the demo server and
// app info. Screens read `app` and call the actions below; all IPC goes through ../ipc.

import * as ipc from '../ipc';
import { schema } from './schema.svelte';
import type { AppError } from '../ipc';
import type { AppInfo } from '../bindings/AppInfo';
import type { ConnectionStatus } from '../bindings/ConnectionStatus';
import type { DemoStatus } from '../bindings/DemoStatus';
import type { Profile } from '../bindings/Profile';

export const STATUS_INTERVAL_MS = 30_000;

class AppState {
  info = $state<AppInfo | null>(null);
  profiles = $state<Profile[]>([]);
  activeId = $state<string | null>(null);
  listError = $state<AppError | null>(null);
  /** The profile list has been loaded (or failed to load) at least once. */
  listLoaded = $state(false);
  status = $state<ConnectionStatus | null>(null);
  statusLoading = $state(false);
  demo = $state<DemoStatus>({ state: 'off' });
  screen = $state<ipc.Screen>('connections');

  active = $derived(this.profiles.find((p) => p.id === this.activeId) ?? null);

  #statusSeq = 0;

  /** Reload the profile list. Callers refresh the status when the active one may change. */
  async refreshProfiles(): Promise<void> {
    try {
      const list = await ipc.profileList();
      this.profiles = list.profiles;
      this.activeId = list.active;
      this.listError = null;
    } catch (e) {
      this.listError = ipc.toAppError(e);
    }
    this.listLoaded = true;
  }

  /** Health of the active profile. Late answers for a previous profile are dropped. */
  async refreshStatus(): Promise<void> {
    const seq = ++this.#statusSeq;
    const id = this.activeId;
    if (!id) {
      this.status = null;
      this.statusLoading = false;
      return;
    }
    if (!this.status || this.status.profile_id !== id) this.statusLoading = true;
    try {
      const st = await ipc.profileStatus(id);
      if (seq !== this.#statusSeq) return;
      this.status = st;
    } catch (e) {
      if (seq !== this.#statusSeq) return;
      const error = ipc.toAppError(e);
      this.status = {
        profile_id: id,
        reachable: false,
        auth_ok: false,
        latency_ms: null,
        api: null,
        product: null,
        version: null,
        error,
      };
    } finally {
      if (seq === this.#statusSeq) this.statusLoading = false;
    }
  }

  async use(id: string): Promise<void> {
    await ipc.profileUse(id);
    this.activeId = id;
    this.status = null;
    await this.refreshProfiles();
    await this.refreshStatus();
  }

  go(screen: ipc.Screen): void {
    this.screen = screen;
    if (location.hash !== `#${screen}`) history.replaceState(null, '', `#${screen}`);
    void ipc.setPref('screen', screen);
  }

  /** Load everything and subscribe to backend events. Returns a cleanup function. */
  async start(): Promise<() => void> {
    // The list at once, alongside the rest: it is what the first screen shows. (Loaded again
    // below, once the listeners are on, so a demo that got ready in between is not missed.)
    const listed = this.refreshProfiles();
    const fromHash = screenOf(location.hash.slice(1));
    if (fromHash) {
      this.screen = fromHash;
    } else {
      const saved = screenOf(await ipc.getPref('screen'));
      if (saved) this.screen = saved;
    }

    const unlisten = await Promise.all([
      ipc.onEvent((ev) => {
        if (ev.action.startsWith('profile.')) void this.refreshProfiles().then(() => this.refreshStatus());
        // A database created or deleted (here, by the CLI or by an assistant) shows at once.
        if (ev.action === 'bucket.create' || ev.action === 'bucket.delete') schema.databasesChanged();
        // Deleted data leaves the schema browser at once, whoever deleted it.
        if (SCHEMA_CHANGES.includes(ev.action)) void schema.refresh();
      }),
      ipc.onDemo((st) => {
        this.demo = st;
        if (st.state === 'ready' || st.state === 'failed') {
          void this.refreshProfiles().then(() => this.refreshStatus());
        }
      }),
    ]);

    const [info, demo] = await Promise.allSettled([ipc.appInfo(), ipc.demoStatus()]);
    if (info.status === 'fulfilled') this.info = info.value;
    if (demo.status === 'fulfilled') this.demo = demo.value;
    await listed;
    await this.refreshProfiles();
    await this.refreshStatus();

    const timer = setInterval(() => void this.refreshStatus(), STATUS_INTERVAL_MS);
    return () => {
      clearInterval(timer);
      unlisten.forEach((u) => u());
    };
  }
}

/** Events after which the schema browser reloads what it shows. */
const SCHEMA_CHANGES = ['data.delete', 'measurement.drop', 'table.delete'];

export const app = new AppState();

/** A screen name from a URL hash or a stored preference ("query" was Explore's old name). */
export function screenOf(v: unknown): ipc.Screen | null {
  if (
    v === 'connections' ||
    v === 'explore' ||
    v === 'dashboards' ||
    v === 'load' ||
    v === 'admin' ||
    v === 'alerts' ||
    v === 'assistant'
  )
    return v;
  if (v === 'query') return 'explore';
  return null;
}
