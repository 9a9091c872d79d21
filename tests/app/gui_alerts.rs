//! The Alerts screen in the real WebKit webview over WebDriver, on a real influxd 1.6.7: the
//! test writes CPU data with a warn bump and two crit bumps in the last hour (and crit going
//! on), creates a rule with warn and crit levels in the form, backtests it over the last hour
//! ("would have fired 3 times (warn 1, crit 2)", what the data implies), saves it, sees the
//! app's evaluator fire it (crit in the rules list), sees the history entry and opens it in
//! Explore. Screenshots go to `test-artifacts/gui/` (`alerts-*.png`).

use fantoccini::Locator;

use crate::support::GuiWorld;
use crate::webdriver::{click, css, find_css, js, launch, shot, wait_text};

async fn type_into(c: &fantoccini::Client, testid: &str, s: &str) {
    let el = css(c, testid).await;
    el.clear().await.unwrap();
    el.send_keys(s).await.unwrap();
}

/// The CPU value `m` minutes before the data's reference time (negative: after it): 50
/// except a warn bump (85) 40 to 30 minutes before, a crit bump (95) 20 to 15 minutes
/// before, and crit (95) from 5 minutes before on.
fn usage(m: f64) -> f64 {
    if (30.0..40.0).contains(&m) {
        85.0
    } else if (15.0..20.0).contains(&m) || m < 5.0 {
        95.0
    } else {
        50.0
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_backtest_and_see_a_rule_fire_in_the_alerts_screen() {
    let w = GuiWorld::v1("gui-alerts-", "guialerts", &[]);
    // Points every 10 s from 90 minutes before the reference time to 30 minutes after it (the
    // crit goes on while the test runs; the backtest only sees points up to its own now).
    let t0 = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let lines: String = (-180..=540)
        .map(|k| {
            let t = t0 + k * 10 - 5400;
            let before = (t0 - t) as f64 / 60.0;
            format!("cpu,host=web-01 usage={} {t}\n", usage(before))
        })
        .collect();
    w.ok(
        &["write", "--bucket", "guialerts", "--precision", "s", "-"],
        Some(&lines),
    );

    let app = launch("alerts", &w.ss.env(), &w.config, &w.data).await;
    let c = app.c.clone();

    wait_text(&c, "switcher-name", "local").await;
    wait_text(&c, "switcher-status", "1.6.7").await;
    click(&c, "nav-alerts").await;
    wait_text(&c, "alert-count", "0 rules").await;
    click(&c, "alert-new").await;
    type_into(&c, "alert-name", "cpu-high").await;
    let editor = find_css(
        &c,
        "the query editor",
        "[data-testid=\"alert-query\"] .cm-content",
    )
    .await;
    editor.click().await.unwrap();
    editor
        .send_keys("SELECT last(usage) FROM cpu GROUP BY host")
        .await
        .unwrap();
    // Close the completion list the editor offers for the last word.
    editor.send_keys("\u{e00c}").await.unwrap();
    type_into(&c, "alert-warn", "80").await;
    type_into(&c, "alert-crit", "90").await;
    css(&c, "alert-operator")
        .await
        .select_by_value("greater_equal")
        .await
        .unwrap();
    type_into(&c, "alert-every", "10s").await;
    type_into(&c, "alert-message", "CPU is high on the web tier").await;
    type_into(&c, "alert-channels", "desktop").await;

    // The backtest over the last hour, stepped every 10 s: the warn bump once, the crit bump
    // once, and the crit going on: 3 notifications.
    css(&c, "alert-backtest-range")
        .await
        .select_by_value("1h")
        .await
        .unwrap();
    click(&c, "alert-backtest-run").await;
    let summary = wait_text(&c, "alert-backtest-summary", "Would have fired").await;
    assert!(
        summary.contains("Would have fired 3 times (warn 1, crit 2)"),
        "what the data implies: {summary}"
    );
    let svg = find_css(
        &c,
        "the backtest chart",
        "[data-testid=\"alert-backtest-chart\"] svg",
    )
    .await
    .prop("outerHTML")
    .await
    .unwrap()
    .unwrap_or_default();
    assert!(
        svg.contains("warn 80") && svg.contains("crit 90"),
        "the levels are drawn as labelled lines"
    );
    js(
        &c,
        "document.querySelector('[data-testid=\"alert-backtest\"]').scrollIntoView({block: 'start'}); return true;",
    )
    .await;
    shot(&c, "alerts-backtest").await;

    click(&c, "alert-save").await;
    // The app's evaluator runs the new rule at once: the last value is crit.
    wait_text(&c, "alert-status-cpu-high", "crit").await;
    let row = wait_text(&c, "alert-row-cpu-high", "web-01").await;
    assert!(row.contains("95"), "the series and its last value: {row}");
    shot(&c, "alerts-rules").await;

    click(&c, "alert-history-cpu-high").await;
    let entry = wait_text(&c, "history-list", "crit").await;
    assert!(
        entry.contains("host=web-01") && entry.contains("95"),
        "the change of state with its series and value: {entry}"
    );
    shot(&c, "alerts-history").await;

    // The entry opens the rule's query in Explore at its time.
    click(&c, "history-explore").await;
    wait_text(
        &c,
        "editor-text",
        "SELECT last(usage) FROM cpu GROUP BY host",
    )
    .await;
    assert!(
        c.find(Locator::Css(
            "[data-testid=\"nav-explore\"][aria-current=\"page\"]"
        ))
        .await
        .is_ok(),
        "Explore is the current screen"
    );
    c.close().await.unwrap();
}
