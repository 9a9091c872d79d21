//! The dark theme in the real WebKit webview over WebDriver, on a real influxd 1.6.7: the
//! sidebar's theme switch turns the whole page dark, and the charts core draws follow it
//! (Explore's chart and a dashboard's cells are drawn again with a dark background); the
//! choice is kept in the UI preferences across a restart; Light brings everything back.
//! Screenshots: `test-artifacts/gui/theme-dark-*.png`.

use serde_json::json;

use crate::support::GuiWorld;
use crate::webdriver::{click, css, find_css, js, launch, shot, wait, wait_text};

/// The mean of r, g, b (0..255) of the page's background, of Explore's chart SVG and of each
/// dashboard cell's SVG (its first `rect`, the background plotters fills), as far as shown.
const BRIGHTNESS_JS: &str = r#"
    const mean = (c) => {
        if (!c) return null;
        let m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(c.trim());
        if (m) return (parseInt(m[1], 16) + parseInt(m[2], 16) + parseInt(m[3], 16)) / 3;
        m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(c);
        return m ? (Number(m[1]) + Number(m[2]) + Number(m[3])) / 3 : null;
    };
    const svgBg = (el) => { const r = el && el.querySelector('svg rect'); return r ? mean(r.getAttribute('fill')) : null; };
    return {
        theme: document.documentElement.dataset.theme || null,
        page: mean(getComputedStyle(document.body).backgroundColor),
        main: mean(getComputedStyle(document.querySelector('.main')).backgroundColor),
        chart: svgBg(document.querySelector('[data-testid="chart"]')),
        cells: [...document.querySelectorAll('[data-testid="cell-chart"]')].map(svgBg),
    };
"#;

async fn brightness(c: &fantoccini::Client) -> serde_json::Value {
    js(c, BRIGHTNESS_JS).await
}

/// Wait until `key` (a number, or each of the dashboard's two cells) is below 60 (dark) or
/// above 200 (light).
async fn wait_shade(c: &fantoccini::Client, key: &str, dark: bool) -> serde_json::Value {
    wait(
        c,
        &format!("{key} {}", if dark { "dark" } else { "light" }),
        || async {
            let b = brightness(c).await;
            let ok = |v: &serde_json::Value| {
                v.as_f64()
                    .is_some_and(|x| if dark { x < 60.0 } else { x > 200.0 })
            };
            let good = match &b[key] {
                serde_json::Value::Array(a) => a.len() == 2 && a.iter().all(ok),
                v => ok(v),
            };
            good.then_some(b)
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dark_theme_darkens_the_page_and_the_charts_and_is_kept() {
    let w = GuiWorld::v1("gui-theme-", "th", &[]);
    let (ss, config, data) = (&w.ss, w.config.clone(), w.data.clone());
    let ok = |args: &[&str], stdin: Option<&str>| w.ok(args, stdin);
    let now = chrono::Utc::now().timestamp();
    let lines: String = (1..=40)
        .map(|i| {
            format!(
                "cpu,host=web-01 usage={} {t}\ncpu,host=db-01 usage={} {t}\n",
                20 + i % 7,
                60 + i % 5,
                t = now - i * 60
            )
        })
        .collect();
    ok(
        &["write", "--bucket", "th", "--precision", "s", "-"],
        Some(&lines),
    );
    let dash = json!({
        "meta": {"chronografVersion": "1.9.4"},
        "dashboard": {
            "name": "Night shift",
            "cells": [
                {"x": 0, "y": 0, "w": 6, "h": 4, "name": "CPU", "type": "line",
                 "queries": [{"query": "SELECT \"usage\" FROM \"cpu\" WHERE time > :dashboardTime: GROUP BY \"host\"",
                              "queryConfig": {"database": "th"}, "type": "influxql"}]},
                {"x": 6, "y": 0, "w": 6, "h": 4, "name": "Last", "type": "single-stat",
                 "queries": [{"query": "SELECT last(\"usage\") FROM \"cpu\" WHERE time > :dashboardTime:",
                              "queryConfig": {"database": "th"}, "type": "influxql"}]}
            ],
            "templates": []
        }
    });
    ok(&["dashboard", "import", "-"], Some(&dash.to_string()));

    let app = launch("theme", &ss.env(), &config, &data).await;
    let c = app.c.clone();
    wait_text(&c, "switcher-status", "1.6.7").await;
    // The test display has no dark system preference: System starts light.
    let first = wait_shade(&c, "page", false).await;
    assert_eq!(first["theme"], json!("light"), "{first}");

    // Explore: a query charted, drawn light.
    click(&c, "nav-explore").await;
    let db = find_css(
        &c,
        "database th",
        "[data-testid=\"schema-db\"][data-name=\"th\"]",
    )
    .await;
    if db.attr("data-open").await.unwrap().as_deref() != Some("true") {
        db.click().await.unwrap();
    }
    let cpu = "[data-testid=\"schema-db\"][data-name=\"th\"] [data-testid=\"schema-measurement\"][data-name=\"cpu\"]";
    find_css(&c, "measurement cpu", cpu)
        .await
        .click()
        .await
        .unwrap();
    let field = format!("{cpu} [data-testid=\"schema-field\"][data-name=\"usage\"]");
    find_css(&c, "field usage", &field)
        .await
        .click()
        .await
        .unwrap();
    wait_text(&c, "q-summary", "2 series").await;
    click(&c, "view-chart").await;
    wait_shade(&c, "chart", false).await;

    // Dark: the page and the chart (drawn again by core) turn dark.
    click(&c, "theme-dark").await;
    let b = wait_shade(&c, "chart", true).await;
    assert_eq!(b["theme"], json!("dark"), "{b}");
    assert!(
        b["page"].as_f64().unwrap() < 60.0 && b["main"].as_f64().unwrap() < 60.0,
        "the page's background is dark: {b}"
    );
    shot(&c, "theme-dark-explore").await;

    // A dashboard opened in the dark theme: every cell is drawn dark.
    click(&c, "nav-dashboards").await;
    let row = find_css(
        &c,
        "the imported dashboard",
        "[data-testid=\"dash-row\"][data-name=\"Night shift\"] [data-testid=\"dash-open\"]",
    )
    .await;
    row.click().await.unwrap();
    wait_text(&c, "dash-title", "Night shift").await;
    let b = wait_shade(&c, "cells", true).await;
    assert!(b["page"].as_f64().unwrap() < 60.0, "{b}");
    shot(&c, "theme-dark-dashboard").await;

    // The choice is kept: the app started again is dark before anything is clicked.
    c.clone().close().await.unwrap();
    let c = app.new_session().await;
    wait_text(&c, "switcher-status", "1.6.7").await;
    let b = wait_shade(&c, "page", true).await;
    assert_eq!(
        b["theme"],
        json!("dark"),
        "the saved theme is applied at start: {b}"
    );
    let on = css(&c, "theme-dark")
        .await
        .attr("aria-checked")
        .await
        .unwrap();
    assert_eq!(
        on.as_deref(),
        Some("true"),
        "the switch shows the saved choice"
    );

    // Light again: the page and the dashboard's cells (drawn again) are light.
    click(&c, "nav-dashboards").await;
    find_css(
        &c,
        "the dashboard list",
        "[data-testid=\"dash-row\"][data-name=\"Night shift\"] [data-testid=\"dash-open\"]",
    )
    .await
    .click()
    .await
    .unwrap();
    wait_shade(&c, "cells", true).await;
    click(&c, "theme-light").await;
    let b = wait_shade(&c, "cells", false).await;
    assert!(b["page"].as_f64().unwrap() > 200.0, "{b}");
    assert_eq!(b["theme"], json!("light"), "{b}");
    let _ = c.close().await;
}
