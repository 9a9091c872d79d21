// A Svelte action for popovers: call `close` when a click lands outside the node.

export function outside(node: HTMLElement, close: () => void) {
  let cb = close;
  const onclick = (e: MouseEvent) => {
    if (!node.contains(e.target as Node)) cb();
  };
  // Added on the next tick, so the click that opened the popover does not close it.
  const t = setTimeout(() => window.addEventListener('click', onclick, true));
  return {
    update(next: () => void) {
      cb = next;
    },
    destroy() {
      clearTimeout(t);
      window.removeEventListener('click', onclick, true);
    },
  };
}
