//! Admin > Users in the real WebKit webview over WebDriver, on a real influxd 1.6.7 with auth
//! on and the admin's password in the real keychain: create a user with a password through the
//! form, grant it READ on a database, see it in the list (and the server agree, through the
//! CLI), and find the password in no file of the config dir nor the app's log. The screenshot
//! `admin-users.png` (in `test-artifacts/gui/`) is the README's `tests/screenshots/admin-users.png`.
//! Admin > Tokens on the real InfluxDB 3 Core with auth on: create a named admin token, see it
//! shown once, make a connection profile with it (the keychain keeps it), delete it.

use influxdesk_testkit::influxdb3;
use influxdesk_testkit::secret_service::SecretService;
use serde_json::json;

use crate::support::{files_containing, influxd, run, scratch, text};
use crate::webdriver::{click, css, launch, shot, wait, wait_text};

const ADMIN_PW: &str = "gui-access-admin-Pw-3e8a";
const USER_PW: &str = "gui-access-user-Pw-77d1";

async fn type_into(c: &fantoccini::Client, testid: &str, s: &str) {
    let el = css(c, testid).await;
    el.clear().await.unwrap();
    el.send_keys(s).await.unwrap();
}

/// The Secret Service's environment with the app's debug log on.
fn env_debug(ss: &SecretService) -> Vec<(String, String)> {
    let mut env = ss.env();
    env.push(("RUST_LOG".into(), "debug".into()));
    env
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_a_user_and_grant_read_through_the_admin_screen() {
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

    let app = launch("access", &env_debug(&ss), &config, &data).await;
    let (c, log_path) = (app.c.clone(), app.log.clone());

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_3_core_token_is_shown_once_and_becomes_a_profile() {
    let Some(server) = influxdb3::auth() else {
        return;
    };
    let admin = server.token.clone().expect("admin token");
    let ss = SecretService::start(true);
    let config = scratch("gui-tokens-config-");
    let data = scratch("gui-tokens-data-");
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
            "core3",
            "--url",
            &server.url,
            "--api",
            "v3",
            "--token-stdin",
        ],
        Some(&format!("{admin}\n")),
    );
    let name = influxdb3::unique_db("gui-tok");

    let app = launch("tokens", &env_debug(&ss), &config, &data).await;
    let (c, log_path) = (app.c.clone(), app.log.clone());

    wait_text(&c, "switcher-name", "core3").await;
    wait_text(&c, "switcher-status", "3.10").await;
    click(&c, "nav-admin").await;
    click(&c, "admin-tab-tokens").await;
    wait_text(&c, "tokens-note", "admin tokens only").await;
    wait_text(&c, "token-row-_admin", "admin (all)").await;
    assert!(
        c.find(fantoccini::Locator::Css(
            "[data-testid=\"token-delete-_admin\"]"
        ))
        .await
        .is_err(),
        "the operator token, which 3 Core never deletes, offers no Delete"
    );
    type_into(&c, "token-description", &name).await;
    type_into(&c, "token-expiry", "30d").await;
    click(&c, "token-create").await;
    wait_text(&c, "token-created", "shown this once").await;
    let value = wait(&c, "the token's value", || async {
        let v = css(&c, "token-value").await.prop("value").await.ok()??;
        v.starts_with("apiv3_").then_some(v)
    })
    .await;
    wait_text(&c, &format!("token-row-{name}"), "expires").await;
    shot(&c, "admin-tokens-created").await;

    type_into(&c, "token-profile-name", "ci-bot").await;
    click(&c, "token-make-profile").await;
    wait_text(&c, "tokens-done", "Saved the connection \"ci-bot\"").await;
    let list: serde_json::Value =
        serde_json::from_str(&ok(&["profile", "list", "--json"], None)).unwrap();
    let id = list["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "ci-bot")
        .expect("the profile made with the token")["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        ss.lookup("influxdesk", &id).as_deref(),
        Some(value.as_str()),
        "the keychain keeps the new token"
    );
    let out = ok(&["token", "list", "--profile", "ci-bot"], None);
    assert!(out.contains(&name), "the new token works: {out}");

    click(&c, &format!("token-delete-{name}")).await;
    click(&c, "confirm-yes").await;
    wait_text(&c, "tokens-done", "Deleted token").await;
    c.close().await.unwrap();
    let o = run(&["token", "list", "--profile", "ci-bot"], &env, None);
    assert!(!o.status.success(), "the deleted token no longer works");

    for secret in [&admin, &value] {
        let mut leaks = files_containing(&config, secret);
        leaks.extend(files_containing(&data, secret));
        assert!(leaks.is_empty(), "token in files: {leaks:?}");
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        assert!(!log.contains(secret.as_str()), "token in the app's log");
    }
}
