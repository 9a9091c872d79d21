//! A measurement, not a check (so `#[ignore]`d; `.ci/bench` runs it with `--ignored`): frame
//! times of Explore's result table scrolling 100,000 rows in the real WebKitGTK webview, over
//! WebDriver under Xvfb, on a real influxd 1.6.7. The test writes the 100,000 points, runs
//! the query in Explore, opens the table and scrolls it from a `requestAnimationFrame` loop
//! (`performance.now()` at each frame): steadily (5 rows a frame), then in a fling (100 rows a
//! frame, every frame all new rows). It prints mean and p95 frame time and fps per phase
//! (goal: at least 55 fps), next to its peer in the same webview: a plain scroller of the same
//! height with static rows and no app code (what scrolling costs the webview by itself). The
//! app is the debug build: the scrolling is the webview's work, not Rust's. It asserts only
//! that the table holds every row and really scrolled.

use serde_json::{Value, json};

use crate::support::{GuiWorld, scratch};
use crate::webdriver::{click, launch, shot, table_rows, type_query, wait_text};

const POINTS: usize = 100_000;
/// Frames measured per phase (at most 20 s of them).
const FRAMES: usize = 300;
/// Rows the table holds in view of a 22 px row (ResultTable's `ROW_H`).
const ROW_H: usize = 22;

/// Scroll the table by `step` px in each of `frames` animation frames (or for at most 20 s,
/// inside WebDriver's 30 s script timeout); the frame timestamps (ms, `performance.now()` at
/// the start of each frame's callback) and the final scrollTop.
const SCROLL: &str = r#"
const [frames, step, done] = arguments;
const el = document.querySelector('[data-testid="result-table"]');
el.scrollTop = 0;
const times = [];
let n = 0;
function tick() {
  const t = performance.now();
  times.push(t);
  if (n++ >= frames || t - times[0] > 20000) { done({ times, top: el.scrollTop }); return; }
  el.scrollTop += step;
  requestAnimationFrame(tick);
}
requestAnimationFrame(() => requestAnimationFrame(tick));
"#;

/// The peer, in the same webview: a plain scroller of the same size (2.2M px) with 30 static
/// rows and no app code at all, laid over the page and scrolled `step` px a frame for `frames`
/// frames; its frame timestamps. What scrolling costs this webview by itself.
const PLAIN: &str = r#"
const [frames, step, done] = arguments;
const o = document.createElement('div');
o.style.cssText = 'position:fixed;left:300px;top:200px;width:800px;height:500px;' +
  'overflow:auto;background:#fff;z-index:99;font:12px monospace';
const inner = document.createElement('div');
inner.style.cssText = 'position:relative;height:2200000px';
let h = '';
for (let r = 0; r < 30; r++) {
  h += '<div style="height:22px;display:grid;grid-template-columns:200px 100px 100px 100px">' +
    `<div>2026-11-30 12:00:${r}</div><div>${r}</div><div>${r * 0.7}</div><div>row ${r}</div></div>`;
}
inner.innerHTML = h;
o.appendChild(inner);
document.body.appendChild(o);
const times = [];
let n = 0;
function tick() {
  const t = performance.now();
  times.push(t);
  if (n++ >= frames || t - times[0] > 20000) { o.remove(); done({ times, top: 0 }); return; }
  o.scrollTop += step;
  requestAnimationFrame(tick);
}
requestAnimationFrame(() => requestAnimationFrame(tick));
"#;

struct Frames {
    mean: f64,
    p95: f64,
    max: f64,
    fps: f64,
    over_20ms: usize,
}

fn frames(times: &[f64]) -> Frames {
    let mut d: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    let total: f64 = d.iter().sum();
    let mean = total / d.len() as f64;
    d.sort_by(|a, b| a.total_cmp(b));
    let p95 = d[((d.len() as f64 * 0.95).ceil() as usize).clamp(1, d.len()) - 1];
    Frames {
        mean,
        p95,
        max: *d.last().unwrap(),
        fps: 1000.0 / mean,
        over_20ms: d.iter().filter(|&&x| x > 20.0).count(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement (frame times), run by .ci/bench with --ignored"]
async fn table_scrolls_100k_rows_in_the_real_webview() {
    let w = GuiWorld::v1("gui-fps-", "fps", &[]);
    // 100,000 points, one every 100 ms over the last ~2.8 hours (inside the default 6 h).
    let now_ms = chrono::Utc::now().timestamp_millis() - 60_000;
    let lines: String = (0..POINTS)
        .map(|i| {
            format!(
                "m,host=host-{:02} value={:.3},count={}i,note=\"row {i}\" {}\n",
                i % 17,
                (i % 997) as f64 * 0.731,
                i,
                now_ms - ((POINTS - i) as i64) * 100
            )
        })
        .collect();
    w.ok(
        &["write", "--bucket", "fps", "--precision", "ms", "-"],
        Some(&lines),
    );

    println!(
        "Explore's result table, {POINTS} rows x 5 columns, in the real WebKitGTK webview \
         (Xvfb, debug Rust build: the scrolling is the webview's work), up to {FRAMES} frames \
         (20 s) a phase; goal: at least 55 fps while scrolling"
    );
    // As the app runs (WebKit's accelerated compositing, in software under Xvfb), then with
    // compositing off: a diagnostic of where the time goes (screenshots hang in that mode, so
    // it takes none).
    for compositing in [true, false] {
        let mut env = w.ss.env();
        // Each launch its own UI state (ui.json, in the app's data dir): a fresh Explore tab.
        let ui_dir = scratch("gui-fps-ui-");
        env.push(("XDG_DATA_HOME".into(), ui_dir.display().to_string()));
        if !compositing {
            env.push(("WEBKIT_DISABLE_COMPOSITING_MODE".into(), "1".into()));
        }
        let name = if compositing {
            "table-fps"
        } else {
            "table-fps-nocomp"
        };
        let app = launch(name, &env, &w.config, &w.data).await;
        measure(&app.c, compositing).await;
        app.c.clone().close().await.unwrap();
    }
}

/// Run the query in Explore, open the table and time its scrolling (and the peer's).
async fn measure(c: &fantoccini::Client, compositing: bool) {
    wait_text(c, "switcher-status", "1.6.7").await;
    click(c, "nav-explore").await;
    type_query(
        c,
        "SELECT value, count, note, host FROM m WHERE $timeFilter",
    )
    .await;
    click(c, "q-run").await;
    let summary = wait_text(c, "q-summary", "rows").await;
    assert!(summary.contains("100,000 rows"), "every point: {summary}");
    let total = table_rows(c).await;
    assert_eq!(total, POINTS, "the table holds every row");

    println!(
        "{}",
        if compositing {
            "WebKit compositing on (as the app runs):"
        } else {
            "WebKit compositing off (WEBKIT_DISABLE_COMPOSITING_MODE=1, a diagnostic):"
        }
    );
    println!(
        "{:<30} {:>7} {:>9} {:>9} {:>9} {:>7} {:>10}",
        "phase", "frames", "mean ms", "p95 ms", "max ms", "fps", ">20 ms"
    );
    let mut means = Vec::new();
    for (label, rows_per_frame) in [
        ("idle (no scrolling)", 0),
        ("steady (5 rows/frame)", 5),
        ("fling (100 rows/frame)", 100),
        ("peer: plain scroller, 5 rows", 5),
    ] {
        let step = rows_per_frame * ROW_H;
        let script = if label.starts_with("peer") {
            PLAIN
        } else {
            SCROLL
        };
        let out: Value = c
            .execute_async(script, vec![json!(FRAMES), json!(step)])
            .await
            .expect("the scroll script");
        let times: Vec<f64> = out["times"]
            .as_array()
            .expect("times")
            .iter()
            .filter_map(Value::as_f64)
            .collect();
        assert!(times.len() > 10, "frames ran: {}", times.len());
        let scrolled = step * (times.len() - 1);
        let top = out["top"].as_f64().unwrap_or(0.0);
        assert!(
            label.starts_with("peer") || top >= scrolled as f64 * 0.99,
            "the table scrolled {top} px of {scrolled}"
        );
        let f = frames(&times);
        println!(
            "{label:<30} {:>7} {:>9.2} {:>9.2} {:>9.2} {:>7.1} {:>10}",
            times.len() - 1,
            f.mean,
            f.p95,
            f.max,
            f.fps,
            f.over_20ms
        );
        means.push(f.mean);
    }
    // means: idle, steady, fling, peer.
    println!(
        "steady scrolling takes {:.2}x the plain scroller's frame time in this webview",
        means[1] / means[3]
    );
    // The rows in view are the ones the scroll position says.
    let first: Value = c
        .execute(
            "return document.querySelector('[data-testid=\"result-row\"]').dataset.row",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        first
            .as_str()
            .and_then(|s| s.parse::<usize>().ok())
            .unwrap_or(0)
            > 0,
        "rows further down are drawn: {first}"
    );
    if compositing {
        shot(c, "table-fps").await;
    }
}
