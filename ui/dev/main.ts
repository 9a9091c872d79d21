// Dev-only entry (dev.html): install the mocked backend first, then start the real UI.
//
// `?click=a,b,c` clicks the elements with those data-testid values one after another (the
// first match; `name@testid` picks the one inside the profile row named `name`, `testid=name`
// the one with that data-name), so headless
// screenshots can show dialogs and results: dev.html?click=q-run#explore. `?hover=X,Y` then
// moves the mouse over the chart.
import './mock-tauri';
import '../src/main';

const params = new URLSearchParams(location.search);
const clicks = params.get('click');
const hover = params.get('hover');
if (clicks || hover) {
  const steps = (clicks ?? '').split(',').filter(Boolean);
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  void (async () => {
    await wait(600);
    for (const step of steps) {
      const [row, rest] = step.includes('@') ? step.split('@') : [null, step];
      const [id, name] = rest.split('=');
      const scope = row ? document.querySelector(`[data-testid="profile-row"][data-name="${row}"]`) : document;
      const sel = `[data-testid="${id}"]` + (name ? `[data-name="${name}"]` : '');
      const el = scope?.querySelector<HTMLElement>(sel);
      // A wrapper (a schema tree node) is clicked where a pointer would land: its own button.
      const target = el && !el.matches('button, input, select, a') ? (el.querySelector<HTMLElement>(':scope > button') ?? el) : el;
      if (target) target.click();
      else console.warn('[dev] nothing to click for', step);
      await wait(700);
    }
    // `?hover=X,Y`: move the mouse to page (X, Y) over the chart, to show the tooltip.
    if (hover) {
      await wait(500);
      const [x, y] = hover.split(',').map(Number);
      document
        .querySelector('[data-testid="chart"]')
        ?.dispatchEvent(new MouseEvent('mousemove', { clientX: x, clientY: y, bubbles: true }));
    }
  })();
}
