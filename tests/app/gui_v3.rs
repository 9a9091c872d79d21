//! The GUI on a real InfluxDB 3 Core (auth on, the admin token in the real keychain): the
//! profile made with the CLI is active at start, the switcher shows 3 Core's version, the
//! schema browser lists the database's table with its tags and fields, a SQL query over the
//! time range is charted (one line per host) and shown as a table. Screenshots go to
//! `test-artifacts/gui/` (`v3-explore-chart.png` is the README's
//! `tests/screenshots/explore-v3.png`). Skipped with a notice when the `influxdb3` binary is
//! absent.

use fantoccini::Locator;
use influxdesk_testkit::influxdb3;
use influxdesk_testkit::secret_service::SecretService;

use crate::gui::chart_series;
use crate::support::{run, scratch, text};
use crate::webdriver::{
    click, find_css, launch, shot, table_rows, type_query, visible_text, wait_text,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explore_a_real_influxdb3_core_through_the_gui() {
    let Some(server) = influxdb3::auth() else {
        return;
    };
    let token = server.token.clone().expect("admin token");
    let lease = server.database("gui").await;
    let db = lease.name.clone();
    let ss = SecretService::start(true);
    let config = scratch("gui-v3-config-");
    let data = scratch("gui-v3-data-");
    let mut env = ss.env();
    env.push(("INFLUXDESK_CONFIG_DIR".into(), config.display().to_string()));
    let ok = |args: &[&str], stdin: Option<&str>| {
        let o = run(args, &env, stdin);
        assert!(o.status.success(), "influxdesk {args:?}: {:?}", text(&o));
    };
    ok(
        &[
            "profile",
            "add",
            "core3",
            "--url",
            &server.url,
            "--api",
            "v3",
            "--database",
            &db,
            "--token-stdin",
        ],
        Some(&format!("{token}\n")),
    );
    // Two hosts, a point a minute over the last 40 minutes.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let lines: String = (0..40)
        .flat_map(|i| {
            let t = now - 60 - i * 60;
            [
                format!("cpu,host=web-01 usage={} {t}\n", 20 + i % 7),
                format!("cpu,host=db-01 usage={} {t}\n", 50 + i % 5),
            ]
        })
        .collect();
    ok(
        &["write", "--bucket", &db, "--precision", "s", "-"],
        Some(&lines),
    );

    let app = launch("v3", &ss.env(), &config, &data).await;
    let c = app.c.clone();

    wait_text(&c, "switcher-name", "core3").await;
    let status = wait_text(&c, "switcher-status", "3.10").await;
    assert!(status.contains("ms"), "version and latency: {status}");

    click(&c, "nav-explore").await;
    let db_sel = format!("[data-testid=\"schema-db\"][data-name=\"{db}\"]");
    let db_el = find_css(&c, "the v3 database", &db_sel).await;
    if db_el.attr("data-open").await.unwrap().as_deref() != Some("true") {
        db_el.click().await.unwrap();
    }
    let cpu = format!("{db_sel} [data-testid=\"schema-measurement\"][data-name=\"cpu\"]");
    find_css(&c, "table cpu", &cpu).await.click().await.unwrap();
    find_css(
        &c,
        "field usage",
        &format!("{cpu} [data-testid=\"schema-field\"][data-name=\"usage\"]"),
    )
    .await;
    find_css(
        &c,
        "tag host",
        &format!("{cpu} [data-testid=\"schema-tagkey\"][data-name=\"host\"]"),
    )
    .await;

    // A SQL query over the picked time range (raw values: this server build cannot plan
    // aggregates over a table, so the field click's mean() is not used here).
    type_query(
        &c,
        "SELECT time, host, usage FROM cpu WHERE $timeFilter ORDER BY time",
    )
    .await;
    click(&c, "q-run").await;
    let summary = wait_text(&c, "q-summary", "rows").await;
    assert!(
        summary.contains("80 rows"),
        "every point of the hour: {summary}"
    );
    click(&c, "view-chart").await;
    let lines = chart_series(&c, 2).await;
    assert!(lines >= 2, "a line per host");
    let legend = c
        .find_all(Locator::Css("[data-testid=\"legend-item\"]"))
        .await
        .unwrap();
    let mut names = Vec::new();
    for l in &legend {
        names.push(visible_text(l).await.unwrap_or_default());
    }
    assert!(
        names.iter().any(|n| n.contains("web-01")) && names.iter().any(|n| n.contains("db-01")),
        "{names:?}"
    );
    shot(&c, "v3-explore-chart").await;

    assert_eq!(table_rows(&c).await, 80);
    shot(&c, "v3-explore-table").await;
    c.close().await.unwrap();
}
