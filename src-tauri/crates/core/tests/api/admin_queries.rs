//! The Admin screen's running queries against the real influxd 1.x: a query held open by a
//! client (see testkit's `held_query`) shows in the list, is stopped from it, and its client
//! gets the server's "query interrupted"; bad ids and assistants under a read-only policy are
//! refused before anything is sent.

use std::time::Duration;

use influxdesk_core::api::admin::queries::{self, KillQueryReq, ListQueriesReq, RunningQuery};
use influxdesk_core::api::{query, write};
use influxdesk_core::model::*;
use influxdesk_core::{Actor, Ctx, ErrorCode};
use influxdesk_testkit::held_query::HeldQuery;

use crate::harness::{self, add, ctx, fields, unique_db};

pub fn run_req(db: &str, q: &str) -> RunQueryReq {
    RunQueryReq {
        profile: None,
        language: Some(QueryLanguage::Influxql),
        database: Some(db.into()),
        query: q.into(),
        row_limit: None,
        time_range: None,
        query_id: None,
    }
}

/// A database with `big`: 50k points carrying a 200-byte string, about 12 MB as JSON, more
/// than the loopback socket buffers hold.
pub async fn big_db(c: &Ctx, prefix: &str) -> String {
    let db = unique_db(prefix);
    query::run(
        c,
        &Actor::User,
        run_req(&db, &format!("CREATE DATABASE \"{db}\"")),
    )
    .await
    .unwrap();
    let pad = "x".repeat(200);
    for batch in 0..5 {
        let lines: Vec<String> = (0..10_000)
            .map(|i| {
                let n = batch * 10_000 + i;
                format!(
                    "big,host=h{} s=\"{pad}\",v={n}i {}",
                    n % 10,
                    1_600_000_000 + n
                )
            })
            .collect();
        write::write(
            c,
            &Actor::User,
            WriteReq {
                profile: None,
                bucket: Some(db.clone()),
                precision: Precision::S,
                lines: lines.join("\n"),
            },
        )
        .await
        .unwrap();
    }
    db
}

/// Wait until the list shows a query on `db` reading `big` (a condition, not a time).
pub async fn wait_listed(c: &Ctx, db: &str) -> RunningQuery {
    for _ in 0..400 {
        let list = queries::list(c, ListQueriesReq::default()).await.unwrap();
        if let Some(q) = list
            .into_iter()
            .find(|q| q.database == db && q.query.contains("FROM big"))
        {
            return q;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the held query never showed in the running queries");
}

#[tokio::test]
async fn a_held_query_is_listed_and_killed_from_the_list() {
    let s = harness::open_server();
    let c = ctx();
    add(&c, fields("local", &s.url, ApiKind::V1), None).await;
    let db = big_db(&c, "kill").await;
    let held = HeldQuery::start(&s.url, &db, "SELECT * FROM big").await;
    assert!(held.head().starts_with("HTTP/1.1 200"), "{}", held.head());
    let q = wait_listed(&c, &db).await;
    assert_eq!(q.status, "running");
    assert_eq!(q.language, "influxql");
    assert!(q.killable && q.seconds.is_some(), "{q:?}");
    let list = queries::list(&c, ListQueriesReq::default()).await.unwrap();
    assert!(
        list.iter().all(|q| q.query != "SHOW QUERIES"),
        "the listing leaves itself out: {list:?}"
    );
    // It stays listed while held: the second look sees the same query again.
    assert!(
        queries::list(&c, ListQueriesReq::default())
            .await
            .unwrap()
            .iter()
            .any(|r| r.id == q.id),
        "a held query keeps running"
    );

    let killed = queries::kill(
        &c,
        &Actor::User,
        KillQueryReq {
            profile: None,
            id: q.id.clone(),
        },
    )
    .await
    .unwrap();
    assert_eq!(killed.id, q.id);
    let tail = held.finish().await;
    assert!(
        tail.contains("query interrupted"),
        "the running client gets the interruption: …{tail}"
    );
    // Gone from the list (the server drops it once its writer notices).
    let mut gone = false;
    for _ in 0..100 {
        let list = queries::list(&c, ListQueriesReq::default()).await.unwrap();
        if !list.iter().any(|r| r.id == q.id) {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(gone, "the killed query leaves the list");
    // Killing it again: it no longer runs.
    let e = queries::kill(
        &c,
        &Actor::User,
        KillQueryReq {
            profile: None,
            id: q.id.clone(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound, "{}", e.message());
}

#[tokio::test]
async fn bad_ids_and_read_only_assistants_are_refused() {
    let s = harness::open_server();
    let c = ctx();
    add(&c, fields("local", &s.url, ApiKind::V1), None).await;
    for bad in ["", "abc", "-1", "1; DROP DATABASE x"] {
        let e = queries::kill(
            &c,
            &Actor::User,
            KillQueryReq {
                profile: None,
                id: bad.into(),
            },
        )
        .await
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput, "{bad}: {}", e.message());
    }
    let db = big_db(&c, "killro").await;
    let held = HeldQuery::start(&s.url, &db, "SELECT * FROM big").await;
    let q = wait_listed(&c, &db).await;
    c.set_assistant_read_only(true);
    let e = queries::kill(
        &c,
        &Actor::Assistant {
            client: "test".into(),
        },
        KillQueryReq {
            profile: None,
            id: q.id.clone(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden, "{}", e.message());
    assert!(
        queries::list(&c, ListQueriesReq::default())
            .await
            .unwrap()
            .iter()
            .any(|r| r.id == q.id && r.status == "running"),
        "a refused kill leaves the query running"
    );
    queries::kill(
        &c,
        &Actor::User,
        KillQueryReq {
            profile: None,
            id: q.id,
        },
    )
    .await
    .unwrap();
    assert!(held.finish().await.contains("query interrupted"));
}
