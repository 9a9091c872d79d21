//! The Admin screen in the real WebKit webview over WebDriver, on a real influxd 1.6.7 with
//! auth on (password in the real Secret Service): a database created through the form with 7d
//! retention is listed with its retention and shows up in Explore's schema browser at once; a
//! downsampling CQ is previewed (the exact statements) and created with backfill and listed;
//! deleting the database (its name typed to confirm) takes it out of the schema browser.
//! Screenshots go to `test-artifacts/gui/` (`admin-*.png`).

use std::time::{Duration, Instant};

use fantoccini::Locator;
use influxdesk_testkit::secret_service::SecretService;

use crate::support::{influxd, run, scratch, text};
use crate::webdriver::{click, css, find_css, launch, shot, wait, wait_text};

const PASSWORD: &str = "gui-admin-pw-8c3e";

async fn type_into(c: &fantoccini::Client, testid: &str, s: &str) {
    let el = css(c, testid).await;
    el.clear().await.unwrap();
    el.send_keys(s).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_a_database_and_a_downsampling_cq_through_the_admin_screen() {
    let ss = SecretService::start(true);
    let server = influxd(Some(("admin", PASSWORD)));
    let config = scratch("gui-admin-config-");
    let data = scratch("gui-admin-data-");
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
            "local",
            "--url",
            &server.url(),
            "--api",
            "v1",
            "--username",
            "admin",
            "--token-stdin",
        ],
        Some(&format!("{PASSWORD}\n")),
    );
    ok(&["db", "create", "raw"], None);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let lines: String = (0..40)
        .map(|i| {
            format!(
                "cpu,host=web-01 usage={} {}\n",
                20 + i % 7,
                now - 60 - i * 60
            )
        })
        .collect();
    ok(
        &["write", "--bucket", "raw", "--precision", "s", "-"],
        Some(&lines),
    );

    let app = launch("admin", &ss.env(), &config, &data).await;
    let c = app.c.clone();

    wait_text(&c, "switcher-name", "local").await;
    wait_text(&c, "switcher-status", "1.6.7").await;
    // Explore first, so the schema browser has loaded its databases before the change.
    click(&c, "nav-explore").await;
    find_css(
        &c,
        "database raw",
        "[data-testid=\"schema-db\"][data-name=\"raw\"]",
    )
    .await;

    click(&c, "nav-admin").await;
    click(&c, "admin-tab-databases").await;
    wait_text(&c, "db-table", "raw").await;
    click(&c, "db-new").await;
    type_into(&c, "db-name", "weekly").await;
    type_into(&c, "db-retention", "10m").await;
    wait_text(&c, "db-problem", "at least 1h").await;
    type_into(&c, "db-retention", "7d").await;
    click(&c, "db-save").await;
    let row = wait_text(&c, "db-row-weekly", "7d").await;
    assert!(row.contains("1d"), "shard group of a 7d policy: {row}");
    shot(&c, "admin-databases").await;

    click(&c, "nav-explore").await;
    find_css(
        &c,
        "the new database in the schema browser",
        "[data-testid=\"schema-db\"][data-name=\"weekly\"]",
    )
    .await;

    click(&c, "nav-admin").await;
    click(&c, "admin-tab-downsampling").await;
    find_css(
        &c,
        "database raw to pick",
        "[data-testid=\"ds-db\"] option[value=\"raw\"]",
    )
    .await;
    css(&c, "ds-db").await.select_by_value("raw").await.unwrap();
    type_into(&c, "ds-measurement", "cpu").await;
    type_into(&c, "ds-fields", "usage").await;
    type_into(&c, "ds-keep", "30d").await;
    click(&c, "ds-backfill").await;
    click(&c, "ds-preview-go").await;
    let preview = wait_text(&c, "ds-preview", "CREATE CONTINUOUS QUERY").await;
    assert!(
        preview.contains(
            "CREATE RETENTION POLICY \"keep_30d\" ON \"raw\" DURATION 2592000s REPLICATION 1"
        ) && preview.contains("WHERE time >="),
        "the policy, the CQ and the backfill: {preview}"
    );
    shot(&c, "admin-downsampling-preview").await;
    click(&c, "ds-create").await;
    wait_text(&c, "ds-done", "cpu_mean_5m").await;
    wait_text(&c, "cq-row-cpu_mean_5m", "keep_30d").await;
    shot(&c, "admin-downsampling").await;

    // Delete asks for the name; once gone, the schema browser drops it at once.
    click(&c, "admin-tab-databases").await;
    click(&c, "db-delete-weekly").await;
    type_into(&c, "db-delete-name", "weekl").await;
    assert!(!css(&c, "db-delete-go").await.is_enabled().await.unwrap());
    type_into(&c, "db-delete-name", "weekly").await;
    click(&c, "db-delete-go").await;
    click(&c, "nav-explore").await;
    let start = Instant::now();
    while c
        .find(Locator::Css(
            "[data-testid=\"schema-db\"][data-name=\"weekly\"]",
        ))
        .await
        .is_ok()
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the deleted database left the schema browser"
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    wait(&c, "raw still listed", || async {
        c.find(Locator::Css(
            "[data-testid=\"schema-db\"][data-name=\"raw\"]",
        ))
        .await
        .ok()
    })
    .await;
    c.close().await.unwrap();
}
