//! The Admin screen's Queries tab in the real WebKit webview, against a real influxd 1.x: a
//! query held open by a client (testkit's `held_query`) appears in the auto-refreshing list,
//! Kill asks for confirmation, and the client gets "query interrupted". Screenshots go to
//! `test-artifacts/gui/` (`admin-queries.png` is the README's `tests/screenshots/`).

use std::path::PathBuf;
use std::process::Command;

use fantoccini::{Client, Locator};
use influxdesk_testkit::held_query::HeldQuery;
use influxdesk_testkit::secret_service::SecretService;
use serde_json::json;

use crate::gui::{Killed, artifacts, click, session, shot, tool, wait, wait_text, xvfb};
use crate::ops::{local_profile, write_big};
use crate::support::{BIN, influxd, scratch};

/// The app under tauri-driver with `config` (the driver and Xvfb live as long as the guards).
async fn app(ss: &SecretService, config: &PathBuf, name: &str) -> (Client, Vec<Killed>) {
    let (x, display) = xvfb();
    let data = scratch("gui-ops-data-");
    let socket_dir = scratch("gui-ops-mcp-");
    std::fs::set_permissions(
        &socket_dir,
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    let log_path = artifacts().join(format!("app-{name}.log"));
    let log = std::fs::File::create(&log_path).unwrap();
    let port = influxdesk_core::local::free_port().unwrap();
    let native_port = influxdesk_core::local::free_port().unwrap();
    let driver = Killed(
        Command::new(tool("tauri-driver"))
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .arg("--native-driver")
            .arg(tool("WebKitWebDriver"))
            .envs(ss.env())
            .env("DISPLAY", &display)
            .env("INFLUXDESK_CONFIG_DIR", config)
            .env("INFLUXDESK_DATA_DIR", &data)
            .env("INFLUXDESK_SOCKET", socket_dir.join("mcp.sock"))
            .env_remove("INFLUX_URL")
            .env_remove("WAYLAND_DISPLAY")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("tauri-driver"),
    );
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("wry"));
    caps.insert("tauri:options".into(), json!({ "application": BIN }));
    let c = session(port, &caps, &log_path).await;
    (c, vec![driver, x])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_a_running_query_from_the_admin_screen() {
    let ss = SecretService::start(true);
    let server = influxd(None);
    let config = scratch("gui-ops-config-");
    let mut env = ss.env();
    env.push(("INFLUXDESK_CONFIG_DIR".into(), config.display().to_string()));
    let db = "gui_kill";
    local_profile(&env, &server.url(), db);
    write_big(&env, db);
    let (c, _guards) = app(&ss, &config, "ops").await;
    wait_text(&c, "switcher-name", "local").await;

    click(&c, "nav-admin").await;
    click(&c, "admin-tab-queries").await;
    let held = HeldQuery::start(&server.url(), db, "SELECT * FROM big").await;
    // The tab refreshes by itself: wait for the row (a condition, not a time).
    let row = wait(&c, "the held query's row", || async {
        for r in c
            .find_all(Locator::Css("[data-testid=\"query-row\"]"))
            .await
            .ok()?
        {
            let t = r.prop("textContent").await.ok()??;
            if t.contains("SELECT * FROM big") && t.contains(db) {
                return Some(r);
            }
        }
        None
    })
    .await;
    let qid = row.attr("data-qid").await.unwrap().expect("data-qid");
    shot(&c, "admin-queries").await;
    row.find(Locator::Css("[data-testid=\"query-kill\"]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let dialog = wait_text(&c, "confirm-yes", "Kill").await;
    assert_eq!(dialog, "Kill");
    shot(&c, "admin-queries-confirm").await;
    click(&c, "confirm-yes").await;
    wait_text(&c, "queries-notice", &format!("Killed query {qid}")).await;
    let tail = held.finish().await;
    assert!(
        tail.contains("query interrupted"),
        "the running client gets the interruption: …{tail}"
    );
    // And the list lets it go.
    wait(&c, "the killed query to leave the list", || async {
        let sel = format!("[data-testid=\"query-row\"][data-qid=\"{qid}\"]");
        c.find(Locator::Css(&sel)).await.is_err().then_some(())
    })
    .await;
    c.close().await.unwrap();
}
