// The schema browser's data for the active profile: databases/buckets -> measurements -> tag
// keys (values on demand, searchable) and field keys with types. Loaded lazily, cached until
// the profile changes or the user refreshes; answers for an older profile are dropped. The
// editor's completion reads from here too.

import * as ipc from '../ipc';
import type { AppError } from '../ipc';
import type { FieldKey } from '../bindings/FieldKey';
import type { SchemaReq } from '../bindings/SchemaReq';

export interface Loadable<T> {
  loading: boolean;
  error: AppError | null;
  items: T | null;
}

export interface TagValues extends Loadable<string[]> {
  search: string;
}

const idle = <T>(): Loadable<T> => ({ loading: true, error: null, items: null });
const mkey = (db: string, m: string) => `${db}\u0000${m}`;
const tkey = (db: string, m: string, k: string) => `${db}\u0000${m}\u0000${k}`;

/** How many tag values to list at once (the search box narrows them on the server). */
export const TAG_VALUE_LIMIT = 200;

class SchemaState {
  profileId = $state<string | null>(null);
  databases = $state<Loadable<string[]>>({ loading: false, error: null, items: null });
  measurements = $state<Record<string, Loadable<string[]>>>({});
  fields = $state<Record<string, Loadable<FieldKey[]>>>({});
  tagKeys = $state<Record<string, Loadable<string[]>>>({});
  tagValues = $state<Record<string, TagValues>>({});
  /** Expanded nodes: "d:<db>", "m:<db>\0<m>", "t:<db>\0<m>\0<key>". */
  open = $state<Record<string, boolean>>({});
  /** Narrows the measurement lists (client side). */
  filter = $state('');

  #gen = 0;

  #req(extra: Partial<SchemaReq>): SchemaReq {
    return {
      profile: this.profileId,
      database: null,
      measurement: null,
      tag_key: null,
      search: null,
      limit: null,
      ...extra,
    };
  }

  /** Forget everything and load the databases of `profileId`. */
  reset(profileId: string | null): void {
    this.#gen++;
    this.profileId = profileId;
    this.databases = { loading: false, error: null, items: null };
    this.measurements = {};
    this.fields = {};
    this.tagKeys = {};
    this.tagValues = {};
    this.open = {};
    if (profileId) void this.loadDatabases();
  }

  /** Reload what is loaded, keeping what is expanded. */
  async refresh(): Promise<void> {
    const open = { ...this.open };
    const dbs = Object.keys(this.measurements);
    const ms = Object.keys(this.fields);
    this.reset(this.profileId);
    this.open = open;
    await Promise.all([
      ...dbs.map((db) => this.ensureMeasurements(db)),
      ...ms.map((k) => {
        const [db, m] = k.split('\u0000');
        return this.ensureMeasurement(db, m);
      }),
    ]);
  }

  async loadDatabases(): Promise<void> {
    const gen = this.#gen;
    this.databases = { loading: true, error: null, items: this.databases.items };
    try {
      const items = await ipc.schemaDatabases(this.#req({}));
      if (gen === this.#gen) this.databases = { loading: false, error: null, items };
    } catch (e) {
      if (gen === this.#gen) this.databases = { loading: false, error: ipc.toAppError(e), items: null };
    }
  }

  /** Databases were created or deleted: reload the list, forget what a deleted one held. */
  databasesChanged(): void {
    if (!this.profileId) return;
    void this.loadDatabases().then(() => {
      const live = new Set(this.databases.items ?? []);
      for (const db of Object.keys(this.measurements)) if (!live.has(db)) delete this.measurements[db];
    });
  }

  isOpen(key: string): boolean {
    return this.open[key] === true;
  }

  toggle(key: string, on?: boolean): boolean {
    const next = on ?? !this.open[key];
    this.open[key] = next;
    return next;
  }

  /** Measurements of `db` (loaded once). */
  async ensureMeasurements(db: string): Promise<string[]> {
    const cur = this.measurements[db];
    if (cur?.items) return cur.items;
    if (cur?.loading) return (await this.#settled(() => this.measurements[db]))?.items ?? [];
    const gen = this.#gen;
    this.measurements[db] = idle();
    try {
      const items = await ipc.schemaMeasurements(this.#req({ database: db }));
      if (gen === this.#gen) this.measurements[db] = { loading: false, error: null, items };
      return items;
    } catch (e) {
      if (gen === this.#gen) this.measurements[db] = { loading: false, error: ipc.toAppError(e), items: null };
      return [];
    }
  }

  /** Tag keys and field keys of one measurement (loaded once, together). */
  async ensureMeasurement(db: string, m: string): Promise<{ tags: string[]; fields: FieldKey[] }> {
    const k = mkey(db, m);
    const have = (): { tags: string[]; fields: FieldKey[] } | null => {
      const t = this.tagKeys[k];
      const f = this.fields[k];
      return t && f && !t.loading && !f.loading ? { tags: t.items ?? [], fields: f.items ?? [] } : null;
    };
    const done = have();
    if (done) return done;
    if (this.tagKeys[k]?.loading || this.fields[k]?.loading) {
      return (await this.#settled(have)) ?? { tags: [], fields: [] };
    }
    const gen = this.#gen;
    this.tagKeys[k] = idle();
    this.fields[k] = idle();
    const req = this.#req({ database: db, measurement: m });
    const [tags, fields] = await Promise.allSettled([ipc.schemaTagKeys(req), ipc.schemaFieldKeys(req)]);
    if (gen !== this.#gen) return { tags: [], fields: [] };
    this.tagKeys[k] =
      tags.status === 'fulfilled'
        ? { loading: false, error: null, items: tags.value }
        : { loading: false, error: ipc.toAppError(tags.reason), items: null };
    this.fields[k] =
      fields.status === 'fulfilled'
        ? { loading: false, error: null, items: fields.value }
        : { loading: false, error: ipc.toAppError(fields.reason), items: null };
    return {
      tags: tags.status === 'fulfilled' ? tags.value : [],
      fields: fields.status === 'fulfilled' ? fields.value : [],
    };
  }

  fieldsOf(db: string, m: string): Loadable<FieldKey[]> | undefined {
    return this.fields[mkey(db, m)];
  }

  tagKeysOf(db: string, m: string): Loadable<string[]> | undefined {
    return this.tagKeys[mkey(db, m)];
  }

  tagValuesOf(db: string, m: string, key: string): TagValues | undefined {
    return this.tagValues[tkey(db, m, key)];
  }

  /** Values of a tag key, narrowed on the server by `search`. The latest search wins. */
  async loadTagValues(db: string, m: string, key: string, search = ''): Promise<string[]> {
    const k = tkey(db, m, key);
    const gen = this.#gen;
    const prev = this.tagValues[k];
    this.tagValues[k] = { loading: true, error: null, items: prev?.items ?? null, search };
    try {
      const items = await ipc.schemaTagValues(
        this.#req({ database: db, measurement: m, tag_key: key, search: search.trim() || null, limit: TAG_VALUE_LIMIT }),
      );
      if (gen === this.#gen && this.tagValues[k]?.search === search) {
        this.tagValues[k] = { loading: false, error: null, items, search };
      }
      return items;
    } catch (e) {
      if (gen === this.#gen && this.tagValues[k]?.search === search) {
        this.tagValues[k] = { loading: false, error: ipc.toAppError(e), items: null, search };
      }
      return [];
    }
  }

  /** Everything loaded for `db`, for the editor's completion. */
  known(db: string): { measurements: string[]; fields: FieldKey[]; tags: string[] } {
    const measurements = this.measurements[db]?.items ?? [];
    const fields = new Map<string, FieldKey>();
    const tags = new Set<string>();
    const prefix = `${db}\u0000`;
    for (const [k, v] of Object.entries(this.fields)) {
      if (k.startsWith(prefix)) for (const f of v.items ?? []) fields.set(f.name, f);
    }
    for (const [k, v] of Object.entries(this.tagKeys)) {
      if (k.startsWith(prefix)) for (const t of v.items ?? []) tags.add(t);
    }
    return { measurements, fields: [...fields.values()], tags: [...tags] };
  }

  /** Wait (briefly) for a load started elsewhere. */
  async #settled<T>(get: () => T | null | undefined): Promise<T | null> {
    for (let i = 0; i < 200; i++) {
      const v = get();
      if (v && !(v as { loading?: boolean }).loading) return v;
      await new Promise((r) => setTimeout(r, 50));
    }
    return null;
  }
}

export const schema = new SchemaState();
