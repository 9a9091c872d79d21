// The state every screen part that calls the backend keeps: a load under way, an action
// under way, the last error and the last success message. `load` and `act` run one call and
// keep that state, so a part's functions say only what they call.
import { toAppError, type AppError } from '../ipc';

export class Work {
  loading = $state(false);
  busy = $state(false);
  error = $state<AppError | null>(null);
  done = $state<string | null>(null);

  /** A (re)load: `loading` while it runs; its failure becomes `error`. */
  async load(f: () => Promise<void>): Promise<void> {
    this.loading = true;
    this.error = null;
    try {
      await f();
    } catch (e) {
      this.error = toAppError(e);
    } finally {
      this.loading = false;
    }
  }

  /** An action: `busy` while it runs; on success `done` is `message` (when given) and the
   * answer is true; on failure `error` says why and the answer is false. */
  async act(f: () => Promise<unknown>, message?: string): Promise<boolean> {
    this.busy = true;
    this.error = null;
    this.done = null;
    try {
      await f();
      if (message) this.done = message;
      return true;
    } catch (e) {
      this.error = toAppError(e);
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** Show a failure that did not come from `load` or `act` (e.g. the clipboard). */
  fail(e: unknown) {
    this.error = toAppError(e);
  }
}
