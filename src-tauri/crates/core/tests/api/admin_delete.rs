//! Delete data against the real influxd 1.x: a dry run gives the exact statement and exact
//! series and point counts, the delete removes just those (the rest untouched: counted
//! after), DROP SERIES with OR, DROP MEASUREMENT, and every bad input refused before anything
//! is sent.

use influxdesk_core::api::admin::delete::{self, DeleteDataReq, DeletePlan};
use influxdesk_core::api::{query, schema};
use influxdesk_core::model::*;
use influxdesk_core::{Actor, Ctx, ErrorCode};

use crate::admin_queries::run_req;
use crate::harness::{self, add, ctx, fields, unique_db};

/// cpu: hosts a, b, c with 10 points each (usage and cores) at 2024-01-01T00:00:0Ns, N = 0..9;
/// mem: host a with 4 points.
async fn seeded() -> (std::sync::Arc<Ctx>, String) {
    let s = harness::open_server();
    let c = ctx();
    add(&c, fields("local", &s.url, ApiKind::V1), None).await;
    let db = unique_db("del");
    query::run(
        &c,
        &Actor::User,
        run_req(&db, &format!("CREATE DATABASE \"{db}\"")),
    )
    .await
    .unwrap();
    let t0 = 1_704_067_200i64; // 2024-01-01T00:00:00Z
    let mut lines = Vec::new();
    for host in ["a", "b", "c"] {
        for i in 0..10 {
            lines.push(format!(
                "cpu,host={host},dc=x usage={i}.5,cores=4i {}",
                t0 + i
            ));
        }
    }
    for i in 0..4 {
        lines.push(format!("mem,host=a used={i}i {}", t0 + i));
    }
    crate::harness::write_s(&c, &db, &lines).await;
    (c, db)
}

fn req(
    db: &str,
    m: &str,
    pred: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
) -> DeleteDataReq {
    DeleteDataReq {
        database: Some(db.into()),
        measurement: m.into(),
        predicate: pred.map(str::to_string),
        from: from.map(str::to_string),
        to: to.map(str::to_string),
        dry_run: true,
        ..DeleteDataReq::default()
    }
}

async fn plan(c: &Ctx, r: DeleteDataReq) -> DeletePlan {
    delete::delete(c, &Actor::User, r).await.unwrap()
}

/// Points per host in cpu, counted independently of the code under test's counting.
async fn cpu_per_host(c: &Ctx, db: &str) -> Vec<(String, i64)> {
    let r = query::run(
        c,
        &Actor::User,
        run_req(db, "SELECT count(usage) FROM cpu GROUP BY host"),
    )
    .await
    .unwrap();
    let mut out: Vec<(String, i64)> = r
        .frames
        .iter()
        .map(|f| {
            (
                f.tags["host"].clone(),
                f.column("count").unwrap().value(0).as_i64().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn dry_run_counts_exactly_and_the_delete_takes_just_that() {
    let (c, db) = seeded().await;
    let from = "2024-01-01T00:00:02Z";
    let to = "2024-01-01T00:00:07Z";
    let dry = plan(
        &c,
        req(&db, "cpu", Some("host = \"a\""), Some(from), Some(to)),
    )
    .await;
    assert_eq!(
        dry.statements,
        [format!(
            "DELETE FROM \"cpu\" WHERE \"host\" = 'a' AND time >= '{from}' AND time < '{to}'"
        )]
    );
    assert_eq!(
        (dry.series, dry.points),
        (Some(1), Some(5)),
        "seconds 2..6 of host a"
    );
    assert!(!dry.deleted);
    assert_eq!(dry.summary(), "would delete 1 series, 5 points");
    assert_eq!(
        cpu_per_host(&c, &db).await,
        [("a".into(), 10), ("b".into(), 10), ("c".into(), 10)],
        "a dry run changes nothing"
    );

    let mut r = req(&db, "cpu", Some("host = \"a\""), Some(from), Some(to));
    r.dry_run = false;
    let done = plan(&c, r).await;
    assert!(done.deleted);
    assert_eq!((done.series, done.points), (Some(1), Some(5)));
    assert_eq!(
        cpu_per_host(&c, &db).await,
        [("a".into(), 5), ("b".into(), 10), ("c".into(), 10)],
        "only host a's five points in the range went"
    );

    // DROP SERIES with OR: hosts b and c, all their points.
    let dry = plan(
        &c,
        req(&db, "cpu", Some("host = 'b' or host = \"c\""), None, None),
    )
    .await;
    assert_eq!(
        dry.statements,
        ["DROP SERIES FROM \"cpu\" WHERE (\"host\" = 'b' OR \"host\" = 'c')"]
    );
    assert_eq!((dry.series, dry.points), (Some(2), Some(20)));
    let mut r = req(&db, "cpu", Some("host = 'b' or host = \"c\""), None, None);
    r.dry_run = false;
    plan(&c, r).await;
    assert_eq!(cpu_per_host(&c, &db).await, [("a".into(), 5)]);

    // The whole measurement.
    let mut r = req(&db, "mem", None, None, None);
    r.drop_measurement = true;
    let dry = plan(&c, r.clone()).await;
    assert_eq!(dry.statements, ["DROP MEASUREMENT \"mem\""]);
    assert_eq!((dry.series, dry.points), (Some(1), Some(4)));
    r.dry_run = false;
    plan(&c, r.clone()).await;
    let left = schema::measurements(
        &c,
        SchemaReq {
            database: Some(db.clone()),
            ..SchemaReq::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(left, ["cpu"], "mem is gone, cpu stays");
    let e = delete::delete(&c, &Actor::User, r).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound, "{}", e.message());
}

#[tokio::test]
async fn bad_input_is_refused_before_anything_is_sent() {
    let (c, db) = seeded().await;
    let cases: Vec<(DeleteDataReq, ErrorCode, &str)> = vec![
        (
            req(&db, "cpu", Some("zone = \"x\""), None, None),
            ErrorCode::InvalidInput,
            "not a tag",
        ),
        (
            req(&db, "cpu", Some("usage = \"1\""), None, None),
            ErrorCode::InvalidInput,
            "its tags: dc, host",
        ),
        (
            req(&db, "cpu", Some("host = a"), None, None),
            ErrorCode::InvalidInput,
            "quote values",
        ),
        (
            req(&db, "cpu", None, Some("yesterday"), None),
            ErrorCode::InvalidInput,
            "RFC 3339",
        ),
        (
            req(
                &db,
                "cpu",
                None,
                Some("2024-01-02T00:00:00Z"),
                Some("2024-01-01T00:00:00Z"),
            ),
            ErrorCode::InvalidInput,
            "before",
        ),
        (
            req(&db, "nope", None, None, None),
            ErrorCode::NotFound,
            "no measurement",
        ),
        (
            req(&db, " ", None, None, None),
            ErrorCode::InvalidInput,
            "measurement",
        ),
        (
            DeleteDataReq {
                drop_measurement: true,
                ..req(&db, "cpu", Some("host = \"a\""), None, None)
            },
            ErrorCode::InvalidInput,
            "takes all of it",
        ),
    ];
    for (r, code, says) in cases {
        let mut r = r;
        r.dry_run = false;
        let e = delete::delete(&c, &Actor::User, r.clone())
            .await
            .unwrap_err();
        assert_eq!(e.code(), code, "{r:?}: {}", e.message());
        assert!(e.message().contains(says), "{r:?}: {}", e.message());
    }
    // An assistant under a read-only session may look (dry run) but not delete.
    c.set_assistant_read_only(true);
    let bot = Actor::Assistant {
        client: "test".into(),
    };
    let dry = delete::delete(&c, &bot, req(&db, "cpu", Some("host = \"a\""), None, None))
        .await
        .unwrap();
    assert_eq!((dry.series, dry.points), (Some(1), Some(10)));
    let mut r = req(&db, "cpu", Some("host = \"a\""), None, None);
    r.dry_run = false;
    let e = delete::delete(&c, &bot, r).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden, "{}", e.message());
    assert_eq!(
        cpu_per_host(&c, &db).await,
        [("a".into(), 10), ("b".into(), 10), ("c".into(), 10)],
        "nothing was deleted"
    );
}
