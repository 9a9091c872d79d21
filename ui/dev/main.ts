// Dev-only entry (dev.html): install the mocked backend first, then start the real UI.
//
// `?click=a,b,c` clicks the elements with those data-testid values one after another (the
// first match; `name@testid` picks the one inside the profile row named `name`, `testid=name`
// the one with that data-name), so headless
// screenshots can show dialogs and results: dev.html?click=q-run#query
import './mock-tauri';
import '../src/main';

const clicks = new URLSearchParams(location.search).get('click');
if (clicks) {
  const steps = clicks.split(',').filter(Boolean);
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  void (async () => {
    await wait(600);
    for (const step of steps) {
      const [row, rest] = step.includes('@') ? step.split('@') : [null, step];
      const [id, name] = rest.split('=');
      const scope = row ? document.querySelector(`[data-testid="profile-row"][data-name="${row}"]`) : document;
      const sel = `[data-testid="${id}"]` + (name ? `[data-name="${name}"]` : '');
      const el = scope?.querySelector<HTMLElement>(sel);
      if (el) el.click();
      else console.warn('[dev] nothing to click for', step);
      await wait(700);
    }
  })();
}
