// The Dashboards screen's state, kept outside the components so that leaving the screen keeps
// the open dashboard: the list of the active profile's dashboards, the open one with its last
// run (one SVG per cell, drawn by core at the cell's size), the chosen variable values, and
// presentation mode. Changes made elsewhere (an assistant over MCP, the CLI) arrive as
// `dashboard.*` events and reload what is shown.

import * as ipc from '../ipc';
import type { AppError } from '../ipc';
import type { CellRun } from '../bindings/CellRun';
import type { Dashboard } from '../bindings/Dashboard';
import type { DashboardInfo } from '../bindings/DashboardInfo';
import type { Event } from '../bindings/Event';
import type { ResolvedVariable } from '../bindings/ResolvedVariable';
import type { TimeRange } from '../bindings/TimeRange';
import type { VariableChoice } from '../bindings/VariableChoice';
import { theme } from './theme.svelte';

/** Height of one grid row in pixels (core draws each cell at its size on this grid). */
export const ROW_HEIGHT = 80;
export const GRID_COLUMNS = 12;

/** Auto-refresh choices, as core stores them ("" is off). */
export const DASH_REFRESH: readonly { value: string; label: string }[] = [
  { value: '', label: 'Off' },
  { value: '5s', label: '5s' },
  { value: '10s', label: '10s' },
  { value: '30s', label: '30s' },
  { value: '1m', label: '1m' },
  { value: '5m', label: '5m' },
];

/** Seconds of an auto-refresh interval like "30s", "1m" (0: off or unknown). */
export function refreshSeconds(r: string | null): number {
  const m = /^(\d+)(s|m|h)$/.exec(r ?? '');
  if (!m) return 0;
  return Number(m[1]) * (m[2] === 's' ? 1 : m[2] === 'm' ? 60 : 3600);
}

class DashboardsState {
  list = $state<DashboardInfo[]>([]);
  listError = $state<AppError | null>(null);
  loadingList = $state(false);
  /** The open dashboard (null: the list is shown). */
  dash = $state<Dashboard | null>(null);
  dashError = $state<AppError | null>(null);
  /** The last run's cells by cell id. */
  cells = $state.raw<Record<string, CellRun>>({});
  variables = $state<ResolvedVariable[]>([]);
  /** Chosen variable values (instead of the saved choices): a list for a multi-select one. */
  values = $state<Record<string, VariableChoice>>({});
  running = $state(false);
  runError = $state<AppError | null>(null);
  /** How many runs finished (tests and the UI can tell a new run happened). */
  runs = $state(0);
  presenting = $state(false);
  /** The time under the mouse on a time chart cell (epoch ms), shared by all cells: each
   *  draws a line there with its values (null: the mouse is on no chart). */
  hover = $state<{ t: number; cell: string } | null>(null);
  /** The ranges before each drag-zoom, latest last ("Reset zoom" goes back to the first). */
  zoomStack = $state<TimeRange[]>([]);
  /** Grid width in pixels, measured by the view. */
  width = $state(1200);
  #seq = 0;
  /** The profile the list is of (undefined: none seen yet). */
  #profile: string | null | undefined = undefined;

  async refreshList(): Promise<void> {
    this.loadingList = true;
    try {
      this.list = await ipc.dashboardList(null);
      this.listError = null;
    } catch (e) {
      this.listError = ipc.toAppError(e);
    } finally {
      this.loadingList = false;
    }
  }

  /** The active profile changed: its dashboards, none open. */
  profileChanged(id: string | null): void {
    if (id === this.#profile) return;
    // The first profile seen keeps a dashboard opened before the screen showed (from Explore).
    if (this.#profile !== undefined) this.close();
    this.#profile = id;
    void this.refreshList();
  }

  async open(id: string): Promise<void> {
    this.values = {};
    this.zoomStack = [];
    this.hover = null;
    this.cells = {};
    this.variables = [];
    // The view runs the cells once it knows its width (each cell is drawn at its size).
    await this.reload(id);
  }

  close(): void {
    this.dash = null;
    this.dashError = null;
    this.cells = {};
    this.presenting = false;
    this.zoomStack = [];
    this.hover = null;
  }

  /** Reload the open dashboard's definition (after a change). */
  async reload(id = this.dash?.id): Promise<void> {
    if (!id) return;
    try {
      this.dash = await ipc.dashboardGet({ dashboard: id });
      this.dashError = null;
    } catch (e) {
      this.dashError = ipc.toAppError(e);
    }
  }

  /** Run every cell (or the ones given) with the chosen values; late answers are dropped. */
  async run(only: string[] = []): Promise<void> {
    const d = this.dash;
    if (!d) return;
    const seq = ++this.#seq;
    this.running = true;
    try {
      const r = await ipc.dashboardRun({
        dashboard: d.id,
        values: { ...this.values },
        width: Math.round(Math.max(300, Math.min(8000, this.width))),
        row_height: ROW_HEIGHT,
        theme: theme.effective,
        cells: only,
      });
      if (seq !== this.#seq) return;
      const next = only.length ? { ...this.cells } : {};
      for (const c of r.cells) next[c.cell_id] = c;
      this.cells = next;
      this.variables = r.variables;
      this.runError = null;
      this.runs += 1;
    } catch (e) {
      if (seq !== this.#seq) return;
      this.runError = ipc.toAppError(e);
    } finally {
      if (seq === this.#seq) this.running = false;
    }
  }

  /** Choose a variable's value(s): the cells query again with it. The variables that depend
   *  on it (directly or not) lose their choice: core offers them anew for the new value. */
  async choose(name: string, value: VariableChoice): Promise<void> {
    const next: Record<string, VariableChoice> = { ...this.values, [name]: value };
    const vars = this.dash?.variables ?? [];
    const gone = new Set([name]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const v of vars) {
        if (!gone.has(v.name) && v.depends_on.some((d) => gone.has(d.variable))) {
          gone.add(v.name);
          delete next[v.name];
          grew = true;
        }
      }
    }
    this.values = next;
    await this.run();
  }

  async setRange(r: TimeRange): Promise<void> {
    const d = this.dash;
    if (!d) return;
    this.dash = await ipc.dashboardUpdate({ dashboard: d.id, time_range: r });
    await this.run();
  }

  /** Drag-zoom: the dashboard's range becomes the absolute span from `t0` to `t1` (epoch ms,
   *  whole seconds) and every cell queries again; the range before is kept for "Reset zoom".
   *  Cells with a time range of their own keep it. */
  async zoom(t0: number, t1: number): Promise<void> {
    const d = this.dash;
    if (!d) return;
    const iso = (t: number) => new Date(Math.round(t / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    const [a, b] = t0 <= t1 ? [t0, t1] : [t1, t0];
    const from = iso(a);
    let to = iso(b);
    if (to === from) to = iso(a + 1000);
    const before = d.time_range;
    try {
      this.hover = null;
      await this.setRange({ kind: 'absolute', from, to });
      this.zoomStack = [...this.zoomStack, before];
    } catch (e) {
      this.dashError = ipc.toAppError(e);
    }
  }

  /** Back to the range before the first drag-zoom. */
  async resetZoom(): Promise<void> {
    const first = this.zoomStack[0];
    if (!first) return;
    try {
      await this.setRange(first);
      this.zoomStack = [];
    } catch (e) {
      this.dashError = ipc.toAppError(e);
    }
  }

  async setRefresh(r: string): Promise<void> {
    const d = this.dash;
    if (!d) return;
    this.dash = await ipc.dashboardUpdate({ dashboard: d.id, refresh: r });
  }

  /** A change made outside this window (an assistant, the CLI): show it. */
  onEvent(ev: Event): void {
    if (!ev.action.startsWith('dashboard.')) return;
    if (ev.action === 'dashboard.run' || ev.action === 'dashboard.render') return;
    void this.refreshList();
    if (ev.actor.kind !== 'user' && this.dash) {
      const id = this.dash.id;
      void this.reload(id).then(() => this.run());
    }
  }
}

export const dashboards = new DashboardsState();
