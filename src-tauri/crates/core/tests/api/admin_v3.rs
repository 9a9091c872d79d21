//! Running queries and delete data on the real InfluxDB 3 Core: `system.queries` lists a
//! running SQL query (with `all`: 3.10 Core marks a streaming query finished once planned) (not killable there: 3 Core has no KILL, and says so), a table's dry run
//! counts its series and points exactly and the delete removes the table; predicates are
//! refused (3 Core deletes whole tables). Skipped with a notice when the binary is absent.

use std::time::Duration;

use influxdesk_core::api::admin::delete::{self, DeleteDataReq};
use influxdesk_core::api::admin::queries::{self, KillQueryReq, ListQueriesReq};
use influxdesk_core::api::{catalog, query};
use influxdesk_core::{Actor, ErrorCode};
use influxdesk_testkit::influxdb3;

use crate::v3::{seeded, sql, v3_ctx};

#[tokio::test]
async fn v3_lists_running_queries_and_says_it_cannot_kill() {
    let Some(s) = influxdb3::open() else { return };
    let lease = s.database("opsq").await;
    let db = lease.name.clone();
    let c = v3_ctx(s, &db).await;
    seeded(&c, &db).await;
    let slow = "SELECT count(*) AS n FROM generate_series(1, 20000000000) AS ops_probe";
    let mut req = sql(&db, slow);
    req.query_id = Some("ops-probe".into());
    let c2 = c.clone();
    let task = tokio::spawn(async move { query::run(&c2, &Actor::User, req).await });
    let mut found = None;
    for _ in 0..200 {
        let list = queries::list(
            &c,
            ListQueriesReq {
                all: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(
            list.iter()
                .all(|q| !q.query.contains("FROM system.queries")),
            "the listing leaves itself out: {list:?}"
        );
        if let Some(q) = list.into_iter().find(|q| q.query == slow) {
            found = Some(q);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let q = found.expect("system.queries lists the running SQL query");
    assert_eq!(q.language, "sql");
    assert!(!q.killable, "3 Core cannot stop another client's query");
    let e = queries::kill(
        &c,
        &Actor::User,
        KillQueryReq {
            profile: None,
            id: "1".into(),
        },
    )
    .await
    .unwrap_err();
    // Not a number from this server's list, or a 3.x id: either way nothing was sent.
    assert!(
        matches!(e.code(), ErrorCode::InvalidInput | ErrorCode::NotFound),
        "{}",
        e.message()
    );
    query::cancel(&c, &Actor::User, "ops-probe").await.unwrap();
    let e = tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("cancel returns promptly")
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Cancelled);
}

#[tokio::test]
async fn v3_table_delete_after_an_exact_dry_run() {
    let Some(s) = influxdb3::open() else { return };
    let lease = s.database("opsdel").await;
    let db = lease.name.clone();
    let c = v3_ctx(s, &db).await;
    seeded(&c, &db).await;
    let req = |drop: bool, dry: bool, pred: Option<&str>| DeleteDataReq {
        database: Some(db.clone()),
        measurement: "cpu".into(),
        predicate: pred.map(str::to_string),
        drop_measurement: drop,
        dry_run: dry,
        ..DeleteDataReq::default()
    };
    let e = delete::delete(
        &c,
        &Actor::User,
        req(false, true, Some("host = \"web-01\"")),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert!(e.message().contains("whole tables"), "{}", e.message());
    let dry = delete::delete(&c, &Actor::User, req(true, true, None))
        .await
        .unwrap();
    assert_eq!(
        dry.statements,
        [format!("DELETE /api/v3/configure/table?db={db}&table=cpu")]
    );
    assert_eq!(
        (dry.series, dry.points),
        (Some(2), Some(11)),
        "two hosts, 5 + 5 + 1 points"
    );
    let done = delete::delete(&c, &Actor::User, req(true, false, None))
        .await
        .unwrap();
    assert!(done.deleted);
    let tables: Vec<String> = catalog::tables(
        &c,
        catalog::CatalogReq {
            profile: None,
            database: Some(db.clone()),
        },
    )
    .await
    .unwrap()
    .into_iter()
    .map(|t| t.name)
    .collect();
    assert_eq!(tables, ["iot"], "cpu is gone, iot stays");
}
