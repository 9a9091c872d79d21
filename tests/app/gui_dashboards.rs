//! The Dashboards screen in the real WebKit webview over WebDriver, on a real influxd 1.6.7:
//! a query charted in Explore is added to a new dashboard ("Add to dashboard") and shows
//! there, drawn by core; a tag-values variable and a cell using it are added through the
//! dialogs, and choosing another value runs the cell again with it; a note renders markdown
//! with HTML escaped; presentation mode hides the app's chrome; and a dashboard an MCP client
//! creates over the app's socket appears in the list. Screenshots go to `test-artifacts/gui/`
//! (`dashboards-*.png`).

use std::process::Stdio;

use fantoccini::Locator;
use serde_json::json;

use crate::support::{BIN, GuiWorld, run};
use crate::webdriver::{click, css, find_css, js, launch, shot, wait, wait_text};

async fn type_into(c: &fantoccini::Client, testid: &str, s: &str) {
    let el = css(c, testid).await;
    el.clear().await.unwrap();
    el.send_keys(s).await.unwrap();
}

/// The `data-query` of the chart of the cell titled `title`, once it has one containing `want`.
async fn cell_query(c: &fantoccini::Client, title: &str, want: &str) -> String {
    let sel =
        format!("[data-testid=\"cell\"][data-title=\"{title}\"] [data-testid=\"cell-chart\"]");
    wait(c, &format!("cell {title} run with {want}"), || async {
        let el = c.find(Locator::Css(&sel)).await.ok()?;
        let q = el.attr("data-query").await.ok()??;
        q.contains(want).then_some(q)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_from_explore_variables_presentation_and_an_assistants_dashboard() {
    let w = GuiWorld::v1("gui-dash-", "gd", &["--assistant-policy", "allow"]);
    let (ss, config, data) = (&w.ss, w.config.clone(), w.data.clone());
    let env = w.env.clone();
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
        &["write", "--bucket", "gd", "--precision", "s", "-"],
        Some(&lines),
    );

    let app = launch("dashboards", &ss.env(), &config, &data).await;
    let (c, socket) = (app.c.clone(), app.socket.clone());
    wait_text(&c, "switcher-name", "local").await;
    wait_text(&c, "switcher-status", "1.6.7").await;

    // Explore: a field clicked in the schema browser becomes a query that runs and is charted.
    click(&c, "nav-explore").await;
    let db = find_css(
        &c,
        "database gd",
        "[data-testid=\"schema-db\"][data-name=\"gd\"]",
    )
    .await;
    if db.attr("data-open").await.unwrap().as_deref() != Some("true") {
        db.click().await.unwrap();
    }
    let cpu = "[data-testid=\"schema-db\"][data-name=\"gd\"] [data-testid=\"schema-measurement\"][data-name=\"cpu\"]";
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

    // Add to dashboard: a new one, named here, with this chart as its first cell.
    click(&c, "add-to-dashboard").await;
    css(&c, "atd-target")
        .await
        .select_by_value("__new__")
        .await
        .unwrap();
    type_into(&c, "atd-new-name", "Servers").await;
    type_into(&c, "atd-title", "CPU from Explore").await;
    shot(&c, "dashboards-add-from-explore").await;
    click(&c, "atd-add").await;
    click(&c, "atd-open").await;
    wait_text(&c, "dash-title", "Servers").await;
    let q = cell_query(&c, "CPU from Explore", "usage").await;
    assert!(
        q.contains("GROUP BY"),
        "the Explore query, with the range filled in: {q}"
    );

    // A tag-values variable, and a cell that uses it.
    click(&c, "dash-vars").await;
    click(&c, "ve-add").await;
    type_into(&c, "ve-name", "host").await;
    css(&c, "ve-kind")
        .await
        .select_by_value("query")
        .await
        .unwrap();
    type_into(&c, "ve-measurement", "cpu").await;
    type_into(&c, "ve-tag", "host").await;
    click(&c, "ve-save").await;
    find_css(
        &c,
        "the host choice",
        "[data-testid=\"var-host\"] option[value=\"web-01\"]",
    )
    .await;
    click(&c, "dash-add-cell").await;
    type_into(&c, "ce-title", "One host").await;
    type_into(
        &c,
        "ce-query",
        "SELECT usage FROM cpu WHERE host = ${host} AND $timeFilter",
    )
    .await;
    css(&c, "ce-lang")
        .await
        .select_by_value("influxql")
        .await
        .unwrap();
    click(&c, "ce-save").await;
    let first = cell_query(&c, "One host", "host = 'db-01'").await;
    assert!(first.contains("time >="), "{first}");
    css(&c, "var-host")
        .await
        .select_by_value("web-01")
        .await
        .unwrap();
    cell_query(&c, "One host", "host = 'web-01'").await;

    // Resize by the corner: two columns narrower, one row taller; saved in core.
    js(
        &c,
        "const cell = document.querySelector('[data-testid=\"cell\"][data-title=\"One host\"]'); \
         const h = cell.querySelector('[data-testid=\"cell-resize\"]'); \
         const r = h.getBoundingClientRect(); \
         const col = document.querySelector('[data-testid=\"dash-grid\"]').clientWidth / 12; \
         const at = (dx, dy) => ({ clientX: r.left + 5 + dx, clientY: r.top + 5 + dy, button: 0, bubbles: true }); \
         h.dispatchEvent(new PointerEvent('pointerdown', at(0, 0))); \
         window.dispatchEvent(new PointerEvent('pointermove', at(-2 * col, 80))); \
         window.dispatchEvent(new PointerEvent('pointerup', at(-2 * col, 80))); \
         return true;",
    )
    .await;
    wait(&c, "the resized cell drawn at its new width", || async {
        js(
            &c,
            "const cell = document.querySelector('[data-testid=\"cell\"][data-title=\"One host\"]'); \
             const slot = cell.closest('[data-testid=\"cell-slot\"]'); \
             const el = cell.querySelector('[data-testid=\"cell-chart\"]'); const s = el && el.querySelector('svg'); \
             return slot.style.gridColumn.includes('span 4') && slot.style.gridRow.includes('span 5') \
               && !!s && Math.abs(Number(s.getAttribute('width')) - el.clientWidth) <= 3;",
        )
        .await
        .as_bool()
        .filter(|ok| *ok)
    })
    .await;
    let o = run(&["dashboard", "export", "Servers"], &env, None);
    let saved: serde_json::Value = serde_json::from_slice(&o.stdout).expect("export JSON");
    let cell = saved["dashboard"]["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["title"] == "One host")
        .unwrap()
        .clone();
    assert_eq!(
        (cell["w"].clone(), cell["h"].clone()),
        (json!(4), json!(5)),
        "{cell}"
    );

    click(&c, "dash-add-cell").await;
    css(&c, "ce-kind")
        .await
        .select_by_value("note")
        .await
        .unwrap();
    type_into(&c, "ce-title", "Read me").await;
    // Set as a paste would (WebDriver's typing drops the line break in a textarea).
    css(&c, "ce-note").await;
    js(
        &c,
        "const t = document.querySelector('[data-testid=\"ce-note\"]'); \
         t.value = '## On call\\nAsk **ops** on `#infra` <img src=x onerror=alert(1)>'; \
         t.dispatchEvent(new Event('input', { bubbles: true })); return true;",
    )
    .await;
    click(&c, "ce-save").await;
    let note = wait_text(&c, "cell-note", "On call").await;
    assert!(note.contains("<img src=x"), "the HTML is text: {note}");
    let tags = js(
        &c,
        "const n = document.querySelector('[data-testid=\"cell-note\"]'); \
         return [n.querySelectorAll('h2').length, n.querySelectorAll('strong').length, \
         n.querySelectorAll('img').length];",
    )
    .await;
    assert_eq!(
        tags,
        json!([1, 1, 0]),
        "a heading and bold, no image element"
    );
    let h2 = js(
        &c,
        "return document.querySelector('[data-testid=\"cell-note\"] h2').textContent;",
    )
    .await;
    assert_eq!(h2, json!("On call"), "the heading is its own line");
    wait(&c, "the cell editor to close", || async {
        (js(
            &c,
            "return !document.querySelector('[data-testid=\"ce-save\"]');",
        )
        .await
            == json!(true))
        .then_some(())
    })
    .await;
    shot(&c, "dashboards-view").await;

    // Presentation mode: only the grid, no sidebar or toolbar.
    click(&c, "dash-present").await;
    find_css(
        &c,
        "presentation",
        "[data-testid=\"dash-view\"][data-presenting=\"true\"]",
    )
    .await;
    let covered = js(
        &c,
        "const r = document.querySelector('[data-testid=\"dash-view\"]').getBoundingClientRect(); \
         return r.left === 0 && r.top === 0 && !document.querySelector('[data-testid=\"dash-add-cell\"]');",
    )
    .await;
    assert_eq!(
        covered,
        json!(true),
        "the dashboard fills the window without its toolbar"
    );
    // Wider now: core draws every chart again at its cell's new size.
    wait(&c, "charts drawn at the cells' size", || async {
        js(
            &c,
            "const cs = [...document.querySelectorAll('[data-testid=\"cell-chart\"]')]; \
             return cs.length === 2 && cs.every(el => { const s = el.querySelector('svg'); \
             return s && Math.abs(Number(s.getAttribute('width')) - el.clientWidth) <= 3; });",
        )
        .await
        .as_bool()
        .filter(|ok| *ok)
    })
    .await;
    shot(&c, "dashboards-present").await;
    click(&c, "dash-present-exit").await;
    css(&c, "dash-add-cell").await;

    // An assistant creates a dashboard over the app's socket: the list shows it.
    click(&c, "dash-back").await;
    let mut mcp = tokio::process::Command::new(BIN)
        .arg("mcp")
        .env("INFLUXDESK_CONFIG_DIR", &config)
        .env("INFLUXDESK_DATA_DIR", &data)
        .env("INFLUXDESK_SOCKET", &socket)
        .env_remove("INFLUX_URL")
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn influxdesk mcp");
    let io = (mcp.stdout.take().unwrap(), mcp.stdin.take().unwrap());
    let client = {
        use rmcp::ServiceExt;
        rmcp::model::ClientConfig::new(
            rmcp::model::ClientCapabilities::default(),
            rmcp::model::Implementation::new("gui-dash-client", "1.0.0"),
        )
        .serve(io)
        .await
        .expect("MCP initialize over stdio")
    };
    let r = client
        .call_tool(
            rmcp::model::CallToolRequestParams::new("create-dashboard".to_string()).with_arguments(
                json!({"name": "Made by AI", "cells": [{"title": "Load", "language": "influxql",
                    "query": "SELECT mean(usage) FROM cpu WHERE $timeFilter GROUP BY time(5m), host"}]})
                .as_object()
                .cloned()
                .unwrap(),
            ),
        )
        .await
        .expect("create-dashboard");
    assert_ne!(r.is_error, Some(true), "{r:?}");
    let row = find_css(
        &c,
        "the assistant's dashboard in the list",
        "[data-testid=\"dash-row\"][data-name=\"Made by AI\"]",
    )
    .await;
    shot(&c, "dashboards-list").await;
    row.find(Locator::Css("[data-testid=\"dash-open\"]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    cell_query(&c, "Load", "mean(usage)").await;
    shot(&c, "dashboards-assistant").await;
    let _ = client.cancel().await;
}
