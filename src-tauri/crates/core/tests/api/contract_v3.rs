//! InfluxDB 3 Core contract tests: the service layer against the spec-checking stub
//! (`influxdb3-core.yml`). Every request must conform to the spec; answers are the spec's
//! documented shapes, scripted with what real 3.x servers send.

use std::sync::Arc;

use influxdesk_core::api::{profiles, query, write};
use influxdesk_core::model::*;
use influxdesk_core::{Actor, Ctx, ErrorCode};
use influxdesk_testkit::spec_stub::{Recorded, Spec, SpecStub};
use serde_json::{Value, json};

use crate::harness::{add, ctx, fields};

const TOKEN: &str = "apiv3_contract-Token_0xQ9";

/// A context whose active profile points at the stub: database `database`, token.
async fn v3_ctx(stub: &SpecStub, api: ApiKind, database: Option<&str>) -> Arc<Ctx> {
    let c = ctx();
    let f = ProfileFields {
        database: database.map(str::to_string),
        ..fields("v3-stub", &stub.url(), api)
    };
    add(&c, f, Some(TOKEN)).await;
    c
}

fn the_request<'a>(reqs: &'a [Recorded], method: &str, path: &str) -> &'a Recorded {
    let found: Vec<&Recorded> = reqs
        .iter()
        .filter(|r| r.method == method && r.path == path)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "exactly one {method} {path} expected; got {reqs:#?}"
    );
    found[0]
}

fn assert_auth(r: &Recorded, scheme: &str) {
    assert_eq!(
        r.header("authorization"),
        Some(format!("{scheme} {TOKEN}").as_str()),
        "{} {} must carry `Authorization: {scheme} <t>`",
        r.method,
        r.path
    );
}

fn q(language: Option<QueryLanguage>, db: Option<&str>, text: &str) -> RunQueryReq {
    RunQueryReq {
        profile: None,
        language,
        database: db.map(str::to_string),
        query: text.into(),
        row_limit: None,
        time_range: None,
        query_id: None,
    }
}

fn w(precision: Precision, lines: &str) -> WriteReq {
    WriteReq {
        profile: None,
        bucket: None,
        precision,
        lines: lines.into(),
    }
}

#[tokio::test]
async fn auto_detects_v3_core_and_lists_databases_in_both_shapes_contract() {
    let stub = SpecStub::start(Spec::V3).await;
    // Real 3.x (`format=json`): an array of row objects, with `_internal`.
    stub.respond(
        "GET",
        "/api/v3/configure/database",
        200,
        "application/json",
        r#"[{"iox::database":"_internal"},{"iox::database":"sensors"},{"iox::database":"factory"}]"#,
    );
    let c = v3_ctx(&stub, ApiKind::Auto, Some("sensors")).await;

    // /ping is the stub's default: the spec's 200 with x-influxdb-version 3.8.0, build Core.
    let info = profiles::test(&c, &Actor::User, TestProfileReq::Saved { profile: None })
        .await
        .unwrap();
    assert_eq!(info.api, ApiKind::V3);
    assert!(info.product.contains("3 Core"), "{}", info.product);
    assert_eq!(info.version, "3.8.0");
    assert_eq!(
        info.databases,
        vec!["sensors", "factory"],
        "_internal is hidden"
    );
    assert!(info.auth_ok);

    let reqs = stub.requests();
    let ping = the_request(&reqs, "GET", "/ping");
    assert!(
        ping.header("authorization").is_some(),
        "3 Core requires auth on /ping by default"
    );
    let dbs = the_request(&reqs, "GET", "/api/v3/configure/database");
    assert_auth(dbs, "Bearer");
    assert_eq!(dbs.query_param("format"), Some("json"));
    stub.assert_conforms();

    // The spec's documented shape (ShowDatabasesResponse).
    stub.respond(
        "GET",
        "/api/v3/configure/database",
        200,
        "application/json",
        r#"{"databases":["sensors","factory"]}"#,
    );
    let info = profiles::test(&c, &Actor::User, TestProfileReq::Saved { profile: None })
        .await
        .unwrap();
    assert_eq!(info.databases, vec!["sensors", "factory"]);
    stub.assert_conforms();
}

const SQL_ROWS: &str = "{\"city\":\"Oslo\",\"hum\":81,\"temp\":-3.25,\"time\":\"2023-11-14T22:13:20.123456789\"}\n\
{\"city\":\"Oslo\",\"hum\":80,\"temp\":-2.5,\"time\":\"2023-11-14T22:14:20\"}\n\
{\"city\":\"Bergen\",\"temp\":4.0,\"time\":\"2023-11-14T22:13:20\"}\n";

#[tokio::test]
async fn sql_query_posts_json_and_reads_jsonl_rows_contract() {
    let stub = SpecStub::start(Spec::V3).await;
    stub.respond(
        "POST",
        "/api/v3/query_sql",
        200,
        "application/jsonl",
        SQL_ROWS,
    );
    let c = v3_ctx(&stub, ApiKind::V3, Some("sensors")).await;
    let text = "SELECT city, hum, temp, time FROM weather WHERE time >= '2023-11-14T00:00:00Z' ORDER BY time";

    let res = query::run(&c, &Actor::User, q(Some(QueryLanguage::Sql), None, text))
        .await
        .unwrap();
    assert_eq!(res.language, QueryLanguage::Sql);
    assert_eq!(res.frames.len(), 1, "one result set, one frame");
    assert_eq!(res.rows, 3);
    assert!(!res.truncated);
    let f = &res.frames[0];
    let time = f.column("time").unwrap();
    assert_eq!(time.kind, ColumnType::Time);
    assert_eq!(
        time.values,
        vec![
            json!("2023-11-14T22:13:20.123456789Z"),
            json!("2023-11-14T22:14:20Z"),
            json!("2023-11-14T22:13:20Z")
        ]
    );
    let temp = f.column("temp").unwrap();
    assert_eq!(temp.kind, ColumnType::Float);
    assert_eq!(temp.values, vec![json!(-3.25), json!(-2.5), json!(4.0)]);
    let hum = f.column("hum").unwrap();
    assert_eq!(hum.kind, ColumnType::Integer);
    assert_eq!(
        hum.values,
        vec![json!(81), json!(80), Value::Null],
        "a missing cell is null"
    );
    let city = f.column("city").unwrap();
    assert_eq!(city.kind, ColumnType::String);
    assert_eq!(
        city.values,
        vec![json!("Oslo"), json!("Oslo"), json!("Bergen")]
    );
    assert_eq!(f.columns.len(), 4);

    let reqs = stub.requests();
    let r = the_request(&reqs, "POST", "/api/v3/query_sql");
    assert_auth(r, "Bearer");
    assert!(
        r.query.is_empty(),
        "everything goes in the body: {:?}",
        r.query
    );
    // The spec lists `Accept: application/jsonl`, but the real 3 Core (3.10) refuses it (400
    // invalid mime type): we send `application/json` (also in the spec's enum) and `format`.
    assert_eq!(r.header("accept"), Some("application/json"));
    assert!(
        r.header("content-type")
            .unwrap_or_default()
            .starts_with("application/json")
    );
    let body: Value = serde_json::from_slice(&r.body).expect("JSON body");
    assert_eq!(body, json!({"db": "sensors", "q": text, "format": "jsonl"}));
    stub.assert_conforms();
}

#[tokio::test]
async fn influxql_on_v3_posts_to_query_influxql_contract() {
    let stub = SpecStub::start(Spec::V3).await;
    stub.respond(
        "POST",
        "/api/v3/query_influxql",
        200,
        "application/jsonl",
        "{\"iox::measurement\":\"weather\",\"time\":\"2023-11-14T22:13:20\",\"city\":\"Oslo\",\"temp\":-3.25}\n\
         {\"iox::measurement\":\"weather\",\"time\":\"2023-11-14T22:14:20.5\",\"city\":\"Oslo\",\"temp\":-2.5}\n",
    );
    let c = v3_ctx(&stub, ApiKind::V3, Some("sensors")).await;
    let text = "SELECT temp, city FROM weather WHERE time >= now() - 1h";

    let res = query::run(
        &c,
        &Actor::User,
        q(Some(QueryLanguage::Influxql), Some("factory"), text),
    )
    .await
    .unwrap();
    assert_eq!(res.language, QueryLanguage::Influxql);
    assert_eq!(res.frames.len(), 1);
    let f = &res.frames[0];
    assert_eq!(f.name, "weather", "iox::measurement names the frame");
    assert!(f.column("iox::measurement").is_none());
    assert_eq!(f.column("time").unwrap().kind, ColumnType::Time);
    assert_eq!(
        f.column("time").unwrap().values,
        vec![
            json!("2023-11-14T22:13:20Z"),
            json!("2023-11-14T22:14:20.500Z")
        ]
    );
    assert_eq!(
        f.column("temp").unwrap().values,
        vec![json!(-3.25), json!(-2.5)]
    );
    assert_eq!(
        f.column("city").unwrap().values,
        vec![json!("Oslo"), json!("Oslo")]
    );

    let reqs = stub.requests();
    let r = the_request(&reqs, "POST", "/api/v3/query_influxql");
    assert_auth(r, "Bearer");
    // The spec lists `Accept: application/jsonl`, but the real 3 Core (3.10) refuses it (400
    // invalid mime type): we send `application/json` (also in the spec's enum) and `format`.
    assert_eq!(r.header("accept"), Some("application/json"));
    let body: Value = serde_json::from_slice(&r.body).expect("JSON body");
    assert_eq!(
        body,
        json!({"db": "factory", "q": text, "format": "jsonl"}),
        "the request's database wins"
    );
    stub.assert_conforms();
}

#[tokio::test]
async fn auto_profile_probes_once_then_runs_sql_by_default_contract() {
    let stub = SpecStub::start(Spec::V3).await;
    stub.respond(
        "POST",
        "/api/v3/query_sql",
        200,
        "application/jsonl",
        SQL_ROWS,
    );
    let c = v3_ctx(&stub, ApiKind::Auto, Some("sensors")).await;
    for _ in 0..2 {
        let res = query::run(&c, &Actor::User, q(None, None, "SELECT * FROM weather"))
            .await
            .unwrap();
        assert_eq!(res.language, QueryLanguage::Sql, "3.x speaks SQL natively");
        assert_eq!(res.rows, 3);
    }
    let reqs = stub.requests();
    assert_eq!(
        reqs.iter().filter(|r| r.path == "/ping").count(),
        1,
        "the detected API is cached"
    );
    let sql: Vec<&Recorded> = reqs
        .iter()
        .filter(|r| r.path == "/api/v3/query_sql")
        .collect();
    assert_eq!(sql.len(), 2);
    for r in sql {
        assert_auth(r, "Bearer");
    }
    stub.assert_conforms();
}

#[tokio::test]
async fn a_query_without_a_database_is_refused_before_any_request_contract() {
    let stub = SpecStub::start(Spec::V3).await;
    let c = v3_ctx(&stub, ApiKind::V3, None).await;
    for lang in [QueryLanguage::Sql, QueryLanguage::Influxql] {
        let e = query::run(&c, &Actor::User, q(Some(lang), None, "SELECT 1"))
            .await
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput, "{e}");
        assert!(e.message().contains("database"), "{}", e.message());
    }
    assert!(
        stub.requests().is_empty(),
        "nothing may be sent: {:#?}",
        stub.requests()
    );
}

#[tokio::test]
async fn query_errors_map_to_codes_and_keep_the_server_text_contract() {
    let stub = SpecStub::start(Spec::V3).await;
    let c = v3_ctx(&stub, ApiKind::V3, Some("sensors")).await;
    let cases = [
        (
            400,
            "error while planning query: Error during planning: table 'public.iox.wether' not found",
            ErrorCode::QuerySyntax,
        ),
        (
            401,
            "the request was not authenticated",
            ErrorCode::Unauthorized,
        ),
        (403, "the request was not authorized", ErrorCode::Forbidden),
        (404, "database not found: nope", ErrorCode::NotFound),
    ];
    for (status, msg, code) in cases {
        stub.respond(
            "POST",
            "/api/v3/query_sql",
            status,
            "application/json",
            json!({"error": msg}).to_string(),
        );
        let e = query::run(
            &c,
            &Actor::User,
            q(Some(QueryLanguage::Sql), None, "SELECT * FROM wether"),
        )
        .await
        .unwrap_err();
        assert_eq!(e.code(), code, "{status}: {e}");
        assert!(
            e.message().contains(msg),
            "{status}: the server's message is kept: {}",
            e.message()
        );
        assert!(!e.message().contains(TOKEN));
    }
    stub.assert_conforms();
}

#[tokio::test]
async fn write_posts_line_protocol_to_write_lp_contract() {
    let stub = SpecStub::start(Spec::V3).await;
    let c = v3_ctx(&stub, ApiKind::V3, Some("sensors")).await;
    let lines = "weather,city=Oslo temp=-3.25,hum=81i 1699999999123456789\n\
                 weather,city=Bergen temp=4,note=\"rain, light\" 1699999999223456789";

    let r = write::write(&c, &Actor::User, w(Precision::Ns, lines))
        .await
        .unwrap();
    assert_eq!((r.points, r.bucket.as_str()), (2, "sensors"));

    let reqs = stub.requests();
    let req = the_request(&reqs, "POST", "/api/v3/write_lp");
    assert_auth(req, "Bearer");
    assert_eq!(req.query_param("db"), Some("sensors"));
    assert_eq!(req.query_param("precision"), Some("nanosecond"));
    assert_eq!(
        req.query_param("accept_partial"),
        Some("false"),
        "all or nothing, like the validation"
    );
    assert_eq!(
        req.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(
        req.body_text(),
        lines,
        "the body is the exact line protocol"
    );
    stub.assert_conforms();

    for (p, s) in [
        (Precision::Us, "microsecond"),
        (Precision::Ms, "millisecond"),
        (Precision::S, "second"),
    ] {
        let req = WriteReq {
            bucket: Some("factory".into()),
            ..w(p, "weather temp=1 1700000000")
        };
        let r = write::write(&c, &Actor::User, req).await.unwrap();
        assert_eq!(r.bucket, "factory");
        let last = stub.requests().last().cloned().unwrap();
        assert_eq!(last.query_param("precision"), Some(s));
        assert_eq!(last.query_param("db"), Some("factory"));
    }
    stub.assert_conforms();
}

#[tokio::test]
async fn write_errors_map_to_codes_and_keep_the_server_text_contract() {
    let stub = SpecStub::start(Spec::V3).await;
    let c = v3_ctx(&stub, ApiKind::V3, Some("sensors")).await;
    let cases = [
        (
            400,
            json!({"error": "parsing failed for write_lp endpoint", "data": {"original_line": "weather temp=1 17x", "line_number": 1, "error_message": "invalid timestamp"}}),
            ErrorCode::InvalidInput,
            "parsing failed for write_lp endpoint",
        ),
        (
            401,
            json!({"error": "the request was not authenticated", "data": null}),
            ErrorCode::Unauthorized,
            "not authenticated",
        ),
        (
            403,
            json!({"error": "the request was not authorized", "data": null}),
            ErrorCode::Forbidden,
            "not authorized",
        ),
        (
            422,
            json!({"error": "write buffer error: catalog update error: too many tables", "data": null}),
            ErrorCode::InvalidInput,
            "too many tables",
        ),
    ];
    for (status, body, code, text) in cases {
        stub.respond(
            "POST",
            "/api/v3/write_lp",
            status,
            "application/json",
            body.to_string(),
        );
        let e = write::write(
            &c,
            &Actor::User,
            w(Precision::Ns, "weather temp=1 1700000000000000000"),
        )
        .await
        .unwrap_err();
        assert_eq!(e.code(), code, "{status}: {e}");
        assert!(
            e.message().contains(text),
            "{status}: the server's message is kept: {}",
            e.message()
        );
        assert!(!e.message().contains(TOKEN), "no secret in errors");
    }
    assert_eq!(stub.requests().len(), 4);
    stub.assert_conforms();

    // A bad line never reaches the server.
    let e = write::write(
        &c,
        &Actor::User,
        w(Precision::Ns, "weather temp=1\nweather temp=abc"),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert!(e.message().contains("line 2"), "{}", e.message());
    assert_eq!(
        stub.requests().len(),
        4,
        "no request for a batch with a bad line"
    );
}

fn sql_bodies(stub: &SpecStub) -> Vec<Value> {
    stub.requests()
        .iter()
        .filter(|r| r.path == "/api/v3/query_sql")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

#[tokio::test]
async fn schema_browser_uses_information_schema_contract() {
    use influxdesk_core::api::schema;
    let stub = SpecStub::start(Spec::V3).await;
    let c = v3_ctx(&stub, ApiKind::V3, Some("sensors")).await;
    let req = SchemaReq {
        measurement: Some("home".into()),
        ..Default::default()
    };

    stub.respond(
        "POST",
        "/api/v3/query_sql",
        200,
        "application/jsonl",
        "{\"table_name\":\"home\"}\n{\"table_name\":\"weather\"}\n",
    );
    assert_eq!(
        schema::measurements(&c, req.clone()).await.unwrap(),
        vec!["home", "weather"]
    );

    let columns = "{\"column_name\":\"co\",\"data_type\":\"Int64\"}\n{\"column_name\":\"hum\",\"data_type\":\"Float64\"}\n\
                   {\"column_name\":\"room\",\"data_type\":\"Dictionary(Int32, Utf8)\"}\n{\"column_name\":\"time\",\"data_type\":\"Timestamp(Nanosecond, None)\"}\n";
    stub.respond(
        "POST",
        "/api/v3/query_sql",
        200,
        "application/jsonl",
        columns,
    );
    assert_eq!(
        schema::tag_keys(&c, req.clone()).await.unwrap(),
        vec!["room"],
        "Dictionary columns are tags"
    );
    let fk = schema::field_keys(&c, req.clone()).await.unwrap();
    assert_eq!(
        fk.iter()
            .map(|f| (f.name.as_str(), f.kind))
            .collect::<Vec<_>>(),
        vec![("co", ColumnType::Integer), ("hum", ColumnType::Float)]
    );

    stub.respond(
        "POST",
        "/api/v3/query_sql",
        200,
        "application/jsonl",
        "{\"value\":\"Kitchen\"}\n",
    );
    let tv = SchemaReq {
        tag_key: Some("room".into()),
        search: Some("kit".into()),
        limit: Some(20),
        ..req
    };
    assert_eq!(schema::tag_values(&c, tv).await.unwrap(), vec!["Kitchen"]);

    // Soft-deleted tables are looked up in `_internal`'s system.tables (the real 3.10 Core
    // keeps them in information_schema under a new name); the stub's rows are no such table.
    let bodies: Vec<Value> = sql_bodies(&stub)
        .into_iter()
        .filter(|b| b["db"] != json!("_internal"))
        .collect();
    assert!(
        bodies
            .iter()
            .all(|b| b["db"] == json!("sensors") && b["format"] == json!("jsonl"))
    );
    assert_eq!(
        bodies[0]["q"],
        json!(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'iox' ORDER BY table_name"
        )
    );
    let last = bodies.last().unwrap()["q"].as_str().unwrap().to_string();
    assert!(
        last.starts_with("SELECT DISTINCT \"room\" AS value FROM \"home\""),
        "{last}"
    );
    assert!(
        last.contains("\"room\" ILIKE '%kit%'") && last.ends_with("LIMIT 20"),
        "{last}"
    );
    for r in stub.requests() {
        assert_auth(&r, "Bearer");
    }
    stub.assert_conforms();
}

#[tokio::test]
async fn sql_time_range_bounds_the_query_contract() {
    let stub = SpecStub::start(Spec::V3).await;
    let c = v3_ctx(&stub, ApiKind::V3, Some("sensors")).await;
    stub.respond("POST", "/api/v3/query_sql", 200, "application/jsonl", "");
    let mut req = q(
        Some(QueryLanguage::Sql),
        None,
        "SELECT * FROM home ORDER BY time DESC LIMIT 5",
    );
    req.time_range = Some(TimeRange::Relative {
        duration: "15m".into(),
    });
    query::run(&c, &Actor::User, req).await.unwrap();
    assert_eq!(
        sql_bodies(&stub)[0]["q"],
        json!(
            "SELECT * FROM home WHERE time >= now() - interval '900 seconds' ORDER BY time DESC LIMIT 5"
        ),
        "an unbounded SELECT gets the picker's range"
    );
    stub.assert_conforms();
}
