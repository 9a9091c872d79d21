//! The assistant policy in the service layer, against the real influxd: writes, bucket changes
//! and writing statements by an assistant follow the profile's policy (the user is never
//! asked), "ask" goes to the approver with a summary of the change, and an assistant's query
//! without a time range covers the last hour.

use std::sync::{Arc, Mutex};

use influxdesk_core::api::policy::{ApprovalFuture, Approver, Headless};
use influxdesk_core::api::{buckets, history, profiles, query, write};
use influxdesk_core::model::*;
use influxdesk_core::{Actor, Ctx, ErrorCode};

use crate::harness::{self, add, ctx, fields, unique_db};

fn assistant() -> Actor {
    Actor::Assistant {
        client: "policy-test".into(),
    }
}

fn write_req(db: &str, lines: &str) -> WriteReq {
    WriteReq {
        profile: None,
        bucket: Some(db.into()),
        precision: Precision::S,
        lines: lines.into(),
    }
}

fn run_req(db: &str, q: &str) -> RunQueryReq {
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

async fn setup(policy: AssistantPolicy) -> (Arc<Ctx>, String) {
    let c = ctx();
    let f = ProfileFields {
        assistant_policy: Some(policy),
        ..fields("local", &harness::open_server().url, ApiKind::V1)
    };
    add(&c, f, None).await;
    let db = unique_db("policy");
    query::run(
        &c,
        &Actor::User,
        run_req(&db, &format!("CREATE DATABASE {db}")),
    )
    .await
    .unwrap();
    (c, db)
}

async fn databases(c: &Ctx) -> Vec<String> {
    buckets::list(c, None)
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.name)
        .collect()
}

#[tokio::test]
async fn a_read_only_profile_refuses_assistant_writes_but_not_the_user() {
    let (c, db) = setup(AssistantPolicy::ReadOnly).await;
    let e = write::write(&c, &assistant(), write_req(&db, "m v=1 1700000000"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);
    assert!(
        e.message().contains("policy-test may not write 1 point to")
            && e.message().contains("Connections > edit"),
        "{}",
        e.message()
    );
    let other = unique_db("policy_new");
    let refused = [
        buckets::create(
            &c,
            &assistant(),
            CreateBucketReq {
                name: other.clone(),
                ..Default::default()
            },
        )
        .await
        .err(),
        buckets::update(
            &c,
            &assistant(),
            UpdateBucketReq {
                name: db.clone(),
                retention_period: Some("2h".into()),
                ..Default::default()
            },
        )
        .await
        .err(),
        buckets::delete(
            &c,
            &assistant(),
            DeleteBucketReq {
                name: db.clone(),
                ..Default::default()
            },
        )
        .await
        .err(),
    ];
    for e in refused {
        assert_eq!(e.map(|e| e.code()), Some(ErrorCode::Forbidden));
    }
    let dbs = databases(&c).await;
    assert!(dbs.contains(&db) && !dbs.contains(&other), "{dbs:?}");

    write::write(&c, &Actor::User, write_req(&db, "m v=1 1700000000"))
        .await
        .expect("the user is never refused");
    let p = profiles::resolve(&c, None).await.unwrap();
    let f = ProfileFields {
        assistant_policy: Some(AssistantPolicy::Allow),
        ..p.fields()
    };
    profiles::update(
        &c,
        &Actor::User,
        UpdateProfileReq {
            profile: p.id,
            fields: f,
            secret: SecretChange::Keep,
        },
    )
    .await
    .unwrap();
    write::write(&c, &assistant(), write_req(&db, "m v=2 1700000060"))
        .await
        .expect("allow lets the assistant write");
}

#[tokio::test]
async fn assistant_queries_only_read_under_every_policy() {
    // "allow" is the most permissive policy: query-data still only reads.
    let (c, db) = setup(AssistantPolicy::Allow).await;
    write::write(&c, &Actor::User, write_req(&db, "m v=1 1700000000"))
        .await
        .unwrap();
    for (q, kind) in [
        (format!("DROP DATABASE {db}"), format!("DROP DATABASE {db}")),
        (
            "SELECT v INTO m2 FROM m WHERE time > 0".to_string(),
            "SELECT ... INTO".to_string(),
        ),
        ("DELETE FROM m".into(), "DELETE FROM".into()),
        // The regex trick of issue 7: the server reads /'/ as a regex, so the DROP runs.
        (
            format!(
                "SELECT * FROM m GROUP BY /'/; DROP DATABASE {db}; SELECT * FROM m WHERE a = 'x'"
            ),
            format!("DROP DATABASE {db}"),
        ),
    ] {
        let e = query::run(&c, &assistant(), run_req(&db, &q))
            .await
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::Forbidden, "{q}");
        assert!(
            e.message().starts_with("query-data only reads")
                && e.message().contains(&format!("it has {kind}")),
            "{}",
            e.message()
        );
    }
    let mut flux = run_req(
        &db,
        "from(bucket: \"x\") |> range(start: -1h) |> to(bucket: \"y\")",
    );
    flux.language = Some(QueryLanguage::Flux);
    let e = query::run(&c, &assistant(), flux).await.unwrap_err();
    assert_eq!(
        e.code(),
        ErrorCode::Forbidden,
        "refused before the v1 server says it has no Flux"
    );
    assert!(databases(&c).await.contains(&db), "the database survived");
    let r = query::run(
        &c,
        &assistant(),
        run_req(&db, "SELECT v FROM m WHERE time > 0"),
    )
    .await
    .unwrap();
    assert_eq!(r.rows, 1, "the data survived, and reads work");

    let h = history::list(&c, ListHistoryReq::default()).await.unwrap();
    assert!(
        h.iter().any(|e| e.actor == "assistant:policy-test"
            && e.error
                .as_deref()
                .is_some_and(|m| m.starts_with("Forbidden: "))),
        "refusals are in the history"
    );
    query::run(
        &c,
        &Actor::User,
        run_req(&db, "SELECT v INTO m2 FROM m WHERE time > 0"),
    )
    .await
    .expect("the user runs writing statements");
}

/// Records what it was asked, and answers `yes`.
struct Recorder(Mutex<Vec<String>>, bool);

impl Approver for Recorder {
    fn approve<'a>(
        &'a self,
        actor: &'a Actor,
        p: &'a Profile,
        action: &'a str,
    ) -> ApprovalFuture<'a> {
        self.0
            .lock()
            .unwrap()
            .push(format!("{actor:?} on {}: {action}", p.name));
        Box::pin(std::future::ready(self.1))
    }
}

#[tokio::test]
async fn ask_goes_to_the_approver_with_what_would_change() {
    let (c, db) = setup(AssistantPolicy::Ask).await;
    let e = write::write(&c, &assistant(), write_req(&db, "m v=1 1700000000"))
        .await
        .unwrap_err();
    assert!(
        e.message().contains("--allow-writes"),
        "headless default: {}",
        e.message()
    );

    let no = Arc::new(Recorder(Mutex::default(), false));
    c.set_approver(no.clone());
    let e = query::run(
        &c,
        &assistant(),
        run_req(&db, &format!("DROP DATABASE {db}")),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);
    assert!(
        no.0.lock().unwrap().is_empty(),
        "a query that is not a read is refused outright, not offered for approval"
    );
    let e = write::write(&c, &assistant(), write_req(&db, "m v=1 1700000000"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden, "the user said no");
    assert_eq!(no.0.lock().unwrap().len(), 1, "the write was asked about");

    let yes = Arc::new(Recorder(Mutex::default(), true));
    c.set_approver(yes.clone());
    write::write(
        &c,
        &assistant(),
        write_req(&db, "m v=1 1700000000\nm v=2 1700000060"),
    )
    .await
    .expect("approved");
    buckets::delete(
        &c,
        &assistant(),
        DeleteBucketReq {
            name: db.clone(),
            ..Default::default()
        },
    )
    .await
    .expect("approved");
    let asked = yes.0.lock().unwrap().clone();
    assert_eq!(asked.len(), 2);
    assert!(
        asked[0].ends_with(&format!(
            "write 2 points to \"{db}\"\nm v=1 1700000000\nm v=2 1700000060"
        )),
        "the count and the points: {asked:?}"
    );
    assert!(
        asked[1].contains(&format!(
            "delete the database/bucket \"{db}\" and all its data on local ("
        )) && asked[1].ends_with(&format!(")\nDROP DATABASE \"{db}\"")),
        "the approver sees the summary and the exact statement: {asked:?}"
    );

    c.set_approver(Arc::new(Headless {
        allow_writes: false,
    }));
    c.set_assistant_read_only(true);
    let e = write::write(&c, &assistant(), write_req(&db, "m v=3 1700000120"))
        .await
        .unwrap_err();
    assert!(e.message().contains("--read-only"), "{}", e.message());
}

#[tokio::test]
async fn an_assistant_query_without_a_range_covers_the_last_hour() {
    let (c, db) = setup(AssistantPolicy::ReadOnly).await;
    let now = chrono::Utc::now().timestamp();
    write::write(
        &c,
        &Actor::User,
        write_req(&db, &format!("m v=1 1700000000\nm v=2 {now}")),
    )
    .await
    .unwrap();
    let r = query::run(&c, &assistant(), run_req(&db, "SELECT v FROM m"))
        .await
        .unwrap();
    assert_eq!(r.executed_query, "SELECT v FROM m WHERE time >= now() - 1h");
    assert_eq!(r.rows, 1, "only the recent point");
    let r = query::run(&c, &Actor::User, run_req(&db, "SELECT v FROM m"))
        .await
        .unwrap();
    assert_eq!(
        (r.executed_query.as_str(), r.rows),
        ("SELECT v FROM m", 2),
        "the user's query is as given (the GUI always sends its picker's range)"
    );
    let r = query::run(
        &c,
        &assistant(),
        run_req(&db, "SELECT v FROM m WHERE time > 0"),
    )
    .await
    .unwrap();
    assert_eq!(r.rows, 2, "an assistant's own time bound is kept");
    let mut templated = run_req(
        &db,
        "SELECT mean(v) FROM m WHERE $timeFilter GROUP BY time($interval)",
    );
    templated.language = Some(QueryLanguage::Influxql);
    let r = query::run(&c, &assistant(), templated).await.unwrap();
    assert!(
        r.executed_query.contains("time >= now() - 1h") && r.executed_query.contains("time(30s)"),
        "placeholders follow the default range: {}",
        r.executed_query
    );
}
