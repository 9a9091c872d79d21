// The rows of a large result, read page by page: a run answers with each frame's first page
// (its head); the table asks for the pages of the rows in view as it scrolls (query_rows on
// the result kept under the run's query id) and holds the last few. A page that cannot be read
// (the result was dropped after many newer runs) stops the reading and says what to do.

import * as ipc from '../ipc';
import type { Column } from '../bindings/Column';
import type { FrameHead } from '../bindings/FrameHead';

/** Rows a page (the backend's `PAGE_ROWS`: a head is the first page). */
export const PAGE_ROWS = 500;
/** Pages held at once (other than the heads): 32,000 rows. */
const KEEP_PAGES = 64;

export type CellValue = string | number | boolean | null;

export class RowPages {
  /** Bumped when a page arrives: reading a value subscribes to it. */
  version = $state(0);
  /** Why the rows past the heads cannot be shown, once a page failed. */
  error = $state<string | null>(null);
  readonly #pages = new Map<string, Column[]>();
  readonly #pending = new Set<string>();

  constructor(
    readonly queryId: string | null,
    readonly frames: FrameHead[],
  ) {}

  /**
   * Row `r` of column `ci` of frame `f`: `undefined` while its page is not here yet (null is
   * a null value).
   */
  value(f: number, ci: number, r: number): CellValue | undefined {
    const head = this.frames[f]?.columns;
    if (r < (head?.[0]?.values.length ?? 0)) return (head?.[ci]?.values[r] ?? null) as CellValue;
    void this.version;
    const page = this.#pages.get(key(f, Math.floor(r / PAGE_ROWS)));
    if (!page) return undefined;
    return (page[ci]?.values[r % PAGE_ROWS] ?? null) as CellValue;
  }

  /** The rows of frame `f` that are here (its head, then each page read), column by column. */
  loaded(f: number): Column[][] {
    void this.version;
    const out = [this.frames[f]?.columns ?? []];
    for (const [k, page] of this.#pages) if (k.startsWith(`${f}:`)) out.push(page);
    return out;
  }

  /** Read the pages that rows `first..last` of frame `f` need and are not here yet. */
  want(f: number, first: number, last: number): void {
    const frame = this.frames[f];
    if (!frame || this.error !== null || this.queryId === null) return;
    const headRows = frame.columns[0]?.values.length ?? 0;
    const end = Math.min(last, frame.rows);
    for (let p = Math.floor(Math.max(first, headRows) / PAGE_ROWS); p * PAGE_ROWS < end; p++) {
      const k = key(f, p);
      if (this.#pages.has(k) || this.#pending.has(k)) continue;
      this.#pending.add(k);
      void this.#read(f, p, k, this.queryId);
    }
  }

  async #read(f: number, p: number, k: string, id: string): Promise<void> {
    try {
      const page = await ipc.queryRows(id, f, p * PAGE_ROWS, PAGE_ROWS);
      this.#pages.set(k, page.columns);
      while (this.#pages.size > KEEP_PAGES) {
        const oldest = this.#pages.keys().next().value;
        if (oldest === undefined) break;
        this.#pages.delete(oldest);
      }
      this.version += 1;
    } catch (e) {
      this.error = ipc.toAppError(e).message;
    } finally {
      this.#pending.delete(k);
    }
  }
}

function key(f: number, p: number): string {
  return `${f}:${p}`;
}
