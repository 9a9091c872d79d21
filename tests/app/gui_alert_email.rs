//! Email alerts and "history only" in the real WebKit webview over WebDriver, against a real
//! SMTP server (Python `aiosmtpd`) and the real Secret Service: the Alerts screen's Email tab
//! sets the SMTP account (the password goes to the keychain and never comes back to the
//! form), the rules list's Test button mails the rule's email channel through it, and the
//! rule editor's "History only" box saves a rule whose one channel is `history`. Screenshots
//! `alerts-email.png` and `alerts-email-test.png` in `test-artifacts/gui/`.

use influxdesk_testkit::secret_service::SecretService;
use serde_json::Value;

use crate::alert_email::{PASSWORD, parse, smtp_sink, wait_mails};
use crate::support::{files_containing, influxd, run, scratch, text};
use crate::webdriver::{click, css, find_css, launch, shot, type_into, wait_text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_email_tab_sets_smtp_and_test_mails_through_it() {
    let ss = SecretService::start(true);
    let server = influxd(None);
    let (port, mails, _sink) = smtp_sink().await;
    let config = scratch("gui-mail-config-");
    let data = scratch("gui-mail-data-");
    let mut env = ss.env();
    env.push(("INFLUXDESK_CONFIG_DIR".into(), config.display().to_string()));
    let ok = |args: &[&str]| -> String {
        let o = run(args, &env, None);
        assert!(o.status.success(), "influxdesk {args:?}: {:?}", text(&o));
        text(&o).0
    };
    ok(&[
        "profile",
        "add",
        "local",
        "--url",
        &server.url(),
        "--api",
        "v1",
        "--database",
        "guimail",
    ]);
    ok(&["db", "create", "guimail"]);
    ok(&["alert", "allow-host", "127.0.0.1"]);

    let app = launch("alert-email", &ss.env(), &config, &data).await;
    let c = app.c.clone();
    wait_text(&c, "switcher-status", "1.6.7").await;
    click(&c, "nav-alerts").await;
    click(&c, "alerts-tab-email").await;
    wait_text(&c, "smtp-none", "No SMTP account yet").await;
    type_into(&c, "smtp-host", "127.0.0.1").await;
    css(&c, "smtp-tls")
        .await
        .select_by_value("none")
        .await
        .unwrap();
    type_into(&c, "smtp-port", &port.to_string()).await;
    type_into(&c, "smtp-from", "influxdesk <alerts@example.com>").await;
    type_into(&c, "smtp-username", "alerts").await;
    type_into(&c, "smtp-password", PASSWORD).await;
    click(&c, "smtp-save").await;
    wait_text(&c, "smtp-saved", "Saved").await;
    let field = css(&c, "smtp-password").await;
    assert_eq!(
        field.prop("value").await.unwrap().as_deref(),
        Some(""),
        "the password does not stay in the form"
    );
    assert_eq!(
        field.attr("placeholder").await.unwrap().as_deref(),
        Some("stored in the keychain")
    );
    assert_eq!(
        ss.lookup("influxdesk", "alert-smtp").as_deref(),
        Some(PASSWORD)
    );
    shot(&c, "alerts-email").await;

    // A rule with an email channel (made on the command line while the app runs), then its
    // Test button in the rules list.
    ok(&[
        "alert",
        "create",
        "disk",
        "--query",
        "SELECT last(used) FROM disk",
        "--op",
        ">",
        "--crit",
        "90",
        "--channel",
        "email:ops@example.com",
    ]);
    click(&c, "alerts-tab-rules").await;
    click(&c, "alert-test-disk").await;
    let result = wait_text(&c, "alert-test-result", "delivered").await;
    assert!(result.contains("delivered: SMTP 250"), "{result}");
    shot(&c, "alerts-email-test").await;
    let got = wait_mails(&mails, 1, "the test mail").await;
    let (h, body) = parse(got[0]["data"].as_str().unwrap());
    assert_eq!(h["subject"], "[influxdesk] test: disk");
    assert_eq!(h["to"], "ops@example.com");
    assert_eq!(got[0]["login"], "alerts");
    assert!(body.contains("Rule:   disk\n"), "{body}");

    // History only: the editor's box saves the one channel `history`.
    click(&c, "alert-new").await;
    type_into(&c, "alert-name", "quiet").await;
    let editor = find_css(
        &c,
        "the query editor",
        "[data-testid=\"alert-query\"] .cm-content",
    )
    .await;
    editor.click().await.unwrap();
    editor
        .send_keys("SELECT last(used) FROM disk")
        .await
        .unwrap();
    editor.send_keys("\u{e00c}").await.unwrap();
    type_into(&c, "alert-crit", "90").await;
    click(&c, "alert-history-only").await;
    assert!(
        css(&c, "alert-channels")
            .await
            .attr("disabled")
            .await
            .unwrap()
            .is_some(),
        "no channels to give"
    );
    click(&c, "alert-save").await;
    wait_text(&c, "alert-row-quiet", "history").await;
    let listed: Value = serde_json::from_str(&ok(&["alert", "list", "--json"])).unwrap();
    let quiet = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "quiet")
        .expect("the rule is saved");
    assert_eq!(
        quiet["notification"]["channels"],
        serde_json::json!(["history"])
    );
    c.close().await.unwrap();
    assert!(
        files_containing(&config, "SMTPSECRET").is_empty(),
        "no password in the config dir"
    );
}
