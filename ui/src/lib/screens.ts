// The screens other than Connections, loaded on first use: each is its own chunk, and the
// editor (CodeMirror, most of the bundle) comes only with the screens that use it. A screen
// loaded once is returned as is (not a promise), so switching back to it renders at once.

import type { Component } from 'svelte';
import type { Screen } from '../ipc';

type Lazy = Exclude<Screen, 'connections'>;

const loaders: Record<Lazy, () => Promise<{ default: Component }>> = {
  explore: () => import('../components/Explore.svelte'),
  dashboards: () => import('../components/dashboards/Dashboards.svelte'),
  admin: () => import('../components/admin/Admin.svelte'),
  load: () => import('../components/loaddata/LoadData.svelte'),
  alerts: () => import('../components/alerts/Alerts.svelte'),
  assistant: () => import('../components/Assistant.svelte'),
};

const loaded = new Map<Lazy, Component>();

export function screenComponent(screen: Lazy): Component | Promise<Component> {
  const done = loaded.get(screen);
  if (done) return done;
  return loaders[screen]().then((m) => {
    loaded.set(screen, m.default);
    return m.default;
  });
}
