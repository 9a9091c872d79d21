// The Explore screen's state, kept outside the components so that leaving the screen and coming
// back keeps tabs, texts and results: the tabs of the active profile (remembered in ui.json),
// running/cancelling queries with a fresh query id per run, drafting a query from a clicked
// field, the builder -> query_build round trip, and the table's time zone.

import * as ipc from '../ipc';
import type { AppError } from '../ipc';
import type { ApiKind } from '../bindings/ApiKind';
import type { ColumnType } from '../bindings/ColumnType';
import type { ExportResult } from '../bindings/ExportResult';
import type { Profile } from '../bindings/Profile';
import type { QueryLanguage } from '../bindings/QueryLanguage';
import type { ResultHead } from '../bindings/ResultHead';
import type { QueryTiming } from '../bindings/QueryTiming';
import type { TimeRange } from '../bindings/TimeRange';
import type { UserSettings } from '../bindings/UserSettings';
import { defaultLanguage } from './format';
import { schema } from './schema.svelte';
import { wallNow } from './startup';
import {
  emptyBuilder,
  newTab,
  sanitizeTabs,
  type BuilderForm,
  type CellLink,
  type ChartOptions,
  type EditMode,
  type TabDraft,
  type ViewMode,
} from './tabs';
import type { TimeZoneMode } from './time';

/** The demo's first query: a chart in one click on Run. */
const DEMO_QUERY = 'SELECT mean("usage_user") FROM "cpu" WHERE $timeFilter GROUP BY time($interval), "host" fill(none)';

const NUMERIC: readonly ColumnType[] = ['float', 'integer', 'unsigned'];

export class Tab {
  readonly id: string;
  name = $state('');
  lang = $state<QueryLanguage>('influxql');
  db = $state('');
  text = $state('');
  mode = $state<EditMode>('editor');
  builder = $state<BuilderForm>(emptyBuilder());
  range = $state<TimeRange>({ kind: 'relative', duration: '6h' });
  refresh = $state(0);
  view = $state<ViewMode>('chart');
  chart = $state<ChartOptions>({ type: 'line', unit: '', decimals: null, hidden: [], right: [] });
  /** The dashboard cell this tab edits ("Save to cell"), if any. */
  link = $state<CellLink | null>(null);

  // ---- not remembered -----------------------------------------------------------------
  running = $state(false);
  startedAt = $state(0);
  /** The id of the latest run (running or done). */
  queryId = $state<string | null>(null);
  /** Large: not deeply reactive. */
  result = $state.raw<ResultHead | null>(null);
  /** The time range `result` was run over. */
  resultRange = $state.raw<TimeRange | null>(null);
  /** How the run of `result` went in the backend (first byte, read and parsed). */
  timing = $state.raw<QueryTiming | null>(null);
  /** When `result` reached the window (wall clock, ms since the Unix epoch). */
  resultAt = $state(0);
  error = $state<AppError | null>(null);
  /** The error of the builder's last query_build. */
  buildError = $state<AppError | null>(null);
  exported = $state<ExportResult | null>(null);
  exportError = $state<AppError | null>(null);
  #runs = 0;

  constructor(d: TabDraft) {
    this.id = d.id;
    this.name = d.name;
    this.lang = d.lang;
    this.db = d.db;
    this.text = d.text;
    this.mode = d.mode;
    this.builder = d.builder;
    this.range = d.range;
    this.refresh = d.refresh;
    this.view = d.view;
    this.chart = d.chart;
    this.link = d.link ?? null;
  }

  nextQueryId(): string {
    this.#runs += 1;
    return `${this.id}-${this.#runs}`;
  }

  draft(): TabDraft {
    return {
      id: this.id,
      name: this.name,
      lang: this.lang,
      db: this.db,
      text: this.text,
      mode: this.mode,
      builder: $state.snapshot(this.builder),
      range: $state.snapshot(this.range),
      refresh: this.refresh,
      view: this.view,
      chart: $state.snapshot(this.chart),
      link: $state.snapshot(this.link),
    };
  }
}

/** A query to open in Explore (e.g. an assistant's, from the activity log). */
export interface OpenQuery {
  query: string;
  language: QueryLanguage | null;
  database: string | null;
  /** The time picker's range for it (an alert's history entry opens at its time). */
  time_range?: TimeRange | null;
  /** The tab's name, chart and link (a dashboard cell opened for editing). */
  name?: string;
  chart?: ChartOptions;
  link?: CellLink;
}

class ExploreState {
  tabs = $state<Tab[]>([]);
  activeId = $state('');
  active = $derived(this.tabs.find((t) => t.id === this.activeId) ?? this.tabs[0] ?? null);
  tz = $state<TimeZoneMode>('local');
  /** performance.now(), ticking while a query runs (for the elapsed time). */
  now = $state(0);
  settings = $state<UserSettings | null>(null);
  /** Bumped after every run, so the history panel can reload. */
  runs = $state(0);
  /** The profile whose tabs are loaded. */
  loadedFor = $state<string | null>(null);
  /** Set by the mounted editor: insert text at the cursor. */
  insert: ((text: string) => void) | null = null;

  /** A query to open in a new tab once the tabs are loaded (from the Assistant screen). */
  #toOpen: OpenQuery | null = null;
  #saveTimer: ReturnType<typeof setTimeout> | undefined;
  #pendingSave: (() => void) | null = null;
  #ticker: ReturnType<typeof setInterval> | undefined;

  /** Load the remembered tabs of `p` (or make a first one). */
  async load(p: Profile, api: ApiKind | null): Promise<void> {
    // Save the previous profile's tabs now, and drop them, so they are never saved under this one.
    this.flushSave();
    this.tabs = [];
    this.loadedFor = p.id;
    const lang = defaultLanguage(api);
    const [saved, tz, oldText, oldLang, oldDb] = await Promise.all([
      ipc.getPref('explore_tabs'),
      ipc.getPref('time_zone'),
      ipc.getPref('query_text'),
      ipc.getPref('query_lang'),
      ipc.getPref('query_db'),
    ]);
    if (this.loadedFor !== p.id) return;
    if (tz === 'utc' || tz === 'local') this.tz = tz;
    const mine = sanitizeTabs(saved?.[p.id], lang);
    if (mine) {
      this.tabs = mine.tabs.map((d) => new Tab(d));
      this.activeId = mine.active;
      this.#openQueued(lang, p.database ?? '');
      return;
    }
    // First visit: carry over the old Query screen's text, or the demo's query.
    const l = oldLang?.[p.id] ?? lang;
    const db = oldDb?.[p.id] ?? p.database ?? '';
    let text = oldText?.[p.id] ?? '';
    if (!text.trim() && p.managed_local && l === 'influxql') text = DEMO_QUERY;
    const first = newTab('Query 1', l, db, text);
    this.tabs = [new Tab(first)];
    this.activeId = first.id;
    this.#openQueued(l, db);
  }

  /** Open `q` in a new tab of `profileId`: now when its tabs are loaded, else once they are. */
  openQuery(q: OpenQuery, profileId: string | null): void {
    this.#toOpen = q;
    if (profileId && this.loadedFor === profileId && this.tabs.length > 0) {
      const t = this.active;
      this.#openQueued(t?.lang ?? q.language ?? 'influxql', t?.db ?? '');
    }
  }

  #openQueued(lang: QueryLanguage, db: string): void {
    const q = this.#toOpen;
    this.#toOpen = null;
    if (!q) return;
    const tab = this.addTab(lang, db);
    this.loadQuery(tab, q);
    if (q.name) tab.name = q.name;
    if (q.chart) {
      tab.chart = q.chart;
      tab.view = 'chart';
    }
    if (q.link) tab.link = q.link;
  }

  snapshot(): { profile: string | null; tabs: TabDraft[]; active: string } {
    return { profile: this.loadedFor, tabs: this.tabs.map((t) => t.draft()), active: this.activeId };
  }

  /** Remember the tabs (debounced; call on every change). */
  scheduleSave(snap: { profile: string | null; tabs: TabDraft[]; active: string }): void {
    if (!snap.profile || snap.tabs.length === 0) return;
    clearTimeout(this.#saveTimer);
    const { profile, tabs, active } = snap;
    this.#pendingSave = () => void ipc.setProfilePref('explore_tabs', profile, { tabs, active });
    this.#saveTimer = setTimeout(() => this.flushSave(), 400);
  }

  /** Write a scheduled save now (leaving the screen, switching profiles). */
  flushSave(): void {
    clearTimeout(this.#saveTimer);
    const save = this.#pendingSave;
    this.#pendingSave = null;
    save?.();
  }

  setTz(tz: TimeZoneMode): void {
    this.tz = tz;
    void ipc.setPref('time_zone', tz);
  }

  addTab(lang: QueryLanguage, db: string): Tab {
    let n = this.tabs.length + 1;
    while (this.tabs.some((t) => t.name === `Query ${n}`)) n++;
    const base = this.active;
    const d = newTab(`Query ${n}`, base?.lang ?? lang, base?.db ?? db);
    if (base) d.range = $state.snapshot(base.range);
    const tab = new Tab(d);
    this.tabs = [...this.tabs, tab];
    this.activeId = tab.id;
    return tab;
  }

  closeTab(id: string, lang: QueryLanguage, db: string): void {
    const i = this.tabs.findIndex((t) => t.id === id);
    if (i < 0) return;
    const tab = this.tabs[i];
    if (tab.running && tab.queryId) void ipc.queryCancel(tab.queryId).catch(() => false);
    const rest = this.tabs.filter((t) => t.id !== id);
    if (rest.length === 0) {
      const fresh = new Tab(newTab('Query 1', lang, db));
      this.tabs = [fresh];
      this.activeId = fresh.id;
      return;
    }
    this.tabs = rest;
    if (this.activeId === id) this.activeId = rest[Math.min(i, rest.length - 1)].id;
  }

  #tick(): void {
    const any = this.tabs.some((t) => t.running);
    if (any && !this.#ticker) {
      this.now = performance.now();
      this.#ticker = setInterval(() => (this.now = performance.now()), 100);
    } else if (!any && this.#ticker) {
      clearInterval(this.#ticker);
      this.#ticker = undefined;
    }
  }

  /** Run the tab's query over its time range. A newer run supersedes an older one. */
  async run(tab: Tab, profileId: string | null): Promise<void> {
    if (!profileId || tab.text.trim() === '') return;
    if (tab.running && tab.queryId) await this.cancel(tab);
    const id = tab.nextQueryId();
    tab.queryId = id;
    tab.running = true;
    tab.startedAt = performance.now();
    tab.error = null;
    tab.exported = null;
    tab.exportError = null;
    this.#tick();
    const range = $state.snapshot(tab.range);
    try {
      const r = await ipc.queryRun({
        profile: profileId,
        language: tab.lang,
        database: tab.db.trim() || null,
        query: tab.text,
        row_limit: null,
        time_range: range,
        query_id: id,
      });
      if (tab.queryId !== id) return;
      tab.resultAt = wallNow();
      tab.result = r;
      tab.resultRange = range;
      tab.timing = null;
      ipc.queryTiming(id).then(
        (t) => {
          if (tab.queryId === id) tab.timing = t;
        },
        () => {
          // Only the result bar's "parsed in": the result itself is on screen.
        },
      );
    } catch (e) {
      if (tab.queryId !== id) return;
      const err = ipc.toAppError(e);
      tab.error = err;
      // A cancelled run keeps the previous result on screen.
      if (err.code !== 'Cancelled') tab.result = null;
    } finally {
      if (tab.queryId === id) tab.running = false;
      this.#tick();
      this.runs += 1;
    }
  }

  async cancel(tab: Tab): Promise<void> {
    if (!tab.queryId) return;
    try {
      await ipc.queryCancel(tab.queryId);
    } catch (e) {
      tab.error = ipc.toAppError(e);
    }
  }

  /** The builder's form -> query text (query_build). */
  async build(tab: Tab): Promise<void> {
    const b = $state.snapshot(tab.builder);
    if (!b.measurement || b.fields.length === 0) {
      tab.buildError = null;
      return;
    }
    try {
      const q = await ipc.queryBuild({
        language: tab.lang,
        database: tab.db,
        measurement: b.measurement,
        fields: b.fields,
        tag_filters: b.tag_filters.filter((f) => f.key && f.values.length > 0),
        aggregate: b.aggregate,
        group_by_time: b.group_by_time,
        group_by_tags: b.group_by_tags,
        fill: b.fill,
      });
      tab.text = q;
      tab.buildError = null;
    } catch (e) {
      tab.buildError = ipc.toAppError(e);
    }
  }

  /**
   * The "two clicks": a field clicked in the schema browser becomes a query in the active tab
   * (mean over auto intervals, one series per host when there is a host tag) and runs.
   */
  async draftField(db: string, measurement: string, field: string, kind: ColumnType, profileId: string | null): Promise<void> {
    const tab = this.active;
    if (!tab) return;
    const { tags } = await schema.ensureMeasurement(db, measurement);
    const numeric = NUMERIC.includes(kind);
    const groupTags = tags.includes('host') ? ['host'] : [];
    tab.db = db;
    tab.builder = {
      measurement,
      fields: [field],
      tag_filters: [],
      // Strings and booleans have no mean: show their raw values instead.
      aggregate: numeric ? 'mean' : null,
      group_by_time: numeric ? 'auto' : null,
      group_by_tags: numeric ? groupTags : [],
      fill: 'none',
    };
    await this.build(tab);
    if (tab.buildError) return;
    if (/^Query( \d+)?$/.test(tab.name)) tab.name = `${measurement}.${field}`;
    tab.view = numeric ? 'chart' : 'table';
    await this.run(tab, profileId);
  }

  /** Put a query from the history or the saved list into the tab. */
  loadQuery(tab: Tab, q: { query: string; language: QueryLanguage | null; database: string | null; time_range?: TimeRange | null }): void {
    tab.text = q.query;
    if (q.language) tab.lang = q.language;
    if (q.database != null) tab.db = q.database;
    if (q.time_range) tab.range = q.time_range;
    tab.mode = 'editor';
  }

  async loadSettings(): Promise<void> {
    try {
      this.settings = await ipc.settingsGet();
    } catch {
      this.settings = null;
    }
  }
}

export const explore = new ExploreState();
