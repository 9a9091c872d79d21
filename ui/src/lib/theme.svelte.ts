// The app's colour theme: System (follows `prefers-color-scheme`), Light or Dark, kept with the
// UI preferences (`theme` in ui.json). The effective theme is set as `data-theme` on <html>,
// where app.css swaps its variables, and every chart request carries it so that the SVG core
// draws matches the page. Nothing here draws.

import { getPref, setPref, type ThemeMode } from '../ipc';
import type { Theme } from '../bindings/Theme';

export const THEME_MODES: readonly { value: ThemeMode; label: string }[] = [
  { value: 'system', label: 'System' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
];

const darkQuery: MediaQueryList | null =
  typeof window !== 'undefined' && typeof window.matchMedia === 'function'
    ? window.matchMedia('(prefers-color-scheme: dark)')
    : null;

const isMode = (v: unknown): v is ThemeMode => v === 'system' || v === 'light' || v === 'dark';

class ThemeState {
  /** What the user chose. */
  mode = $state<ThemeMode>('system');
  /** What the system asks for (followed in System mode). */
  systemDark = $state(darkQuery?.matches ?? false);
  /** The theme in use: what charts are drawn with and what `data-theme` says. */
  effective: Theme = $derived(this.mode === 'system' ? (this.systemDark ? 'dark' : 'light') : this.mode);

  /** Follow the system setting and apply the saved choice; call once at startup. */
  start(): void {
    darkQuery?.addEventListener('change', (e) => (this.systemDark = e.matches));
    $effect.root(() => {
      $effect(() => {
        document.documentElement.dataset.theme = this.effective;
      });
    });
    void getPref('theme').then((m) => {
      if (isMode(m)) this.mode = m;
    });
  }

  async set(mode: ThemeMode): Promise<void> {
    this.mode = mode;
    await setPref('theme', mode);
  }
}

export const theme = new ThemeState();
