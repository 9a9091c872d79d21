//! Dashboard interactions in the real WebKit webview over WebDriver, on a real influxd 1.6.7
//! with points this test writes: a multi-select `host` variable that depends on a `region`
//! variable (two hosts chosen: the cell queries both; another region: the host choices
//! narrow to its hosts); the hover line shared by all time chart cells (the mouse on one
//! cell draws the line, with values, on the other); drag across a chart to zoom (a band while
//! dragging; on release the time picker shows the absolute span and the cells query it;
//! "Reset zoom" restores the range); and removing an annotation from the annotations list.
//! The pointer is driven with the page's own PointerEvents at pixel positions of the chart,
//! as the grid tests do. Screenshots: `test-artifacts/gui/dashboards-hover-line.png`,
//! `dashboards-zoom-band.png`, `dashboards-variables-multi.png`.

use fantoccini::Locator;
use serde_json::json;

use crate::support::GuiWorld;
use crate::webdriver::{click, css, find_css, js, launch, shot, wait, wait_text};

fn chart(title: &str) -> String {
    format!("[data-testid=\"cell\"][data-title=\"{title}\"] [data-testid=\"cell-chart\"]")
}

/// The `data-query` of the cell titled `title` once `pred` holds for it.
async fn query_where(
    c: &fantoccini::Client,
    title: &str,
    what: &str,
    pred: impl Fn(&str) -> bool,
) -> String {
    let sel = chart(title);
    wait(c, what, || async {
        let el = c.find(Locator::Css(&sel)).await.ok()?;
        let q = el.attr("data-query").await.ok()??;
        pred(&q).then_some(q)
    })
    .await
}

/// Dispatch pointer events on the chart of cell `title`, at fractions of its plot's width
/// (`[(type, fraction)]`), in the middle of its height.
async fn pointer(c: &fantoccini::Client, title: &str, events: &[(&str, f64)]) {
    let evs = serde_json::to_string(events).unwrap();
    let r = js(
        c,
        &format!(
            "const el = document.querySelector('{}'); \
             if (!el) return 'no chart'; \
             const svg = el.querySelector('svg'); \
             const r = el.getBoundingClientRect(); \
             const w = svg ? svg.getBoundingClientRect().width : r.width; \
             for (const [type, f] of {evs}) {{ \
               const x = r.left + 70 + f * (w - 100); \
               el.dispatchEvent(new PointerEvent(type, {{ clientX: x, clientY: r.top + r.height / 2, \
                 button: 0, buttons: type === 'pointerup' ? 0 : 1, pointerId: 1, bubbles: true }})); \
             }} \
             return 'ok';",
            chart(title).replace('\'', "\\'")
        ),
    )
    .await;
    assert_eq!(r, json!("ok"), "pointer events on {title}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn variables_hover_line_drag_zoom_and_annotations() {
    let w = GuiWorld::v1("gui-dint-", "dint", &[]);
    let (ss, config, data) = (&w.ss, w.config.clone(), w.data.clone());
    let ok = |args: &[&str], stdin: Option<&str>| w.ok(args, stdin);
    // Two hosts in eu, one in us; each host's own values (web-1 11..40, web-2 41..70,
    // db-1 81..110), one point a minute over the last half hour.
    let now = chrono::Utc::now().timestamp();
    let mut lines = String::new();
    for i in 1..=30 {
        for (region, host, base) in [("eu", "web-1", 10), ("eu", "web-2", 40), ("us", "db-1", 80)] {
            lines += &format!(
                "cpu,region={region},host={host} usage={} {}\n",
                base + i,
                now - i * 60
            );
        }
    }
    ok(
        &["write", "--bucket", "dint", "--precision", "s", "-"],
        Some(&lines),
    );
    let q = |sel: &str| {
        format!(
            "SELECT mean(\"usage\") FROM \"cpu\" WHERE {sel} AND $timeFilter GROUP BY time(1m), \"host\""
        )
    };
    let dash = json!({
        "influxdesk_dashboard": 1,
        "dashboard": {
            "name": "Fleet",
            "time_range": {"kind": "relative", "duration": "1h"},
            "variables": [
                {"name": "region", "kind": "query", "database": "dint", "measurement": "cpu",
                 "tag_key": "region", "selected": "eu"},
                {"name": "host", "kind": "query", "database": "dint", "measurement": "cpu",
                 "tag_key": "host", "multi": true, "selected_values": ["web-1"],
                 "depends_on": [{"tag": "region", "variable": "region"}]}
            ],
            "cells": [
                {"title": "Hosts", "x": 0, "y": 0, "w": 12, "h": 3, "language": "influxql",
                 "database": "dint", "query": q("\"host\" =~ /^${host}$/")},
                {"title": "Region", "x": 0, "y": 3, "w": 12, "h": 3, "language": "influxql",
                 "database": "dint", "query": q("\"region\" = ${region}")}
            ]
        }
    });
    ok(&["dashboard", "import", "-"], Some(&dash.to_string()));
    ok(
        &[
            "dashboard",
            "annotations",
            "add",
            "Fleet",
            "--time",
            &chrono::DateTime::from_timestamp(now - 600, 0)
                .unwrap()
                .to_rfc3339(),
            "--text",
            "deploy 42",
        ],
        None,
    );

    let app = launch("dash-interact", &ss.env(), &config, &data).await;
    let c = app.c.clone();
    wait_text(&c, "switcher-status", "1.6.7").await;
    click(&c, "nav-dashboards").await;
    find_css(
        &c,
        "the dashboard",
        "[data-testid=\"dash-row\"][data-name=\"Fleet\"] [data-testid=\"dash-open\"]",
    )
    .await
    .click()
    .await
    .unwrap();
    query_where(&c, "Hosts", "the cell run for web-1 only", |q| {
        q.contains("web-1") && !q.contains("web-2")
    })
    .await;

    // Multi-select: web-1 and web-2; the cell queries both and draws both series.
    let hosts = |c: fantoccini::Client| async move {
        js(
            &c,
            "return [...document.querySelectorAll('[data-testid=\"var-host\"] option')].map(o => o.value);",
        )
        .await
    };
    assert_eq!(
        hosts(c.clone()).await,
        json!(["web-1", "web-2"]),
        "eu's hosts"
    );
    js(
        &c,
        "const s = document.querySelector('[data-testid=\"var-host\"]'); \
         for (const o of s.options) o.selected = o.value === 'web-1' || o.value === 'web-2'; \
         s.dispatchEvent(new Event('change', { bubbles: true })); return true;",
    )
    .await;
    query_where(&c, "Hosts", "the cell run for both hosts", |q| {
        q.contains("web-1") && q.contains("web-2")
    })
    .await;
    wait(&c, "both hosts' series drawn", || async {
        let el = c.find(Locator::Css(&chart("Hosts"))).await.ok()?;
        let html = el.prop("innerHTML").await.ok()??;
        (html.contains("web-1") && html.contains("web-2")).then_some(())
    })
    .await;
    let values = css(&c, "var-host").await.attr("data-values").await.unwrap();
    assert_eq!(values.as_deref(), Some("web-1,web-2"));
    shot(&c, "dashboards-variables-multi").await;

    // The hover line: the mouse on the Hosts cell draws a line with values on the Region cell.
    pointer(&c, "Hosts", &[("pointermove", 0.6)]).await;
    let other = "[data-testid=\"cell\"][data-title=\"Region\"] [data-testid=\"cell-hover-line\"]";
    let line = find_css(&c, "the hover line on the other cell", other).await;
    let t = line.attr("data-t").await.unwrap().unwrap();
    let own = css(&c, "cell-hover-line")
        .await
        .attr("data-t")
        .await
        .unwrap();
    assert_eq!(
        own.as_deref(),
        Some(t.as_str()),
        "the same time on both cells"
    );
    let vals = c
        .find_all(Locator::Css(
            "[data-testid=\"cell\"][data-title=\"Region\"] [data-testid=\"cell-hover-value\"]",
        ))
        .await
        .unwrap();
    let mut keys = Vec::new();
    for v in &vals {
        keys.push(v.attr("data-key").await.unwrap().unwrap_or_default());
    }
    assert!(
        keys.iter().any(|k| k.contains("web-1")) && keys.iter().any(|k| k.contains("web-2")),
        "the Region cell's values at that time: {keys:?}"
    );
    shot(&c, "dashboards-hover-line").await;
    pointer(&c, "Hosts", &[("pointerleave", 0.6)]).await;
    wait(&c, "the line gone when the mouse leaves", || async {
        let n = c
            .find_all(Locator::Css("[data-testid=\"cell-hover-line\"]"))
            .await
            .ok()?
            .len();
        (n == 0).then_some(())
    })
    .await;

    // Drag-zoom: a band while dragging, then the range is the span and the cells re-query.
    let range_before = css(&c, "time-range").await.text().await.unwrap();
    assert_eq!(
        css(&c, "time-range")
            .await
            .attr("data-kind")
            .await
            .unwrap()
            .as_deref(),
        Some("relative")
    );
    pointer(
        &c,
        "Hosts",
        &[
            ("pointerdown", 0.5),
            ("pointermove", 0.65),
            ("pointermove", 0.8),
        ],
    )
    .await;
    find_css(&c, "the zoom band", "[data-testid=\"cell-zoom-band\"]").await;
    shot(&c, "dashboards-zoom-band").await;
    pointer(&c, "Hosts", &[("pointerup", 0.8)]).await;
    wait(&c, "the picker showing the zoomed span", || async {
        let el = c
            .find(Locator::Css("[data-testid=\"time-range\"]"))
            .await
            .ok()?;
        (el.attr("data-kind").await.ok()?? == "absolute").then_some(())
    })
    .await;
    let zq = query_where(&c, "Region", "the cells run over the zoomed span", |q| {
        !q.contains("now()") && q.contains("time >=")
    })
    .await;
    query_where(&c, "Hosts", "the Hosts cell over the zoomed span", |q| {
        !q.contains("now()")
    })
    .await;
    assert!(
        c.find_all(Locator::Css("[data-testid=\"ann-popover\"]"))
            .await
            .unwrap()
            .is_empty(),
        "a drag does not annotate: {zq}"
    );
    let saved: serde_json::Value =
        serde_json::from_str(&ok(&["dashboard", "export", "Fleet"], None)).unwrap();
    let tr = &saved["dashboard"]["time_range"];
    assert_eq!(tr["kind"], "absolute", "{tr}");
    let from = chrono::DateTime::parse_from_rfc3339(tr["from"].as_str().unwrap()).unwrap();
    let to = chrono::DateTime::parse_from_rfc3339(tr["to"].as_str().unwrap()).unwrap();
    let span = (to - from).num_seconds();
    assert!(
        span > 60 && span < 3600 / 2,
        "about 30% of the hour's width: {span}s ({tr})"
    );
    click(&c, "dash-zoom-reset").await;
    wait_text(&c, "time-range", &range_before).await;
    query_where(&c, "Region", "the cells run over the hour again", |q| {
        q.contains("now()")
    })
    .await;
    let saved: serde_json::Value =
        serde_json::from_str(&ok(&["dashboard", "export", "Fleet"], None)).unwrap();
    assert_eq!(
        saved["dashboard"]["time_range"],
        json!({"kind": "relative", "duration": "1h"})
    );

    // The dependent variable: another region narrows the host choices to its hosts.
    css(&c, "var-region")
        .await
        .select_by_value("us")
        .await
        .unwrap();
    wait(&c, "the host choices narrowed to us", || async {
        (hosts(c.clone()).await == json!(["db-1"])).then_some(())
    })
    .await;
    query_where(&c, "Hosts", "the cell run for us's host", |q| {
        q.contains("db-1") && !q.contains("web-")
    })
    .await;

    // Annotations: the list shows the one added by the CLI; Remove takes it off everywhere.
    click(&c, "dash-annotations").await;
    let item = find_css(&c, "the annotation", "[data-testid=\"ann-item\"]").await;
    assert_eq!(
        item.attr("data-text").await.unwrap().as_deref(),
        Some("deploy 42")
    );
    click(&c, "ann-remove").await;
    css(&c, "ann-none").await;
    assert_eq!(
        ok(&["dashboard", "annotations", "list", "Fleet"], None),
        "no annotations (add one with `dashboard annotations add`)\n"
    );
    let _ = c.close().await;
}
