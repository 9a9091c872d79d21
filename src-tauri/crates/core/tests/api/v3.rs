//! The service layer against a real InfluxDB 3 Core (3.10, from `../shared/servers`, started
//! once per test binary by `influxdesk_testkit::influxdb3`, auth off and on): detection, SQL
//! and InfluxQL, writes, databases with retention, the schema browser and the token model (the
//! rest in `v3_explore` and `v3_catalog`). Without the binary every test here says SKIPPED and
//! passes.

use std::sync::Arc;

use chrono::Utc;
use influxdesk_core::api::{buckets, profiles, query, schema, write};
use influxdesk_core::model::*;
use influxdesk_core::{Actor, Ctx, ErrorCode};
use influxdesk_testkit::influxdb3::{self, Influxdb3};
use serde_json::json;

use crate::harness::{add, ctx, fields};

/// A context with a v3 profile on `s` (its admin token when auth is on), default database `db`.
pub async fn v3_ctx(s: &Influxdb3, db: &str) -> Arc<Ctx> {
    let c = ctx();
    add(
        &c,
        ProfileFields {
            database: Some(db.into()),
            ..fields("core3", &s.url, ApiKind::V3)
        },
        s.token.as_deref(),
    )
    .await;
    c
}

pub fn sql(db: &str, text: &str) -> RunQueryReq {
    RunQueryReq {
        profile: None,
        language: Some(QueryLanguage::Sql),
        database: Some(db.into()),
        query: text.into(),
        row_limit: None,
        time_range: None,
        query_id: None,
    }
}

pub fn influxql(db: &str, text: &str) -> RunQueryReq {
    RunQueryReq {
        language: Some(QueryLanguage::Influxql),
        ..sql(db, text)
    }
}

pub async fn write_lines(c: &Ctx, db: &str, precision: Precision, lines: String) {
    write::write(
        c,
        &Actor::User,
        WriteReq {
            profile: None,
            bucket: Some(db.into()),
            precision,
            lines,
        },
    )
    .await
    .expect("writing to InfluxDB 3 must work");
}

/// A database with known data: cpu (2 hosts, 10-minute points over the last hour, one point
/// two days old) and iot. Returns the newest point's time (whole seconds).
pub async fn seeded(c: &Ctx, db: &str) -> i64 {
    let now = Utc::now().timestamp();
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
    lines.push(format!(
        "cpu,host=web-01,region=eu usage=99.5,cores=4i {}",
        base - 2 * 86_400
    ));
    write_lines(c, db, Precision::S, lines.join("\n")).await;
    base
}

pub fn strings(r: &QueryResult, col: &str) -> Vec<String> {
    r.frames
        .iter()
        .filter_map(|f| f.column(col))
        .flat_map(|c| {
            c.values
                .to_vec()
                .into_iter()
                .filter_map(|v| v.as_str().map(str::to_string))
        })
        .collect()
}

#[tokio::test]
async fn auto_detects_core_and_lists_its_databases() {
    let Some(s) = influxdb3::open() else { return };
    let lease = s.database("detect").await;
    let db = lease.name.clone();
    let c = ctx();
    add(&c, fields("core3", &s.url, ApiKind::Auto), None).await;
    write_lines(&c, &db, Precision::S, "m v=1".into()).await;
    let info = profiles::test(&c, &Actor::User, TestProfileReq::Saved { profile: None })
        .await
        .unwrap();
    assert_eq!(info.api, ApiKind::V3, "3 Core answers /ping 200 with JSON");
    assert!(info.version.starts_with("3."), "version: {}", info.version);
    assert!(info.product.contains("Core"), "product: {}", info.product);
    assert!(info.databases.contains(&db), "{:?}", info.databases);
    assert!(
        !info.databases.iter().any(|d| d == "_internal"),
        "the server's own _internal database is not a user's database"
    );
}

#[tokio::test]
async fn writes_then_reads_back_exact_values_in_sql_and_influxql() {
    let Some(s) = influxdb3::open() else { return };
    let lease = s.database("exact").await;
    let db = lease.name.clone();
    let c = v3_ctx(s, &db).await;
    // Recent enough for any retention; nanoseconds kept.
    let t0 = (Utc::now().timestamp() - 120) * 1_000_000_000 + 123_456_789;
    let t1 = t0 + 60_000_000_000 - 123_456_789;
    let lines = format!(
        "weather,city=Oslo,station=a\\ b temp=-3.25,hum=81i,note=\"snow, light\",ok=true {t0}\n\
         weather,city=Oslo,station=a\\ b temp=-2.5,hum=80i,note=\"clear\",ok=false {t1}"
    );
    let r = write::write(
        &c,
        &Actor::User,
        WriteReq {
            profile: None,
            bucket: Some(db.clone()),
            precision: Precision::Ns,
            lines,
        },
    )
    .await
    .unwrap();
    assert_eq!((r.points, r.bucket.as_str()), (2, db.as_str()));
    let ts = |ns: i64| {
        chrono::DateTime::from_timestamp_nanos(ns)
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
    };

    let res = query::run(
        &c,
        &Actor::User,
        sql(
            &db,
            "SELECT time, station, temp, hum, note, ok FROM weather ORDER BY time",
        ),
    )
    .await
    .unwrap();
    assert_eq!(res.language, QueryLanguage::Sql);
    assert_eq!((res.rows, res.truncated), (2, false));
    let f = &res.frames[0];
    let col = |n: &str| f.column(n).unwrap_or_else(|| panic!("column {n}"));
    assert_eq!(col("time").kind, ColumnType::Time);
    assert_eq!(
        col("time").values,
        vec![json!(ts(t0)), json!(ts(t1))],
        "nanoseconds kept"
    );
    assert_eq!(
        col("station").values,
        vec![json!("a b"), json!("a b")],
        "escaped space round-trips"
    );
    assert_eq!(col("temp").values, vec![json!(-3.25), json!(-2.5)]);
    assert_eq!(col("temp").kind, ColumnType::Float);
    assert_eq!(col("hum").values, vec![json!(81), json!(80)]);
    assert_eq!(col("hum").kind, ColumnType::Integer);
    assert_eq!(
        col("note").values,
        vec![json!("snow, light"), json!("clear")]
    );
    assert_eq!(col("ok").values, vec![json!(true), json!(false)]);
    assert_eq!(col("ok").kind, ColumnType::Boolean);

    // (No aggregates: the 3.10 Core build here cannot plan them over a table, see
    // `influx::schema`; InfluxQL reads the same rows.)
    let iql = query::run(
        &c,
        &Actor::User,
        influxql(&db, "SELECT temp, hum, note FROM weather"),
    )
    .await
    .unwrap();
    assert_eq!(iql.language, QueryLanguage::Influxql);
    let f = &iql.frames[0];
    assert_eq!(f.name, "weather", "iox::measurement names the frame");
    assert_eq!(
        f.column("time").unwrap().values,
        vec![json!(ts(t0)), json!(ts(t1))]
    );
    assert_eq!(
        f.column("temp").unwrap().values,
        vec![json!(-3.25), json!(-2.5)]
    );
    assert_eq!(f.column("hum").unwrap().values, vec![json!(81), json!(80)]);

    let e = query::run(&c, &Actor::User, sql(&db, "SELEC nope"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::QuerySyntax, "{}", e.message());
    assert!(
        e.message().contains("400"),
        "the server's status: {}",
        e.message()
    );
    let e = query::run(&c, &Actor::User, sql(&db, "SELECT * FROM no_such_table"))
        .await
        .unwrap_err();
    assert!(
        e.message().contains("no_such_table"),
        "the server's text stays: {}",
        e.message()
    );
}

#[tokio::test]
async fn precisions_and_row_limit() {
    let Some(s) = influxdb3::open() else { return };
    let lease = s.database("prec").await;
    let db = lease.name.clone();
    let c = v3_ctx(s, &db).await;
    let t = Utc::now().timestamp() - 60;
    write_lines(&c, &db, Precision::S, format!("m,p=s v=1 {t}")).await;
    write_lines(
        &c,
        &db,
        Precision::Ms,
        format!("m,p=ms v=2 {}", t * 1000 + 500),
    )
    .await;
    write_lines(
        &c,
        &db,
        Precision::Us,
        format!("m,p=us v=3 {}", t * 1_000_000 + 250),
    )
    .await;
    let r = query::run(
        &c,
        &Actor::User,
        sql(&db, "SELECT p, time FROM m ORDER BY p"),
    )
    .await
    .unwrap();
    let at = |frac: &str| {
        format!(
            "{}{frac}Z",
            chrono::DateTime::from_timestamp(t, 0)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%S")
        )
    };
    assert_eq!(strings(&r, "p"), vec!["ms", "s", "us"]);
    assert_eq!(
        strings(&r, "time"),
        vec![at(".500"), at(""), at(".000250")],
        "each precision lands on its instant"
    );

    let lines: Vec<String> = (0..50).map(|i| format!("n v={i} {}", t - i)).collect();
    write_lines(&c, &db, Precision::S, lines.join("\n")).await;
    let r = query::run(
        &c,
        &Actor::User,
        RunQueryReq {
            row_limit: Some(7),
            ..sql(&db, "SELECT v FROM n")
        },
    )
    .await
    .unwrap();
    assert_eq!((r.rows, r.truncated), (7, true), "capped and says so");
}

#[tokio::test]
async fn databases_with_retention_create_update_delete() {
    let Some(s) = influxdb3::open() else { return };
    let lease = s.database("ret").await;
    let db = lease.name.clone();
    let c = v3_ctx(s, &db).await;
    let b = buckets::create(
        &c,
        &Actor::User,
        CreateBucketReq {
            profile: None,
            name: db.clone(),
            retention_period: Some("7d".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .bucket;
    assert_eq!(
        (b.retention.as_str(), b.retention_seconds),
        ("7d", Some(604_800)),
        "the server keeps 7d and we read it back (from system.databases)"
    );
    let listed = buckets::list(&c, None).await.unwrap();
    let mine = listed.iter().find(|b| b.name == db).expect("listed");
    assert_eq!(mine.retention, "7d");
    let e = buckets::create(
        &c,
        &Actor::User,
        CreateBucketReq {
            profile: None,
            name: db.clone(),
            retention_period: None,
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict, "{}", e.message());

    let upd = |r: &str| UpdateBucketReq {
        profile: None,
        name: db.clone(),
        retention_period: Some(r.into()),
        ..Default::default()
    };
    let b = buckets::update(&c, &Actor::User, upd("30d"))
        .await
        .unwrap()
        .bucket;
    assert_eq!(
        (b.retention.as_str(), b.retention_seconds),
        ("30d", Some(2_592_000))
    );
    let b = buckets::update(&c, &Actor::User, upd("inf"))
        .await
        .unwrap()
        .bucket;
    assert_eq!(
        (b.retention.as_str(), b.retention_seconds),
        ("forever", None),
        "removing the retention period keeps data forever"
    );

    let forever_lease = s.database("forever").await;
    let forever = forever_lease.name.clone();
    let b = buckets::create(
        &c,
        &Actor::User,
        CreateBucketReq {
            profile: None,
            name: forever.clone(),
            retention_period: None,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(b.bucket.retention, "forever");

    buckets::delete(
        &c,
        &Actor::User,
        DeleteBucketReq {
            profile: None,
            name: db.clone(),
        },
    )
    .await
    .unwrap();
    let names: Vec<String> = buckets::list(&c, None)
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.name)
        .collect();
    assert!(
        !names.iter().any(|n| n.starts_with(&db)),
        "a soft-deleted database is not listed as live: {names:?}"
    );
    assert!(names.contains(&forever));
    assert!(
        !schema::databases(&c, SchemaReq::default())
            .await
            .unwrap()
            .iter()
            .any(|n| n.starts_with(&db)),
        "nor in the schema browser"
    );
    let e = buckets::delete(
        &c,
        &Actor::User,
        DeleteBucketReq {
            profile: None,
            name: db.clone(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound, "{}", e.message());
    let e = buckets::create(
        &c,
        &Actor::User,
        CreateBucketReq {
            profile: None,
            name: "under_score".into(),
            retention_period: None,
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
}

#[tokio::test]
async fn schema_browser_lists_tables_tags_and_typed_fields() {
    let Some(s) = influxdb3::open() else { return };
    let lease = s.database("schema").await;
    let db = lease.name.clone();
    let c = v3_ctx(s, &db).await;
    seeded(&c, &db).await;
    let sreq = SchemaReq {
        database: Some(db.clone()),
        ..SchemaReq::default()
    };
    assert!(
        schema::databases(&c, SchemaReq::default())
            .await
            .unwrap()
            .contains(&db)
    );
    assert_eq!(
        schema::measurements(&c, sreq.clone()).await.unwrap(),
        vec!["cpu", "iot"],
        "the database's tables, not the system ones"
    );
    let m = |name: &str| SchemaReq {
        measurement: Some(name.into()),
        ..sreq.clone()
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
        "search text is literal"
    );
    let kinds = |fk: Vec<FieldKey>| -> Vec<(String, ColumnType)> {
        fk.into_iter().map(|f| (f.name, f.kind)).collect()
    };
    assert_eq!(
        kinds(schema::field_keys(&c, m("iot")).await.unwrap()),
        vec![
            ("note".into(), ColumnType::String),
            ("ok".into(), ColumnType::Boolean),
            ("temp".into(), ColumnType::Float)
        ]
    );
    assert_eq!(
        kinds(schema::field_keys(&c, m("cpu")).await.unwrap()),
        vec![
            ("cores".into(), ColumnType::Integer),
            ("usage".into(), ColumnType::Float)
        ]
    );
}

#[tokio::test]
async fn auth_on_needs_the_admin_token_and_says_so() {
    let Some(s) = influxdb3::auth() else { return };
    let token = s.token.as_deref().expect("auth server has a token");
    let lease = s.database("auth").await;
    let db = lease.name.clone();
    let c = v3_ctx(s, &db).await;
    write_lines(&c, &db, Precision::S, "m v=1".into()).await;
    let r = query::run(&c, &Actor::User, sql(&db, "SELECT v FROM m"))
        .await
        .unwrap();
    assert_eq!(r.rows, 1, "the admin token reads");
    let info = profiles::test(&c, &Actor::User, TestProfileReq::Saved { profile: None })
        .await
        .unwrap();
    assert!(info.auth_ok && info.databases.contains(&db), "{info:?}");

    for (name, secret) in [("none", None), ("wrong", Some("apiv3_not-a-real-token"))] {
        let c = ctx();
        add(&c, fields(name, &s.url, ApiKind::V3), secret).await;
        let e = query::run(&c, &Actor::User, sql(&db, "SELECT v FROM m"))
            .await
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::Unauthorized, "{name}: {}", e.message());
        assert!(
            e.message().contains("influxdb3 create token --admin"),
            "a 401 on v3 says how to get a token: {}",
            e.message()
        );
        assert!(!e.message().contains(token), "never the token");
    }
}
