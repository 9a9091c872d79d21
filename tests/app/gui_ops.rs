//! The Admin screen in the real WebKit webview, against a real influxd 1.x. Overview: the
//! server's version and numbers, and the rates chart (drawn by the Rust renderer) once a
//! second sample arrived. Queries: a query
//! held open by a client (testkit's `held_query`) appears in the auto-refreshing list, Kill
//! asks for confirmation, and the client gets "query interrupted". Delete data: dropping a
//! measurement shows its statement and exact counts in a dry run first (Delete is disabled
//! until then), and after the confirmed delete it is gone from the schema browser.
//! Screenshots go to `test-artifacts/gui/` (`admin-queries.png` and `admin-delete.png` are
//! in the README's `tests/screenshots/`).

use fantoccini::Locator;
use influxdesk_testkit::held_query::HeldQuery;
use influxdesk_testkit::secret_service::SecretService;

use crate::ops::{local_profile, write_big};
use crate::support::{influxd, run, scratch, text};
use crate::webdriver::{click, launch, shot, wait, wait_text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_a_query_and_drop_a_measurement_from_the_admin_screen() {
    let ss = SecretService::start(true);
    let server = influxd(None);
    let config = scratch("gui-ops-config-");
    let mut env = ss.env();
    env.push(("INFLUXDESK_CONFIG_DIR".into(), config.display().to_string()));
    let db = "gui_kill";
    local_profile(&env, &server.url(), db);
    write_big(&env, db);
    let lines: String = (0..10)
        .map(|i| {
            format!(
                "cpu,host={} v={i} {}\n",
                ["a", "b"][i % 2],
                1_704_067_200 + i
            )
        })
        .collect();
    let o = run(
        &["write", "--bucket", db, "--precision", "s", "-"],
        &env,
        Some(&lines),
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let app = launch("ops", &ss.env(), &config, &scratch("gui-ops-data-")).await;
    let c = app.c.clone();
    wait_text(&c, "switcher-name", "local").await;

    click(&c, "nav-admin").await;
    // Overview first: the numbers, then the rates chart once a second sample came.
    wait_text(&c, "overview-version", "1.6.7").await;
    crate::webdriver::find_css(
        &c,
        "the rates chart",
        "[data-testid=\"overview-chart\"] svg",
    )
    .await;
    shot(&c, "admin-overview").await;
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

    // Delete data: drop cpu after its dry run.
    click(&c, "admin-tab-delete").await;
    let pick = |testid: &'static str, value: &'static str| {
        let c = c.clone();
        async move {
            let sel = format!("[data-testid=\"{testid}\"] option[value=\"{value}\"]");
            wait(&c, &format!("option {value} of {testid}"), || async {
                c.find(Locator::Css(&sel)).await.ok()
            })
            .await;
            crate::webdriver::css(&c, testid)
                .await
                .select_by_value(value)
                .await
                .unwrap();
        }
    };
    pick("delete-db", db).await;
    pick("delete-measurement", "cpu").await;
    click(&c, "delete-drop").await;
    let run_btn = crate::webdriver::css(&c, "delete-run").await;
    assert!(
        !run_btn.is_enabled().await.unwrap(),
        "Delete waits for a dry run"
    );
    click(&c, "delete-dry-run").await;
    wait_text(&c, "delete-counts", "Would delete 2 series, 10 points.").await;
    wait_text(&c, "delete-plan", "DROP MEASUREMENT \"cpu\"").await;
    shot(&c, "admin-delete").await;
    click(&c, "delete-run").await;
    wait_text(&c, "confirm-yes", "Delete").await;
    click(&c, "confirm-yes").await;
    wait_text(&c, "delete-done", "Deleted 2 series, 10 points.").await;
    let o = run(&["query", "--db", db, "SHOW MEASUREMENTS"], &env, None);
    let (out, _) = text(&o);
    assert!(out.contains("big") && !out.contains("cpu"), "{out}");
    // And the schema browser shows it gone.
    click(&c, "nav-explore").await;
    let db_sel = format!("[data-testid=\"schema-db\"][data-name=\"{db}\"]");
    let db_el = crate::webdriver::find_css(&c, "the database", &db_sel).await;
    if db_el.attr("data-open").await.unwrap().as_deref() != Some("true") {
        db_el.click().await.unwrap();
    }
    let m =
        |name: &str| format!("{db_sel} [data-testid=\"schema-measurement\"][data-name=\"{name}\"]");
    crate::webdriver::find_css(&c, "measurement big", &m("big")).await;
    assert!(
        c.find(Locator::Css(&m("cpu"))).await.is_err(),
        "the dropped measurement left the schema browser"
    );
    shot(&c, "admin-delete-explore").await;
    c.close().await.unwrap();
}
