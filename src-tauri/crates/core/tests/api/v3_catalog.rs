//! InfluxDB 3 specifics against the real 3 Core: tables with columns and types, table delete
//! (soft on the server, gone from every listing), the server's running queries from
//! `system.queries`, and last-value and distinct-value caches (made with the server's own
//! `influxdb3 create ...` CLI). Skipped with a notice when the binary is absent.

use std::time::Duration;

use influxdesk_core::api::catalog::{
    self, CacheKind, CatalogReq, ColumnRole, DeleteTableReq, ServerQueriesReq,
};
use influxdesk_core::api::{query, schema};
use influxdesk_core::model::*;
use influxdesk_core::{Actor, ErrorCode};
use influxdesk_testkit::influxdb3;

use crate::harness::{add, ctx, fields};
use crate::v3::{seeded, sql, v3_ctx};

fn creq(db: &str) -> CatalogReq {
    CatalogReq {
        profile: None,
        database: Some(db.into()),
    }
}

#[tokio::test]
async fn tables_with_columns_and_delete() {
    let Some(s) = influxdb3::open() else { return };
    let lease = s.database("tables").await;
    let db = lease.name.clone();
    let c = v3_ctx(s, &db).await;
    seeded(&c, &db).await;
    let tables = catalog::tables(&c, creq(&db)).await.unwrap();
    let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, vec!["cpu", "iot"]);
    let cols: Vec<(&str, ColumnRole, ColumnType)> = tables[1]
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.role, c.kind))
        .collect();
    assert_eq!(
        cols,
        vec![
            ("note", ColumnRole::Field, ColumnType::String),
            ("ok", ColumnRole::Field, ColumnType::Boolean),
            ("sensor", ColumnRole::Tag, ColumnType::String),
            ("temp", ColumnRole::Field, ColumnType::Float),
            ("time", ColumnRole::Time, ColumnType::Time),
        ]
    );
    assert_eq!(tables[0].columns[0].name, "cores");
    assert_eq!(tables[0].columns[0].data_type, "Int64", "the server's type");

    let del = |t: &str| DeleteTableReq {
        profile: None,
        database: Some(db.clone()),
        table: t.into(),
    };
    let e = catalog::delete_table(
        &c,
        &Actor::Assistant {
            client: "test".into(),
        },
        del("iot"),
    )
    .await
    .unwrap_err();
    assert_eq!(
        e.code(),
        ErrorCode::Forbidden,
        "an assistant on a default (read-only) profile may not delete: {}",
        e.message()
    );
    catalog::delete_table(&c, &Actor::User, del("iot"))
        .await
        .unwrap();
    let names: Vec<String> = catalog::tables(&c, creq(&db))
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, vec!["cpu"], "a soft-deleted table is not listed");
    assert_eq!(
        schema::measurements(
            &c,
            SchemaReq {
                database: Some(db.clone()),
                ..SchemaReq::default()
            }
        )
        .await
        .unwrap(),
        vec!["cpu"],
        "nor in the schema browser"
    );
    let e = catalog::delete_table(&c, &Actor::User, del("iot"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound, "{}", e.message());
}

#[tokio::test]
async fn running_queries_come_from_system_queries() {
    let Some(s) = influxdb3::open() else { return };
    let lease = s.database("running").await;
    let db = lease.name.clone();
    let c = v3_ctx(s, &db).await;
    seeded(&c, &db).await;
    let slow = "SELECT count(*) AS n FROM generate_series(1, 20000000000) AS running_probe";
    let mut req = sql(&db, slow);
    req.query_id = Some("probe".into());
    let c2 = c.clone();
    let task = tokio::spawn(async move { query::run(&c2, &Actor::User, req).await });
    // Wait until the server lists it as ours (a condition, not a fixed time).
    let mut found = None;
    for _ in 0..200 {
        let all = catalog::server_queries(
            &c,
            ServerQueriesReq {
                all: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        if let Some(q) = all.into_iter().find(|q| q.query_text == slow) {
            found = Some(q);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let q = found.expect("system.queries lists the slow query");
    assert_eq!(q.query_type, "sql");
    assert!(!q.id.is_empty() && !q.issue_time.is_empty(), "{q:?}");
    let running = catalog::server_queries(&c, ServerQueriesReq::default())
        .await
        .unwrap();
    assert!(
        running.iter().all(|q| q.running),
        "without `all`, only running ones: {running:?}"
    );
    // (Whether the listing sees itself as running depends on the server's timing: not asserted.
    // 3.10 Core also marks a streaming query "success" once it is planned.)
    query::cancel(&c, &Actor::User, "probe").await.unwrap();
    let e = tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("cancel returns promptly")
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Cancelled);
}

#[tokio::test]
async fn last_and_distinct_value_caches_are_listed() {
    let Some(s) = influxdb3::open() else { return };
    let lease = s.database("caches").await;
    let db = lease.name.clone();
    let c = v3_ctx(s, &db).await;
    seeded(&c, &db).await;
    assert!(catalog::caches(&c, creq(&db)).await.unwrap().is_empty());
    for args in [
        vec![
            "create",
            "last_cache",
            "--database",
            &db,
            "--table",
            "cpu",
            "--key-columns",
            "host",
            "--value-columns",
            "usage",
            "--count",
            "3",
            "cpu_last",
        ],
        vec![
            "create",
            "distinct_cache",
            "--database",
            &db,
            "--table",
            "cpu",
            "--columns",
            "region,host",
            "cpu_hosts",
        ],
    ] {
        let out = std::process::Command::new(s.bin())
            .args(&args)
            .args(["--host", &s.url])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "influxdb3 {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let caches = catalog::caches(&c, creq(&db)).await.unwrap();
    assert_eq!(caches.len(), 2, "{caches:?}");
    let last = &caches[0];
    assert_eq!(
        (last.kind, last.name.as_str(), last.table.as_str()),
        (CacheKind::Last, "cpu_last", "cpu")
    );
    assert_eq!(last.columns, vec!["host"]);
    assert_eq!(last.value_columns, vec!["usage"]);
    assert_eq!(last.size, 3);
    let distinct = &caches[1];
    assert_eq!(
        (distinct.kind, distinct.name.as_str()),
        (CacheKind::Distinct, "cpu_hosts")
    );
    assert_eq!(distinct.columns, vec!["region", "host"]);
}

#[tokio::test]
async fn catalog_calls_on_other_servers_say_they_are_v3_only() {
    let c = ctx();
    add(
        &c,
        ProfileFields {
            database: Some("x".into()),
            ..fields("one", "http://127.0.0.1:9", ApiKind::V1)
        },
        None,
    )
    .await;
    let e = catalog::tables(&c, CatalogReq::default())
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert!(e.message().contains("InfluxDB 3"), "{}", e.message());
}
