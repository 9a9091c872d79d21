//! The Data Explorer's service layer against the real influxd: schema lists, the builder's
//! queries, time ranges, cancel (killed on the server too), history, saved queries, exports.

use std::time::Duration;

use influxdesk_core::api::{export, history, query, schema, settings, write};
use influxdesk_core::model::*;
use influxdesk_core::{Actor, ErrorCode};
use serde_json::json;

use crate::harness::{self, add, ctx, fields, unique_db};

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

fn sreq(db: &str) -> SchemaReq {
    SchemaReq {
        database: Some(db.into()),
        ..SchemaReq::default()
    }
}

/// A database with known data: cpu (2 hosts, 10-minute points over the last hour) and iot.
async fn seeded() -> (std::sync::Arc<influxdesk_core::Ctx>, String, i64) {
    let s = harness::open_server();
    let c = ctx();
    add(&c, fields("local", &s.url, ApiKind::V1), None).await;
    let db = unique_db("explore");
    query::run(
        &c,
        &Actor::User,
        run_req(&db, &format!("CREATE DATABASE \"{db}\"")),
    )
    .await
    .unwrap();
    // Whole 10 minutes, the newest 10 minutes ago, so every point sits inside "last 1h".
    let now = chrono::Utc::now().timestamp();
    let base = (now / 600) * 600 - 600;
    let mut lines = Vec::new();
    for i in 0..5i64 {
        let t = base - i * 600;
        lines.push(format!(
            "cpu,host=web-01,region=eu usage=1{i}.5,cores=4i {t}"
        ));
        lines.push(format!(
            "cpu,host=db-01,region=us usage=2{i}.5,cores=8i {t}"
        ));
    }
    lines.push(format!(
        "iot,sensor=kitchen temp=21.5,ok=true,note=\"fine\" {base}"
    ));
    // Two days old: outside every range used below but 7d.
    lines.push(format!(
        "cpu,host=web-01,region=eu usage=99.0,cores=4i {}",
        base - 2 * 86_400
    ));
    crate::harness::write_s(&c, &db, &lines).await;
    (c, db, base)
}

#[tokio::test]
async fn schema_lists_match_the_server() {
    let (c, db, _) = seeded().await;
    assert!(
        schema::databases(&c, SchemaReq::default())
            .await
            .unwrap()
            .contains(&db)
    );
    assert_eq!(
        schema::measurements(&c, sreq(&db)).await.unwrap(),
        vec!["cpu", "iot"]
    );
    let m = |name: &str| SchemaReq {
        measurement: Some(name.into()),
        ..sreq(&db)
    };
    assert_eq!(
        schema::tag_keys(&c, m("cpu")).await.unwrap(),
        vec!["host", "region"]
    );
    let tv = |key: &str, search: Option<&str>| SchemaReq {
        tag_key: Some(key.into()),
        search: search.map(str::to_string),
        ..m("cpu")
    };
    assert_eq!(
        schema::tag_values(&c, tv("host", None)).await.unwrap(),
        vec!["db-01", "web-01"]
    );
    assert_eq!(
        schema::tag_values(&c, tv("host", Some("WEB")))
            .await
            .unwrap(),
        vec!["web-01"],
        "search is case-insensitive"
    );
    assert_eq!(
        schema::tag_values(&c, tv("host", Some("web.0")))
            .await
            .unwrap(),
        Vec::<String>::new(),
        "search text is literal, not a regex"
    );
    let fk = schema::field_keys(&c, m("iot")).await.unwrap();
    let got: Vec<(&str, ColumnType)> = fk.iter().map(|f| (f.name.as_str(), f.kind)).collect();
    assert_eq!(
        got,
        vec![
            ("note", ColumnType::String),
            ("ok", ColumnType::Boolean),
            ("temp", ColumnType::Float)
        ]
    );
    let fk = schema::field_keys(&c, m("cpu")).await.unwrap();
    assert_eq!(
        fk.iter()
            .map(|f| (f.name.as_str(), f.kind))
            .collect::<Vec<_>>(),
        vec![("cores", ColumnType::Integer), ("usage", ColumnType::Float)]
    );
    let e = schema::tag_keys(&c, sreq(&db)).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput, "no measurement picked");
}

#[tokio::test]
async fn builder_queries_run_over_the_time_range_with_exact_aggregates() {
    let (c, db, base) = seeded().await;
    let b = BuildQueryReq {
        language: QueryLanguage::Influxql,
        database: db.clone(),
        measurement: "cpu".into(),
        fields: vec!["usage".into()],
        tag_filters: vec![TagFilter {
            key: "host".into(),
            values: vec!["web-01".into()],
            negate: false,
        }],
        aggregate: Some(Aggregate::Mean),
        group_by_time: Some("30m".into()),
        group_by_tags: vec!["host".into()],
        fill: Fill::None,
    };
    let text = query::build(&b).unwrap();
    let mut req = run_req(&db, &text);
    req.time_range = Some(TimeRange::Relative {
        duration: "1h".into(),
    });
    let r = query::run(&c, &Actor::User, req).await.unwrap();
    assert!(
        r.executed_query.contains("time >= now() - 1h"),
        "{}",
        r.executed_query
    );
    assert_eq!(r.frames.len(), 1);
    assert_eq!(
        r.frames[0].tags.get("host").map(String::as_str),
        Some("web-01")
    );
    let means: Vec<f64> = r.frames[0]
        .column("usage")
        .unwrap()
        .values
        .iter()
        .filter_map(|v| v.as_f64())
        .collect();
    let total: f64 = means.iter().sum();
    assert!(!means.is_empty());
    // The five web-01 points over the last hour are 10.5 .. 14.5; buckets split them, the
    // count-weighted mean over all buckets is theirs.
    let all = query::run(
        &c,
        &Actor::User,
        RunQueryReq {
            time_range: Some(TimeRange::Relative {
                duration: "1h".into(),
            }),
            ..run_req(&db, "SELECT mean(usage) FROM cpu WHERE host = 'web-01'")
        },
    )
    .await
    .unwrap();
    assert_eq!(
        all.frames[0].column("mean").unwrap().values,
        vec![json!(12.5)],
        "the 2-day-old 99.0 is outside the range"
    );
    assert!(total > 0.0);

    // Absolute range: exactly the two points at `base` (one per host).
    let at = |t: i64| chrono::DateTime::from_timestamp(t, 0).unwrap().to_rfc3339();
    let abs = TimeRange::Absolute {
        from: at(base - 1),
        to: at(base + 1),
    };
    let r = query::run(
        &c,
        &Actor::User,
        RunQueryReq {
            time_range: Some(abs),
            ..run_req(&db, "SELECT usage FROM cpu WHERE $timeFilter GROUP BY host")
        },
    )
    .await
    .unwrap();
    assert_eq!(r.rows, 2);
    // 7 days: the old point is back.
    let r = query::run(
        &c,
        &Actor::User,
        RunQueryReq {
            time_range: Some(TimeRange::Relative {
                duration: "7d".into(),
            }),
            ..run_req(&db, "SELECT max(usage) FROM cpu")
        },
    )
    .await
    .unwrap();
    // (1.x JSON writes the float 99.0 as 99.)
    assert_eq!(
        r.frames[0].column("max").unwrap().value(0).as_f64(),
        Some(99.0)
    );
}

#[tokio::test]
async fn cancel_stops_a_long_query_on_the_server_too() {
    let s = harness::open_server();
    let c = ctx();
    add(&c, fields("local", &s.url, ApiKind::V1), None).await;
    let db = unique_db("slow");
    query::run(
        &c,
        &Actor::User,
        run_req(&db, &format!("CREATE DATABASE \"{db}\"")),
    )
    .await
    .unwrap();
    // Points 26 years apart and 10 s buckets with fill(null): ~80M buckets, a long query.
    write::write(
        &c,
        &Actor::User,
        WriteReq {
            profile: None,
            bucket: Some(db.clone()),
            precision: Precision::S,
            lines: "m v=1 946684800\nm v=2 1700000000".into(),
        },
    )
    .await
    .unwrap();
    let mut req = run_req(
        &db,
        "SELECT count(v) FROM m WHERE time >= 946684800s GROUP BY time(10s) fill(null)",
    );
    req.query_id = Some("slow-1".into());
    // A cap far above what arrives before the cancel: the read must not end at the row cap
    // (and kill the query itself) before the user cancels.
    req.row_limit = Some(100_000_000);
    let c2 = c.clone();
    let running = tokio::spawn(async move { query::run(&c2, &Actor::User, req).await });
    // Cancel once the server says it runs it (a condition, not a time).
    let mut seen = false;
    for _ in 0..400 {
        let q = query::run(&c, &Actor::User, run_req(&db, "SHOW QUERIES"))
            .await
            .unwrap();
        seen = q
            .frames
            .iter()
            .filter_map(|f| f.column("query"))
            .flat_map(|c| c.values.to_vec())
            .any(|v| v.as_str().is_some_and(|t| t.contains("count(v) FROM m")));
        if seen {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(seen, "the slow query shows in SHOW QUERIES");
    assert!(
        query::cancel(&c, &Actor::User, "slow-1").await.unwrap(),
        "the query was running"
    );
    let e = tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("cancel returns promptly")
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Cancelled);
    assert!(
        e.message().contains("stopped on the server"),
        "{}",
        e.message()
    );
    let mut gone = false;
    for _ in 0..20 {
        let q = query::run(&c, &Actor::User, run_req(&db, "SHOW QUERIES"))
            .await
            .unwrap();
        let texts: Vec<String> = q
            .frames
            .iter()
            .filter_map(|f| f.column("query"))
            .flat_map(|c| c.values.to_vec())
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        // (The server lists it normalized: `fill(null)` dropped, times rewritten.)
        if !texts.iter().any(|t| t.contains("count(v) FROM m")) {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(gone, "KILL QUERY removed it from SHOW QUERIES");
    assert!(
        !query::cancel(&c, &Actor::User, "slow-1").await.unwrap(),
        "nothing left to cancel"
    );
}

/// Queries that run at once are all in the history, once each (they are written in batches
/// off the query's path), and what is still queued is written when the context goes (or its
/// flush task ends): a new context on the same config dir finds it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_queries_all_reach_the_history_and_outlive_the_context() {
    let (c, db, _) = seeded().await;
    let texts: Vec<String> = (1..=40)
        .map(|i| format!("SELECT usage FROM cpu LIMIT {i}"))
        .collect();
    let runs: Vec<_> = texts
        .iter()
        .map(|q| {
            let (c, req) = (c.clone(), run_req(&db, q));
            tokio::spawn(async move { query::run(&c, &Actor::User, req).await })
        })
        .collect();
    for r in runs {
        r.await.unwrap().unwrap();
    }
    let seen = history::list(
        &c,
        ListHistoryReq {
            limit: Some(1000),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    for q in &texts {
        let n = seen.iter().filter(|e| &e.query == q).count();
        assert_eq!(n, 1, "{q} is in the history once ({n} times)");
    }

    let last = "SELECT usage FROM cpu LIMIT 41";
    query::run(&c, &Actor::User, run_req(&db, last))
        .await
        .unwrap();
    let config = c.config_dir().to_path_buf();
    let data = c.data_dir().to_path_buf();
    drop(c);
    // The flush task may still hold the context for a moment: wait for the file (a
    // condition), then read it through a new context.
    let file = config.join(influxdesk_core::store::HISTORY_LOG);
    for _ in 0..300 {
        if std::fs::read_to_string(&file).is_ok_and(|t| t.contains(last)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let again = influxdesk_core::Ctx::new(influxdesk_core::CtxOptions {
        config_dir: config,
        data_dir: data,
        secrets: influxdesk_core::secrets::SecretStore::memory(),
        env_profile: None,
    });
    let h = history::list(&again, ListHistoryReq::default())
        .await
        .unwrap();
    assert_eq!(
        h[0].query, last,
        "the last query, written when its context went"
    );
}

#[tokio::test]
async fn history_saved_queries_exports_and_row_limit() {
    let (c, db, _) = seeded().await;
    let mut ok = run_req(&db, "SELECT usage FROM cpu GROUP BY host");
    ok.query_id = Some("tab-1".into());
    ok.time_range = Some(TimeRange::Relative {
        duration: "1h".into(),
    });
    let r = query::run(&c, &Actor::User, ok).await.unwrap();
    assert_eq!(r.rows, 10);
    let _ = query::run(&c, &Actor::User, run_req(&db, "SELEC nope"))
        .await
        .unwrap_err();

    let h = history::list(&c, ListHistoryReq::default()).await.unwrap();
    assert_eq!(h[0].query, "SELEC nope", "newest first");
    assert!(
        h[0].error.as_deref().unwrap().starts_with("QuerySyntax"),
        "{:?}",
        h[0].error
    );
    assert_eq!(h[1].rows, 10);
    assert_eq!(
        h[1].time_range,
        Some(TimeRange::Relative {
            duration: "1h".into()
        })
    );
    let found = history::list(
        &c,
        ListHistoryReq {
            search: Some("group by HOST".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(found.iter().all(|e| e.query.contains("GROUP BY host")) && !found.is_empty());

    let sq = SaveQueryReq {
        name: "Busy hosts".into(),
        language: QueryLanguage::Influxql,
        database: Some(db.clone()),
        query: "SELECT max(usage) FROM cpu".into(),
    };
    let a = history::save(&c, &Actor::User, sq.clone()).await.unwrap();
    let b = history::save(
        &c,
        &Actor::User,
        SaveQueryReq {
            query: "SELECT min(usage) FROM cpu".into(),
            ..sq
        },
    )
    .await
    .unwrap();
    assert_eq!(a.id, b.id, "same name replaces");
    assert_eq!(history::saved(&c).await.unwrap().len(), 1);
    history::delete_saved(&c, &Actor::User, "busy hosts")
        .await
        .unwrap();
    assert!(history::saved(&c).await.unwrap().is_empty());

    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("out.csv");
    let e = export::result(
        &c,
        &Actor::User,
        export::ExportReq {
            query_id: "tab-1".into(),
            format: ExportFormat::Csv,
            path: Some(csv_path.display().to_string()),
        },
    )
    .await
    .unwrap();
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    assert_eq!(e.bytes, csv.len());
    assert!(csv.starts_with("name,host,time,usage\n"), "{csv}");
    assert_eq!(csv.lines().count(), 11, "header + 10 rows");
    let lp_path = dir.path().join("out.lp");
    export::result(
        &c,
        &Actor::User,
        export::ExportReq {
            query_id: "tab-1".into(),
            format: ExportFormat::LineProtocol,
            path: Some(lp_path.display().to_string()),
        },
    )
    .await
    .unwrap();
    let points = influxdesk_core::influx::lineproto::parse_batch(
        &std::fs::read_to_string(&lp_path).unwrap(),
    )
    .unwrap();
    assert_eq!(points.len(), 10);
    assert!(
        points
            .iter()
            .all(|p| p.measurement == "cpu" && p.tags.contains_key("host"))
    );
    let e = export::result(
        &c,
        &Actor::User,
        export::ExportReq {
            query_id: "never-ran".into(),
            format: ExportFormat::Json,
            path: None,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound);

    settings::update(&c, &Actor::User, UserSettings { row_limit: 3 })
        .await
        .unwrap();
    let r = query::run(&c, &Actor::User, run_req(&db, "SELECT usage FROM cpu"))
        .await
        .unwrap();
    assert_eq!(
        (r.rows, r.truncated, r.row_limit),
        (3, true, 3),
        "the setting caps results and says so"
    );
    assert_eq!(
        settings::update(&c, &Actor::User, UserSettings { row_limit: 0 })
            .await
            .unwrap_err()
            .code(),
        ErrorCode::InvalidInput
    );
}
