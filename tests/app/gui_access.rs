//! Admin > Users in the real WebKit webview over WebDriver, on a real influxd 1.6.7 with auth
//! on and the admin's password in the real keychain: create a user with a password through the
//! form, grant it READ on a database, see it in the list (and the server agree, through the
//! CLI), and find the password in no file of the config dir nor the app's log. The screenshot
//! `admin-users.png` (in `test-artifacts/gui/`) is the README's `tests/screenshots/admin-users.png`.

use std::process::Command;

use influxdesk_testkit::secret_service::SecretService;
use serde_json::json;

use crate::gui::{Killed, artifacts, click, css, session, shot, tool, wait_text, xvfb};
use crate::support::{BIN, files_containing, influxd, run, scratch, text};

const ADMIN_PW: &str = "gui-access-admin-Pw-3e8a";
const USER_PW: &str = "gui-access-user-Pw-77d1";

async fn type_into(c: &fantoccini::Client, testid: &str, s: &str) {
    let el = css(c, testid).await;
    el.clear().await.unwrap();
    el.send_keys(s).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_a_user_and_grant_read_through_the_admin_screen() {
    let driver_bin = tool("tauri-driver");
    let native = tool("WebKitWebDriver");
    let ss = SecretService::start(true);
    let server = influxd(Some(("admin", ADMIN_PW)));
    let config = scratch("gui-access-config-");
    let data = scratch("gui-access-data-");
    let mut env = ss.env();
    env.push(("INFLUXDESK_CONFIG_DIR".into(), config.display().to_string()));
    let ok = |args: &[&str], stdin: Option<&str>| {
        let o = run(args, &env, stdin);
        let (out, err) = text(&o);
        assert!(o.status.success(), "influxdesk {args:?}: {err}");
        out
    };
    ok(
        &[
            "profile",
            "add",
            "secure",
            "--url",
            &server.url(),
            "--username",
            "admin",
            "--token-stdin",
        ],
        Some(&format!("{ADMIN_PW}\n")),
    );
    ok(&["query", "CREATE DATABASE telemetry"], None);
    ok(&["query", "CREATE DATABASE billing"], None);

    let (_x, display) = xvfb();
    let log_path = artifacts().join("app-access.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let port = influxdesk_core::local::free_port().unwrap();
    let native_port = influxdesk_core::local::free_port().unwrap();
    let socket_dir = scratch("gui-access-mcp-");
    std::fs::set_permissions(
        &socket_dir,
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    let _driver = Killed(
        Command::new(driver_bin)
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .arg("--native-driver")
            .arg(&native)
            .envs(ss.env())
            .env("DISPLAY", &display)
            .env("INFLUXDESK_CONFIG_DIR", &config)
            .env("INFLUXDESK_DATA_DIR", &data)
            .env("INFLUXDESK_SOCKET", socket_dir.join("mcp.sock"))
            .env("RUST_LOG", "debug")
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

    wait_text(&c, "switcher-name", "secure").await;
    wait_text(&c, "switcher-status", "1.6.7").await;
    click(&c, "nav-admin").await;
    click(&c, "admin-tab-users").await;
    wait_text(&c, "user-row-admin", "admin").await;

    type_into(&c, "user-new-name", "grafana").await;
    type_into(&c, "user-new-password", USER_PW).await;
    click(&c, "user-create").await;
    wait_text(&c, "users-done", "Created user \"grafana\"").await;
    wait_text(&c, "user-grants-grafana", "none").await;
    assert_eq!(
        css(&c, "user-new-password")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some(""),
        "the password field is cleared once sent"
    );

    css(&c, "grant-user")
        .await
        .select_by_value("grafana")
        .await
        .unwrap();
    css(&c, "grant-database")
        .await
        .select_by_value("telemetry")
        .await
        .unwrap();
    css(&c, "grant-privilege")
        .await
        .select_by_value("read")
        .await
        .unwrap();
    click(&c, "grant").await;
    wait_text(&c, "users-done", "Granted READ on \"telemetry\"").await;
    let grants = wait_text(&c, "user-grants-grafana", "READ").await;
    assert!(grants.contains("telemetry"), "{grants}");
    shot(&c, "admin-users").await;

    // The server agrees.
    let list: serde_json::Value =
        serde_json::from_str(&ok(&["user", "list", "--json"], None)).unwrap();
    let g = list
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "grafana")
        .expect("created on the server");
    assert_eq!(
        g["grants"],
        json!([{"database": "telemetry", "privilege": "read"}])
    );
    c.close().await.unwrap();

    for pw in [ADMIN_PW, USER_PW] {
        let mut leaks = files_containing(&config, pw);
        leaks.extend(files_containing(&data, pw));
        assert!(leaks.is_empty(), "password in files: {leaks:?}");
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        assert!(!log.contains(pw), "password in the app's log");
    }
}
