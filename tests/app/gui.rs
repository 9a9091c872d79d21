//! The GUI in its real WebKit webview: tauri-driver + WebKitWebDriver drive the real binary
//! under Xvfb, with the real Secret Service and a real influxd. On first start the app brings
//! up the local demo; the test explores it (schema -> field -> chart and table, time range,
//! export), then adds a profile through the form for its own (auth-on) influxd, presses Test,
//! sees the version, saves, switches to it, and scans everything the app wrote for the
//! password. While it runs, the real `influxdesk mcp` (rmcp's client on its stdio, bridged to
//! the app's socket) queries the demo: the call shows in the Assistant screen's activity log;
//! with the demo's policy set to "ask" there, a write waits for the approval dialog and lands
//! once approved. Screenshots go to `test-artifacts/gui/`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, Locator};
use influxdesk_testkit::secret_service::SecretService;
use serde_json::json;

use crate::support::{BIN, files_containing, influxd, scratch};
use crate::webdriver::{
    artifacts, click, css, find_css, js, launch, shot, table_rows, text_of, type_into,
    visible_text, wait, wait_text,
};

const PASSWORD: &str = "gui-e2e-Pa55word-91c2";

async fn row_button(c: &Client, profile: &str, testid: &str) -> fantoccini::elements::Element {
    let sel = format!(
        "[data-testid=\"profile-row\"][data-name=\"{profile}\"] [data-testid=\"{testid}\"]"
    );
    wait(c, &format!("{testid} of {profile}"), || async {
        c.find(Locator::Css(&sel)).await.ok()
    })
    .await
}

/// How many series lines (paths or polylines with many points) the chart's SVG has.
const CHART_SERIES_JS: &str = r#"
    const svg = document.querySelector('[data-testid="chart"] svg');
    if (!svg) return 0;
    return [...svg.querySelectorAll('polyline, path')]
        .filter(e => (e.getAttribute('points') || e.getAttribute('d') || '').trim().split(/[\s,LMlm]+/).length > 20)
        .length;
"#;

/// The chart is drawn, at the size of its box, with no drawing under way.
const CHART_SETTLED_JS: &str = r#"
    const el = document.querySelector('[data-testid="chart"]');
    const svg = el && el.querySelector('svg');
    return !!svg && el.getAttribute('aria-busy') === 'false'
        && Number(svg.getAttribute('width')) === el.clientWidth
        && Number(svg.getAttribute('height')) === el.clientHeight;
"#;

/// Move the mouse (a synthetic mousemove) to the middle of the plot.
const HOVER_JS: &str = r#"
    const el = document.querySelector('[data-testid="chart"]');
    const r = el.getBoundingClientRect();
    el.dispatchEvent(new MouseEvent('mousemove', {
        clientX: r.left + r.width * 0.6, clientY: r.top + r.height * 0.5, bubbles: true }));
    return true;
"#;

pub(crate) async fn chart_series(c: &Client, at_least: u64) -> u64 {
    wait(
        c,
        &format!("a chart with {at_least}+ series lines"),
        || async {
            let n = js(c, CHART_SERIES_JS).await.as_u64().unwrap_or(0);
            (n >= at_least).then_some(n)
        },
    )
    .await
}

/// The webview keeps its preferences through the app's own commands, by key, in one file: it
/// cannot load the store plugin on a path of its choosing (e.g. the profiles file).
async fn ui_prefs_are_scoped(c: &Client) {
    let out = c
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
            const inv = window.__TAURI_INTERNALS__.invoke;
            (async () => {
              const out = {};
              try { await inv('plugin:store|load', { path: '../../profiles.json' }); out.load = 'allowed'; }
              catch (e) { out.load = String(e && e.message || e); }
              await inv('pref_set', { key: 'probe_pref', value: { a: 1 } });
              out.get = await inv('pref_get', { key: 'probe_pref' });
              try { await inv('pref_get', { key: '../profiles' }); out.bad = 'allowed'; }
              catch (e) { out.bad = e.code; }
              done(out);
            })();"#,
            vec![],
        )
        .await
        .expect("script");
    let load = out["load"].as_str().unwrap_or_default();
    assert!(
        load != "allowed" && load.contains("not allowed"),
        "the webview may not open a store file itself: {out}"
    );
    assert_eq!(out["get"], json!({"a": 1}), "{out}");
    assert_eq!(out["bad"], json!("InvalidInput"), "{out}");
}

/// Explore on the demo: schema -> field -> chart; table; time range; export.
async fn explore_the_demo(c: &Client) {
    // The demo fills a day of data in batches after its profile appears: explore it once it
    // says it is ready (its "starting" banner is gone), not while the last hours are missing.
    wait(c, "the demo to finish filling", || async {
        js(
            c,
            "return !document.querySelector('[data-testid=\"demo-banner\"][data-state=\"starting\"]');",
        )
        .await
        .as_bool()
        .filter(|ready| *ready)
    })
    .await;
    css(c, "nav-explore").await.click().await.unwrap();
    let db = find_css(
        c,
        "database demo",
        "[data-testid=\"schema-db\"][data-name=\"demo\"]",
    )
    .await;
    if db.attr("data-open").await.unwrap().as_deref() != Some("true") {
        db.click().await.unwrap();
    }
    let cpu = "[data-testid=\"schema-db\"][data-name=\"demo\"] [data-testid=\"schema-measurement\"][data-name=\"cpu\"]";
    // Click 1: the measurement opens with its fields and tags.
    find_css(c, "measurement cpu", cpu)
        .await
        .click()
        .await
        .unwrap();
    let field = format!("{cpu} [data-testid=\"schema-field\"][data-name=\"usage_user\"]");
    // Click 2: the field becomes a query in the tab, which runs and is charted.
    find_css(c, "field usage_user", &field)
        .await
        .click()
        .await
        .unwrap();
    let summary = wait_text(c, "q-summary", "rows").await;
    assert!(
        summary.contains("3 series"),
        "one series per demo host (grouped by host): {summary}"
    );
    assert!(
        summary.contains("Past 6h"),
        "the default range is 6 hours: {summary}"
    );
    let text = text_of(c, "editor-text").await;
    assert!(
        text.contains("usage_user") && text.contains("$timeFilter") && text.contains("\"host\""),
        "the drafted query: {text}"
    );
    let lines = chart_series(c, 3).await;
    let legend = c
        .find_all(Locator::Css("[data-testid=\"legend-item\"]"))
        .await
        .unwrap();
    assert_eq!(
        legend.len(),
        3,
        "a legend entry per host ({lines} lines drawn)"
    );

    // Hovering the plot shows the values at the nearest time, one per host.
    wait(c, "the chart drawn at its final size", || async {
        js(c, CHART_SETTLED_JS)
            .await
            .as_bool()
            .unwrap_or(false)
            .then_some(())
    })
    .await;
    let tip = wait(c, "the chart tooltip", || async {
        js(c, HOVER_JS).await;
        let el = c
            .find(Locator::Css("[data-testid=\"chart-tooltip\"]"))
            .await
            .ok()?;
        visible_text(&el).await.ok()
    })
    .await;
    assert!(
        tip.contains("host=web-01") && tip.contains("host=db-01"),
        "the tooltip lists each series: {tip}"
    );
    shot(c, "02-explore-chart").await;

    // Hiding a series in the legend re-renders without it.
    legend[0].click().await.unwrap();
    wait(c, "a chart with 2 series lines", || async {
        (js(c, CHART_SERIES_JS).await.as_u64() == Some(2)).then_some(())
    })
    .await;
    legend[0].click().await.unwrap();
    chart_series(c, 3).await;

    // The past hour: the query runs again over the new range.
    css(c, "time-range").await.click().await.unwrap();
    find_css(
        c,
        "preset 1h",
        "[data-testid=\"time-preset\"][data-value=\"1h\"]",
    )
    .await
    .click()
    .await
    .unwrap();
    let hour = wait_text(c, "q-summary", "Past 1h").await;
    assert_ne!(hour, summary, "a shorter range gives another result");
    let rows = |s: &str| -> u64 {
        s.split_whitespace()
            .next()
            .unwrap_or("0")
            .replace(',', "")
            .parse()
            .unwrap_or(0)
    };
    assert!(
        rows(&hour) < rows(&summary),
        "fewer rows over 1h than over 6h: {hour} / {summary}"
    );

    // The table view: a virtualized table with rows, then back to the chart.
    assert!(table_rows(c).await > 0, "the table has rows");
    let drawn = c
        .find_all(Locator::Css("[data-testid=\"result-row\"]"))
        .await
        .unwrap()
        .len();
    assert!(drawn > 0, "rows are drawn");
    let first = visible_text(
        &c.find(Locator::Css("[data-testid=\"result-row\"]"))
            .await
            .unwrap(),
    )
    .await
    .unwrap();
    assert!(
        first.starts_with("20"),
        "the time column comes first: {first}"
    );
    shot(c, "03-explore-table").await;
    css(c, "view-chart").await.click().await.unwrap();
    chart_series(c, 3).await;

    // Export as CSV: the file is where the app says, with a header line.
    css(c, "export-csv").await.click().await.unwrap();
    let path = wait(c, "the export path", || async {
        let t = visible_text(
            &c.find(Locator::Css("[data-testid=\"export-path\"]"))
                .await
                .ok()?,
        )
        .await
        .ok()?;
        (!t.is_empty()).then_some(t)
    })
    .await;
    let csv = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("export at {path}: {e}"));
    let header = csv.lines().next().unwrap_or_default();
    assert!(
        header.starts_with("name,") && header.contains("host") && header.contains("usage_user"),
        "a CSV header line: {header:?}"
    );
    assert!(csv.lines().count() > 3, "and rows: {csv:.200}");
}

const MCP_CLIENT: &str = "gui-test-client";

fn tool_text(r: &rmcp::model::CallToolResult) -> String {
    r.content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect()
}

async fn mcp_call(
    peer: &rmcp::Peer<rmcp::RoleClient>,
    tool: &str,
    args: serde_json::Value,
) -> rmcp::model::CallToolResult {
    peer.call_tool(
        rmcp::model::CallToolRequestParams::new(tool.to_string())
            .with_arguments(args.as_object().cloned().unwrap()),
    )
    .await
    .unwrap_or_else(|e| panic!("{tool}: {e}"))
}

type McpClient = rmcp::service::RunningService<rmcp::RoleClient, rmcp::model::ClientConfig>;

/// The real `influxdesk mcp` with rmcp's client on its stdio (bridged to the app's socket).
async fn mcp_client(config: &Path, socket: &Path) -> (tokio::process::Child, McpClient) {
    use rmcp::ServiceExt;
    let mut child = tokio::process::Command::new(BIN)
        .arg("mcp")
        .env("INFLUXDESK_CONFIG_DIR", config)
        .env("INFLUXDESK_SOCKET", socket)
        .env_remove("INFLUX_URL")
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn influxdesk mcp");
    let io = (child.stdout.take().unwrap(), child.stdin.take().unwrap());
    let client = rmcp::model::ClientConfig::new(
        rmcp::model::ClientCapabilities::default(),
        rmcp::model::Implementation::new(MCP_CLIENT, "1.0.0"),
    )
    .serve(io)
    .await
    .expect("MCP initialize over stdio");
    (child, client)
}

/// The Assistant screen with a real MCP client: its query shows in the activity log, and an
/// "ask" write waits for the approval dialog.
async fn assistant_activity_and_approval(c: &Client, config: &Path, socket: &Path) {
    click(c, "nav-assistant").await;
    wait_text(c, "mcp-status", "Serving").await;
    assert_eq!(
        text_of(c, "mcp-socket").await,
        socket.display().to_string(),
        "the app hosts the socket the test gave it"
    );
    let claude = text_of(c, "mcp-config-claude").await;
    assert!(
        claude.contains("mcpServers") && claude.contains(BIN) && claude.contains("\"mcp\""),
        "a Claude Desktop config that runs this binary: {claude}"
    );

    let (mut child, client) = mcp_client(config, socket).await;
    let peer = client.peer().clone();

    let q = "SELECT last(usage_user) FROM cpu GROUP BY host";
    let r = mcp_call(&peer, "query-data", json!({"query": q, "bucket": "demo"})).await;
    assert_ne!(r.is_error, Some(true), "query-data: {}", tool_text(&r));
    let row = find_css(
        c,
        "the query-data call in the activity log",
        "[data-testid=\"activity-row\"][data-tool=\"query-data\"]",
    )
    .await;
    let seen = visible_text(&row).await.unwrap();
    assert!(
        seen.contains(MCP_CLIENT) && seen.contains("cpu") && seen.contains("ok"),
        "the row shows client, arguments and outcome: {seen}"
    );
    shot(c, "08-assistant-activity").await;

    // "Ask" on the demo, set here: a write waits for the dialog.
    let select = find_css(
        c,
        "the demo's policy",
        "[data-testid=\"policy-select\"][data-name=\"Local demo\"]",
    )
    .await;
    select.select_by_value("ask").await.unwrap();
    wait(c, "the demo's policy saved as ask", || async {
        let out = std::process::Command::new(BIN)
            .args(["profile", "list", "--json"])
            .env("INFLUXDESK_CONFIG_DIR", config)
            .output()
            .ok()?;
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
        v["profiles"]
            .as_array()?
            .iter()
            .any(|p| p["name"] == "Local demo" && p["assistant_policy"] == "ask")
            .then_some(())
    })
    .await;
    let writer = peer.clone();
    let write = tokio::spawn(async move {
        mcp_call(
            &writer,
            "write-metrics",
            json!({"bucket": "demo", "measurement": "gui_mcp",
                   "tags": {"src": "gui"}, "fields": {"v": 42}}),
        )
        .await
    });
    css(c, "approval-dialog").await;
    let who = wait_text(c, "approval-client", MCP_CLIENT).await;
    assert_eq!(who, MCP_CLIENT);
    assert_eq!(text_of(c, "approval-profile").await, "Local demo");
    let what = text_of(c, "approval-what").await;
    assert!(
        what.contains("demo"),
        "the dialog says what changes: {what}"
    );
    shot(c, "09-approval").await;
    click(c, "approval-approve").await;
    let r = tokio::time::timeout(Duration::from_secs(60), write)
        .await
        .expect("the write returns once approved")
        .unwrap();
    assert_ne!(r.is_error, Some(true), "approved write: {}", tool_text(&r));
    let back = mcp_call(
        &peer,
        "query-data",
        json!({"query": "SELECT v FROM gui_mcp WHERE src = 'gui'", "bucket": "demo"}),
    )
    .await;
    let data = back.structured_content.expect("structured result");
    assert_eq!(
        data["rows"],
        json!(1),
        "the approved point is in InfluxDB: {data}"
    );
    assert_eq!(data["tables"][0]["rows"][0][1], json!(42), "{data}");
    find_css(
        c,
        "the write in the activity log",
        "[data-testid=\"activity-row\"][data-tool=\"write-metrics\"][data-outcome=\"ok\"]",
    )
    .await;

    // Open the assistant's query in Explore: a new tab with its text.
    let open = find_css(
        c,
        "Open in Explore",
        "[data-testid=\"activity-row\"][data-tool=\"query-data\"] [data-testid=\"activity-open\"]",
    )
    .await;
    open.click().await.unwrap();
    wait_text(c, "editor-text", "gui_mcp").await;
    // Back to the demo's tab (the restart below expects it active).
    find_css(
        c,
        "the cpu.usage_user tab",
        "[data-testid=\"tab\"][data-name=\"cpu.usage_user\"]",
    )
    .await
    .click()
    .await
    .unwrap();
    wait_text(c, "editor-text", "usage_user").await;

    client.cancel().await.unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(10), child.wait()).await;
}

/// Whether anything accepts on `path`.
fn socket_live(path: &Path) -> bool {
    std::os::unix::net::UnixStream::connect(path).is_ok()
}

/// The Assistant screen's hosting switches: the socket off and on again; HTTP on at a free
/// port (an unauthenticated request gets 401, a rotated-away token too) and off again. Then
/// an alert rule for the `desktop` channel, made by an assistant, fires as a toast.
async fn assistant_hosting_and_alert_toast(
    c: &Client,
    config: &Path,
    socket: &Path,
    secret_env: &[(String, String)],
) {
    click(c, "nav-assistant").await;
    wait_text(c, "mcp-status", "Serving").await;
    assert!(
        socket_live(socket),
        "the app serves on {}",
        socket.display()
    );

    // Off: the server stops and its socket file is gone.
    click(c, "mcp-socket-toggle").await;
    wait_text(c, "mcp-status", "Stopped").await;
    assert!(
        !socket.exists(),
        "the socket is removed when the server is off"
    );
    // On again: a new socket that accepts.
    click(c, "mcp-socket-toggle").await;
    wait_text(c, "mcp-status", "Serving").await;
    assert!(socket_live(socket), "the socket is back when on again");

    // HTTP on at a free port: the URL is shown, and nothing gets in without the token.
    let port = influxdesk_core::local::free_port().unwrap();
    let url = format!("http://127.0.0.1:{port}/mcp");
    type_into(c, "mcp-http-port", &port.to_string()).await;
    click(c, "mcp-http-toggle").await;
    assert_eq!(wait_text(c, "mcp-http-url", &url).await, url);
    let http = reqwest::Client::new();
    let get = |auth: Option<String>| {
        let mut r = http.get(&url);
        if let Some(t) = auth {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    assert_eq!(get(None).await.unwrap().status(), 401, "no token: 401");
    let print_token = || {
        let out = Command::new(BIN)
            .args(["serve", "--print-token"])
            .envs(secret_env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("INFLUXDESK_CONFIG_DIR", config)
            .output()
            .expect("influxdesk serve --print-token");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let token = print_token();
    assert!(!token.is_empty());
    let page = text_of(c, "assistant-page").await;
    assert!(
        page.contains("influxdesk serve --print-token") && !page.contains(&token),
        "the screen says how to get the token, and never shows it"
    );
    assert_ne!(
        get(Some(token.clone())).await.unwrap().status(),
        401,
        "the keychain's token is accepted"
    );
    shot(c, "10-assistant-http").await;
    // Rotate: the running server refuses the old token at once.
    click(c, "mcp-http-rotate").await;
    css(c, "mcp-http-rotated").await;
    assert_eq!(
        get(Some(token.clone())).await.unwrap().status(),
        401,
        "the rotated-away token is refused"
    );
    let rotated = print_token();
    assert_ne!(rotated, token);
    assert_ne!(get(Some(rotated.clone())).await.unwrap().status(), 401);
    // Off: nothing listens any more.
    click(c, "mcp-http-toggle").await;
    wait(c, "the HTTP URL gone", || async {
        c.find(Locator::Css("[data-testid=\"mcp-http-url\"]"))
            .await
            .is_err()
            .then_some(())
    })
    .await;
    let refused = get(None).await.expect_err("HTTP is off");
    assert!(refused.is_connect(), "connection refused: {refused}");
    let scan_dirs = [config.to_path_buf(), artifacts()];
    for t in [&token, &rotated] {
        let leaks: Vec<_> = scan_dirs
            .iter()
            .flat_map(|d| files_containing(d, t))
            .collect();
        assert!(leaks.is_empty(), "the HTTP token leaked into {leaks:?}");
    }

    // An assistant's alert rule on the demo data, sent to the desktop: a toast, on any screen.
    // The rule's data is made here, just before (a point of our own, written by the CLI with
    // the demo's keychain password), and the rule's window (its `every`, 1 h) holds it
    // however long the steps before took: nothing waits on the clock or the demo's feed.
    let out = Command::new(BIN)
        .args(["write", "--profile", "Local demo", "--bucket", "demo", "-"])
        .envs(secret_env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("INFLUXDESK_CONFIG_DIR", config)
        .env_remove("INFLUX_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(b"cpu,host=gui-test usage_user=99\n")?;
            child.wait_with_output()
        })
        .expect("influxdesk write");
    assert!(out.status.success(), "the rule's point is written: {out:?}");
    let (mut child, client) = mcp_client(config, socket).await;
    let peer = client.peer().clone();
    let create = tokio::spawn(async move {
        mcp_call(
            &peer,
            "create-alerts",
            json!({"alert_name": "gui cpu busy",
                   "query": "SELECT last(usage_user) FROM cpu WHERE host = 'gui-test'",
                   "database": "demo", "every": "1h",
                   "threshold": {"operator": "greater", "value": 0},
                   "notification": {"channels": ["desktop"], "message": "from the GUI test",
                                    "severity": "critical"}}),
        )
        .await
    });
    // The demo's policy is "ask" (set above): approve the new rule.
    css(c, "approval-dialog").await;
    click(c, "approval-approve").await;
    let r = tokio::time::timeout(Duration::from_secs(60), create)
        .await
        .expect("create-alerts returns once approved")
        .unwrap();
    assert_ne!(r.is_error, Some(true), "create-alerts: {}", tool_text(&r));
    click(c, "nav-explore").await;
    let toast = wait_text(c, "alert-toast", "from the GUI test").await;
    assert!(
        toast.contains("gui cpu busy") && toast.contains("CRIT"),
        "the toast says which alert and its state: {toast}"
    );
    shot(c, "11-alert-toast").await;
    // A click dismisses it (it would go by itself after 10 s).
    click(c, "alert-toast").await;
    wait(c, "the toast gone", || async {
        c.find(Locator::Css("[data-testid=\"alert-toast\"]"))
            .await
            .is_err()
            .then_some(())
    })
    .await;
    client.cancel().await.unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(10), child.wait()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_test_and_switch_to_a_real_server_through_the_gui() {
    let ss = SecretService::start(true);
    let server = influxd(Some(("admin", PASSWORD)));
    let config = scratch("gui-config-");
    let data = scratch("gui-data-");
    let mut env = ss.env();
    env.push(("RUST_LOG".into(), "trace".into()));
    let app = launch("main", &env, &config, &data).await;
    let (c, socket) = (app.c.clone(), app.socket.clone());

    // First start, no profile: the local demo comes up and is active.
    wait_text(&c, "switcher-name", "Local demo").await;
    wait_text(&c, "switcher-status", "1.6.7").await;
    let health = css(&c, "switcher-health").await;
    wait(&c, "demo health ok", || async {
        (health.attr("data-state").await.ok()?? == "ok").then_some(())
    })
    .await;
    shot(&c, "01-demo-connections").await;
    ui_prefs_are_scoped(&c).await;

    // The Data Explorer: on the demo data, a chart of a field is two clicks away (expand the
    // measurement, click the field), over the last 6 hours.
    explore_the_demo(&c).await;

    // The Assistant screen, with a real MCP client calling while the app runs.
    assistant_activity_and_approval(&c, &config, &socket).await;
    assistant_hosting_and_alert_toast(&c, &config, &socket, &ss.env()).await;

    // Add a profile through the form for the test's own influxd (auth on).
    click(&c, "nav-connections").await;
    click(&c, "add-profile").await;
    type_into(&c, "f-name", "test-influx").await;
    type_into(&c, "f-url", &server.url()).await;
    css(&c, "f-api").await.select_by_value("v1").await.unwrap();
    css(&c, "f-policy")
        .await
        .select_by_value("ask")
        .await
        .unwrap();
    wait_text(&c, "f-policy-hint", "wait for your approval").await;
    type_into(&c, "f-username", "admin").await;
    type_into(&c, "f-secret", "not-the-password").await;
    click(&c, "f-test").await;
    let bad = wait(&c, "a failed test", || async {
        let el = c
            .find(Locator::Css(
                "[data-testid=\"f-test-result\"][data-ok=\"false\"]",
            ))
            .await
            .ok()?;
        visible_text(&el).await.ok()
    })
    .await;
    assert!(
        bad.contains("Unauthorized") && bad.contains("username and password"),
        "wrong password says what to do: {bad}"
    );
    shot(&c, "04-form-wrong-password").await;
    type_into(&c, "f-secret", PASSWORD).await;
    click(&c, "f-test").await;
    let ok = wait(&c, "a passing test", || async {
        let el = c
            .find(Locator::Css(
                "[data-testid=\"f-test-result\"][data-ok=\"true\"]",
            ))
            .await
            .ok()?;
        visible_text(&el).await.ok()
    })
    .await;
    assert!(
        ok.contains("1.6.7"),
        "the test shows the server version: {ok}"
    );
    shot(&c, "05-form-test-ok").await;
    click(&c, "f-save").await;

    // Switch to it: the switcher shows it, with version and a healthy dot.
    row_button(&c, "test-influx", "profile-use")
        .await
        .click()
        .await
        .unwrap();
    wait_text(&c, "switcher-name", "test-influx").await;
    let status = wait_text(&c, "switcher-status", "1.6.7").await;
    assert!(status.contains("ms"), "latency shown: {status}");
    wait(&c, "health ok for test-influx", || async {
        let st = c
            .find(Locator::Css("[data-testid=\"switcher-health\"]"))
            .await
            .ok()?
            .attr("data-state")
            .await
            .ok()??;
        (st == "ok").then_some(())
    })
    .await;
    let active = row_button(&c, "test-influx", "profile-test").await;
    active.click().await.unwrap();
    let row_result = wait(&c, "row test result", || async {
        let sel = "[data-testid=\"profile-row\"][data-name=\"test-influx\"] [data-testid=\"profile-test-result\"]";
        visible_text(&c.find(Locator::Css(sel)).await.ok()?).await.ok()
    })
    .await;
    assert!(row_result.contains("1.6.7"), "{row_result}");
    shot(&c, "06-switched-to-test-influx").await;

    // The password went to the keychain, and nowhere else.
    let list = Command::new(BIN)
        .args(["profile", "list", "--json"])
        .env("INFLUXDESK_CONFIG_DIR", &config)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let p = v["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "test-influx")
        .expect("saved")
        .clone();
    assert_eq!(p["secret_stored"], json!(true));
    assert_eq!(
        p["assistant_policy"],
        json!("ask"),
        "the form's assistant policy is saved"
    );
    assert_eq!(
        v["active"], p["id"],
        "switching persisted the active profile"
    );
    assert_eq!(
        ss.lookup("influxdesk", p["id"].as_str().unwrap())
            .as_deref(),
        Some(PASSWORD)
    );
    c.close().await.unwrap();

    // A restart: the profile switch, the demo's query tab and its text survive it.
    let c = app.new_session().await;
    wait_text(&c, "switcher-name", "test-influx").await;
    click(&c, "switcher").await;
    let demo = wait(&c, "the Local demo option", || async {
        c.find(Locator::Css(
            "[data-testid=\"switcher-option\"][data-name=\"Local demo\"]",
        ))
        .await
        .ok()
    })
    .await;
    demo.click().await.unwrap();
    wait_text(&c, "switcher-name", "Local demo").await;
    click(&c, "nav-explore").await;
    wait(&c, "the cpu.usage_user tab after a restart", || async {
        c.find(Locator::Css(
            "[data-testid=\"tab\"][data-name=\"cpu.usage_user\"]",
        ))
        .await
        .ok()
    })
    .await;
    let text = wait_text(&c, "editor-text", "usage_user").await;
    assert!(
        text.contains("$timeFilter"),
        "the tab's query survived the restart: {text}"
    );
    shot(&c, "07-after-restart").await;
    c.close().await.unwrap();
    let mut leaks = files_containing(&config, PASSWORD);
    leaks.extend(files_containing(&data, PASSWORD));
    leaks.extend(files_containing(&ss.home, PASSWORD));
    leaks.extend(files_containing(
        app.log.parent().unwrap_or(Path::new(".")),
        PASSWORD,
    ));
    assert!(leaks.is_empty(), "the password leaked into {leaks:?}");
}
