//! "Edit in Explore" from a dashboard cell and back, in the real WebKit webview over WebDriver
//! on a real influxd 1.6.7: the cell's query, database and chart open in a new Explore tab
//! marked as linked to the cell; the query is changed and run there, and the chart type; "Save to cell"
//! writes them into the cell (core `update_cell`, seen in the CLI's export) and returns to the
//! dashboard, which draws the cell with the new query. Then a click on the cell's chart
//! annotates the dashboard at that time: the marker and its text are drawn on the chart (by
//! core) and kept in the dashboard's JSON. Screenshots:
//! `test-artifacts/gui/dashboards-edit-in-explore.png`, `dashboards-annotation.png`.

use fantoccini::Locator;
use serde_json::json;

use crate::support::GuiWorld;
use crate::webdriver::{click, css, find_css, launch, shot, wait, wait_text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_a_cell_in_explore_save_it_back_and_annotate_it() {
    let w = GuiWorld::v1("gui-dedit-", "de", &[]);
    let (ss, config, data) = (&w.ss, w.config.clone(), w.data.clone());
    let ok = |args: &[&str], stdin: Option<&str>| w.ok(args, stdin);
    let now = chrono::Utc::now().timestamp();
    let lines: String = (1..=30)
        .map(|i| format!("mem,host=a used={} {}\n", 100 + i, now - i * 60))
        .collect();
    ok(
        &["write", "--bucket", "de", "--precision", "s", "-"],
        Some(&lines),
    );
    let dash = json!({
        "meta": {"chronografVersion": "1.9.4"},
        "dashboard": {
            "name": "Edits",
            "cells": [
                {"x": 0, "y": 0, "w": 12, "h": 4, "name": "Memory", "type": "line",
                 "queries": [{"query": "SELECT \"used\" FROM \"mem\" WHERE time > :dashboardTime:",
                              "queryConfig": {"database": "de"}, "type": "influxql"}]}
            ],
            "templates": []
        }
    });
    ok(&["dashboard", "import", "-"], Some(&dash.to_string()));

    let app = launch("dash-edit", &ss.env(), &config, &data).await;
    let c = app.c.clone();
    wait_text(&c, "switcher-status", "1.6.7").await;
    click(&c, "nav-dashboards").await;
    find_css(
        &c,
        "the dashboard",
        "[data-testid=\"dash-row\"][data-name=\"Edits\"] [data-testid=\"dash-open\"]",
    )
    .await
    .click()
    .await
    .unwrap();
    let chart = "[data-testid=\"cell\"][data-title=\"Memory\"] [data-testid=\"cell-chart\"]";
    find_css(&c, "the cell drawn", chart).await;

    // Edit in Explore: a new tab with the cell's query and database, linked to the cell.
    find_css(
        &c,
        "the cell's Edit in Explore",
        "[data-testid=\"cell\"][data-title=\"Memory\"] [data-testid=\"cell-explore\"]",
    )
    .await
    .click()
    .await
    .unwrap();
    let banner = wait_text(&c, "cell-link", "Memory").await;
    assert!(
        banner.contains("Edits"),
        "the banner names the dashboard: {banner}"
    );
    wait_text(&c, "editor-text", "\"used\" FROM \"mem\"").await;
    let db = css(&c, "q-db").await.prop("value").await.unwrap();
    assert_eq!(db.as_deref(), Some("de"), "the cell's database");
    // Change the query (select all, type a new one) and the chart type, run it.
    let editor = find_css(&c, "the editor", ".cm-content").await;
    editor.click().await.unwrap();
    editor.send_keys("\u{e009}a\u{e000}").await.unwrap();
    editor
        .send_keys("SELECT max(used) FROM mem WHERE $timeFilter GROUP BY time(5m)")
        .await
        .unwrap();
    editor.send_keys("\u{e00c}").await.unwrap();
    wait_text(&c, "editor-text", "max(used)").await;
    let t = crate::webdriver::text_of(&c, "editor-text").await;
    assert!(
        t.starts_with("SELECT max(used)"),
        "the old query was replaced: {t}"
    );
    click(&c, "q-run").await;
    wait_text(&c, "q-summary", "1 series").await;
    let ty = css(&c, "chart-type").await.prop("value").await.unwrap();
    assert_eq!(ty.as_deref(), Some("line"), "the cell's chart type");
    css(&c, "chart-type")
        .await
        .select_by_value("bar")
        .await
        .unwrap();
    shot(&c, "dashboards-edit-in-explore").await;

    // Save to cell: back on the dashboard, the cell runs the new query.
    click(&c, "save-to-cell").await;
    wait_text(&c, "dash-title", "Edits").await;
    wait(&c, "the cell run with the saved query", || async {
        let el = c.find(Locator::Css(chart)).await.ok()?;
        let q = el.attr("data-query").await.ok()??;
        q.contains("max(used)").then_some(q)
    })
    .await;
    let saved: serde_json::Value =
        serde_json::from_str(&ok(&["dashboard", "export", "Edits"], None)).unwrap();
    let cell = &saved["dashboard"]["cells"][0];
    assert_eq!(
        (
            cell["query"].as_str().unwrap(),
            cell["chart"]["chart_type"].as_str().unwrap(),
            cell["database"].as_str().unwrap(),
            cell["title"].as_str().unwrap(),
        ),
        (
            "SELECT max(used) FROM mem WHERE $timeFilter GROUP BY time(5m)",
            "bar",
            "de",
            "Memory"
        ),
        "the cell was updated in core, its title kept: {cell}"
    );
    // Annotate: a click on the chart asks for a text at the time under the mouse.
    find_css(&c, "the cell drawn", chart)
        .await
        .click()
        .await
        .unwrap();
    let at = wait_text(&c, "ann-time", "Z").await;
    crate::webdriver::type_into(&c, "ann-text", "rollout 7").await;
    click(&c, "ann-add").await;
    wait(&c, "the annotation drawn on the cell", || async {
        let el = c.find(Locator::Css(chart)).await.ok()?;
        let html = el.prop("innerHTML").await.ok()??;
        html.contains("rollout 7").then_some(())
    })
    .await;
    shot(&c, "dashboards-annotation").await;
    let saved: serde_json::Value =
        serde_json::from_str(&ok(&["dashboard", "export", "Edits"], None)).unwrap();
    let ann = &saved["dashboard"]["annotations"];
    assert_eq!(
        ann[0]["text"],
        json!("rollout 7"),
        "kept in the JSON: {ann}"
    );
    let kept = chrono::DateTime::parse_from_rfc3339(ann[0]["time"].as_str().unwrap()).unwrap();
    let clicked = chrono::DateTime::parse_from_rfc3339(at.trim()).unwrap();
    assert_eq!(kept, clicked, "at the clicked time");

    // The linked tab is gone from Explore once saved.
    click(&c, "nav-explore").await;
    css(&c, "q-run").await;
    let linked = c
        .find_all(Locator::Css("[data-testid=\"cell-link\"]"))
        .await
        .unwrap();
    assert!(linked.is_empty(), "no tab is linked to the cell any more");
    let _ = c.close().await;
}
