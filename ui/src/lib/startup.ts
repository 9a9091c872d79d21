// Start-up marks: once per run, tell the backend that the window has painted something useful
// (it logs the time since start; the app bench reads it). Two animation frames: the first
// callback runs before the frame that shows the new DOM is painted, the second after it.

import * as ipc from '../ipc';

const sent = new Set<string>();

/** Resolves once what is in the DOM now has been painted (two animation frames). */
export function painted(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())));
}

/** Now on the wall clock, ms since the Unix epoch (the backend's clock for timings). */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

export function markPainted(mark: 'connections' | 'chart'): void {
  if (sent.has(mark)) return;
  sent.add(mark);
  const ready = performance.now();
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      ipc.startupMark(mark, ready).catch(() => {
        // Only a log line for the bench: nothing to show the user.
      });
    }),
  );
}
