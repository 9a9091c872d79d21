//! InfluxDB 2.x contract tests: the service layer against the spec-checking stub
//! (`influxdb-v2-oss.yml` + `influxdb-v2-v1compat.yml`). Every request must conform to the
//! spec; answers are the spec's documented shapes, scripted with realistic 2.x bodies.

use std::sync::Arc;

use influxdesk_core::api::{profiles, query, write};
use influxdesk_core::model::*;
use influxdesk_core::{Actor, Ctx, ErrorCode};
use influxdesk_testkit::spec_stub::{Recorded, Spec, SpecStub};
use serde_json::{Value, json};

use crate::harness::{add, ctx, fields};

const TOKEN: &str = "v2-contract-token_Zx81==";

/// A context whose active profile points at the stub: org "acme", bucket "metrics", token.
async fn v2_ctx(stub: &SpecStub, api: ApiKind) -> Arc<Ctx> {
    let c = ctx();
    let f = ProfileFields {
        org: Some("acme".into()),
        database: Some("metrics".into()),
        ..fields("v2-stub", &stub.url(), api)
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

fn assert_token_auth(r: &Recorded) {
    assert_eq!(
        r.header("authorization"),
        Some(format!("Token {TOKEN}").as_str()),
        "{} {} must carry `Authorization: Token <t>`",
        r.method,
        r.path
    );
}

fn flux(q: &str) -> RunQueryReq {
    RunQueryReq {
        profile: None,
        language: Some(QueryLanguage::Flux),
        database: None,
        query: q.into(),
        row_limit: None,
        time_range: None,
        query_id: None,
    }
}

fn influxql(q: &str, db: Option<&str>) -> RunQueryReq {
    RunQueryReq {
        profile: None,
        language: Some(QueryLanguage::Influxql),
        database: db.map(str::to_string),
        query: q.into(),
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

/// A 2.7 `GET /api/v2/buckets` answer (schema `Buckets`): a user bucket and the system ones.
const BUCKETS: &str = r#"{
  "links": {"self": "/api/v2/buckets?descending=false&limit=100&offset=0&org=acme"},
  "buckets": [
    {
      "id": "0a1b2c3d4e5f6071", "orgID": "9f8e7d6c5b4a3928", "type": "user",
      "name": "metrics", "description": "application metrics",
      "retentionRules": [{"type": "expire", "everySeconds": 2592000, "shardGroupDurationSeconds": 86400}],
      "schemaType": "implicit",
      "createdAt": "2024-05-01T10:00:00.000000Z", "updatedAt": "2024-05-01T10:00:00.000000Z",
      "links": {
        "labels": "/api/v2/buckets/0a1b2c3d4e5f6071/labels",
        "members": "/api/v2/buckets/0a1b2c3d4e5f6071/members",
        "org": "/api/v2/orgs/9f8e7d6c5b4a3928",
        "owners": "/api/v2/buckets/0a1b2c3d4e5f6071/owners",
        "self": "/api/v2/buckets/0a1b2c3d4e5f6071",
        "write": "/api/v2/write?org=9f8e7d6c5b4a3928&bucket=0a1b2c3d4e5f6071"
      },
      "labels": []
    },
    {
      "id": "1b2c3d4e5f607182", "orgID": "9f8e7d6c5b4a3928", "type": "system",
      "name": "_monitoring", "description": "System bucket for monitoring logs",
      "retentionRules": [{"type": "expire", "everySeconds": 604800, "shardGroupDurationSeconds": 86400}],
      "createdAt": "2024-05-01T09:59:00.000000Z", "updatedAt": "2024-05-01T09:59:00.000000Z",
      "links": {
        "labels": "/api/v2/buckets/1b2c3d4e5f607182/labels",
        "members": "/api/v2/buckets/1b2c3d4e5f607182/members",
        "org": "/api/v2/orgs/9f8e7d6c5b4a3928",
        "owners": "/api/v2/buckets/1b2c3d4e5f607182/owners",
        "self": "/api/v2/buckets/1b2c3d4e5f607182",
        "write": "/api/v2/write?org=9f8e7d6c5b4a3928&bucket=1b2c3d4e5f607182"
      },
      "labels": []
    },
    {
      "id": "2c3d4e5f60718293", "orgID": "9f8e7d6c5b4a3928", "type": "system",
      "name": "_tasks", "description": "System bucket for task logs",
      "retentionRules": [{"type": "expire", "everySeconds": 259200, "shardGroupDurationSeconds": 86400}],
      "createdAt": "2024-05-01T09:59:00.000000Z", "updatedAt": "2024-05-01T09:59:00.000000Z",
      "labels": []
    }
  ]
}"#;

#[tokio::test]
async fn auto_detects_v2_from_ping_headers_and_lists_buckets_contract() {
    let stub = SpecStub::start(Spec::V2).await;
    stub.respond_with_headers(
        "GET",
        "/ping",
        204,
        "",
        &[
            ("X-Influxdb-Version", "v2.7.11"),
            ("X-Influxdb-Build", "OSS"),
        ],
        "",
    );
    stub.respond("GET", "/api/v2/buckets", 200, "application/json", BUCKETS);
    let c = v2_ctx(&stub, ApiKind::Auto).await;

    let info = profiles::test(&c, &Actor::User, TestProfileReq::Saved { profile: None })
        .await
        .unwrap();
    assert_eq!(info.api, ApiKind::V2);
    assert_eq!(info.version, "v2.7.11");
    assert!(
        info.product.contains("2"),
        "product names 2.x: {}",
        info.product
    );
    assert_eq!(info.databases, vec!["metrics", "_monitoring", "_tasks"]);
    assert!(info.auth_ok);

    let reqs = stub.requests();
    let ping = the_request(&reqs, "GET", "/ping");
    assert_token_auth(ping);
    let buckets = the_request(&reqs, "GET", "/api/v2/buckets");
    assert_token_auth(buckets);
    assert_eq!(buckets.query_param("org"), Some("acme"));
    assert_eq!(buckets.query_param("limit"), Some("100"));
    assert_eq!(buckets.query_param("offset"), Some("0"));
    stub.assert_conforms();
}

/// What 2.7 sends for `from(bucket:"metrics") |> range(...) |> filter(cpu usage)` with two
/// hosts: two tables in one result, header and `datatype,group,default` annotations.
const FLUX_TWO_TABLES: &str = "#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,double,string,string,string\r\n\
#group,false,false,true,true,false,false,true,true,true\r\n\
#default,_result,,,,,,,,\r\n\
,result,table,_start,_stop,_time,_value,_field,_measurement,host\r\n\
,,0,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z,2024-01-01T00:00:10Z,1.5,usage,cpu,server-a\r\n\
,,0,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z,2024-01-01T00:00:20.123456789Z,-2.25,usage,cpu,server-a\r\n\
,,1,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z,2024-01-01T00:00:10Z,7,usage,cpu,server-b\r\n\
\r\n";

#[tokio::test]
async fn flux_query_posts_the_query_schema_and_reads_two_tables_contract() {
    let stub = SpecStub::start(Spec::V2).await;
    stub.respond(
        "POST",
        "/api/v2/query",
        200,
        "application/csv",
        FLUX_TWO_TABLES,
    );
    let c = v2_ctx(&stub, ApiKind::V2).await;
    let text = "from(bucket: \"metrics\")\n  |> range(start: 2024-01-01T00:00:00Z, stop: 2024-01-02T00:00:00Z)\n  |> filter(fn: (r) => r._measurement == \"cpu\" and r._field == \"usage\")";

    let res = query::run(&c, &Actor::User, flux(text)).await.unwrap();
    assert_eq!(res.language, QueryLanguage::Flux);
    assert_eq!(res.rows, 3);
    assert!(!res.truncated);
    assert_eq!(res.frames.len(), 2, "one frame per Flux table");

    let a = &res.frames[0];
    assert_eq!(a.name, "cpu");
    assert_eq!(a.tags.get("host").map(String::as_str), Some("server-a"));
    assert_eq!(a.tags.get("_field").map(String::as_str), Some("usage"));
    let value = a.column("_value").unwrap();
    assert_eq!(value.kind, ColumnType::Float);
    assert_eq!(value.values, vec![json!(1.5), json!(-2.25)]);
    let time = a.column("_time").unwrap();
    assert_eq!(time.kind, ColumnType::Time);
    assert_eq!(
        time.values,
        vec![
            json!("2024-01-01T00:00:10Z"),
            json!("2024-01-01T00:00:20.123456789Z")
        ]
    );
    assert_eq!(
        a.column("_start").unwrap().value(0),
        json!("2024-01-01T00:00:00Z")
    );
    assert!(
        a.column("result").is_none() && a.column("table").is_none(),
        "CSV bookkeeping columns dropped"
    );

    let b = &res.frames[1];
    assert_eq!(b.name, "cpu");
    assert_eq!(b.tags.get("host").map(String::as_str), Some("server-b"));
    assert_eq!(b.column("_value").unwrap().values, vec![json!(7.0)]);
    assert_eq!(
        b.column("_time").unwrap().values,
        vec![json!("2024-01-01T00:00:10Z")]
    );

    let reqs = stub.requests();
    let r = the_request(&reqs, "POST", "/api/v2/query");
    assert_token_auth(r);
    assert_eq!(r.query_param("org"), Some("acme"));
    assert!(
        r.header("content-type")
            .unwrap_or_default()
            .starts_with("application/json")
    );
    let body: Value = serde_json::from_slice(&r.body).expect("the Flux request body is JSON");
    assert_eq!(
        body["query"],
        json!(text),
        "the query text is sent verbatim"
    );
    assert_eq!(body["type"], json!("flux"));
    assert_eq!(
        body["dialect"]["annotations"],
        json!(["datatype", "group", "default"])
    );
    assert_eq!(body["dialect"]["header"], json!(true));
    stub.assert_conforms();
}

#[tokio::test]
async fn flux_compilation_error_is_query_syntax_with_the_server_text_contract() {
    let stub = SpecStub::start(Spec::V2).await;
    let msg = "compilation failed: error at @1:1-1:5: undefined identifier frm";
    stub.respond(
        "POST",
        "/api/v2/query",
        400,
        "application/json",
        json!({"code": "invalid", "message": msg}).to_string(),
    );
    let c = v2_ctx(&stub, ApiKind::V2).await;
    let e = query::run(&c, &Actor::User, flux("frm(bucket: \"metrics\")"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::QuerySyntax, "{e}");
    assert!(
        e.message().contains(msg),
        "the server's message is kept: {}",
        e.message()
    );
    assert!(!e.message().contains(TOKEN));
    stub.assert_conforms();
}

#[tokio::test]
async fn flux_runtime_error_table_is_query_syntax_contract() {
    // A Flux error after the query started arrives as 200 with an `error,reference` table.
    let stub = SpecStub::start(Spec::V2).await;
    stub.respond(
        "POST",
        "/api/v2/query",
        200,
        "application/csv",
        "#datatype,string,string\r\n#group,true,true\r\n#default,,\r\n,error,reference\r\n,\"runtime error @3:6-3:40: filter: type conflict: int != string\",\r\n\r\n",
    );
    let c = v2_ctx(&stub, ApiKind::V2).await;
    let e = query::run(
        &c,
        &Actor::User,
        flux("from(bucket: \"metrics\") |> range(start: -1h)"),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::QuerySyntax, "{e}");
    assert!(
        e.message().contains("type conflict: int != string"),
        "{}",
        e.message()
    );
    stub.assert_conforms();
}

#[tokio::test]
async fn influxql_on_v2_posts_to_the_v1_compat_query_endpoint_contract() {
    // Without `epoch` (not in the v1-compat spec) 2.x answers RFC 3339 times; they still make
    // a time column.
    let stub = SpecStub::start(Spec::V2).await;
    stub.respond(
        "POST",
        "/query",
        200,
        "application/json",
        r#"{"results":[{"statement_id":0,"series":[
            {"name":"cpu","tags":{"host":"server-a"},"columns":["time","mean"],"values":[["2024-01-01T00:00:00Z",1.5],["2024-01-01T00:01:00.000000001Z",2.25]]},
            {"name":"cpu","tags":{"host":"server-b"},"columns":["time","mean"],"values":[["2024-01-01T00:00:00Z",7]]}
        ]}]}"#,
    );
    let c = v2_ctx(&stub, ApiKind::V2).await;
    let text = "SELECT mean(\"usage\") FROM \"cpu\" WHERE time >= '2024-01-01T00:00:00Z' GROUP BY time(1m), \"host\"";

    let res = query::run(&c, &Actor::User, influxql(text, None))
        .await
        .unwrap();
    assert_eq!(res.language, QueryLanguage::Influxql);
    assert_eq!(res.frames.len(), 2);
    assert_eq!(res.rows, 3);
    let a = &res.frames[0];
    assert_eq!(a.name, "cpu");
    assert_eq!(a.tags.get("host").map(String::as_str), Some("server-a"));
    let time = a.column("time").unwrap();
    assert_eq!(time.kind, ColumnType::Time);
    assert_eq!(
        time.values,
        vec![
            json!("2024-01-01T00:00:00Z"),
            json!("2024-01-01T00:01:00.000000001Z")
        ]
    );
    assert_eq!(
        a.column("mean").unwrap().values,
        vec![json!(1.5), json!(2.25)]
    );
    assert_eq!(
        res.frames[1].tags.get("host").map(String::as_str),
        Some("server-b")
    );

    // A SHOW (read-only, sent as GET to a 1.x server) goes as POST too, and `db/rp` splits.
    stub.respond(
        "POST",
        "/query",
        200,
        "application/json",
        r#"{"results":[{"statement_id":0,"series":[{"name":"measurements","columns":["name"],"values":[["cpu"],["mem"]]}]}]}"#,
    );
    let res = query::run(
        &c,
        &Actor::User,
        influxql("SHOW MEASUREMENTS", Some("metrics/autogen")),
    )
    .await
    .unwrap();
    assert_eq!(
        res.frames[0].column("name").unwrap().values,
        vec![json!("cpu"), json!("mem")]
    );

    let reqs = stub.requests();
    assert_eq!(reqs.len(), 2, "{reqs:#?}");
    for r in &reqs {
        assert_eq!(
            (r.method.as_str(), r.path.as_str()),
            ("POST", "/query"),
            "v2 InfluxQL is POST /query"
        );
        assert_token_auth(r);
        assert_eq!(
            r.query_param("db"),
            Some("metrics"),
            "db is required by the spec"
        );
        assert_eq!(
            r.query_param("epoch"),
            None,
            "the v1-compat spec documents no `epoch`"
        );
    }
    assert_eq!(reqs[0].query_param("q"), Some(text));
    assert_eq!(reqs[0].query_param("rp"), None);
    assert_eq!(reqs[1].query_param("q"), Some("SHOW MEASUREMENTS"));
    assert_eq!(reqs[1].query_param("rp"), Some("autogen"));
    stub.assert_conforms();
}

#[tokio::test]
async fn write_posts_line_protocol_to_api_v2_write_contract() {
    let stub = SpecStub::start(Spec::V2).await;
    let c = v2_ctx(&stub, ApiKind::V2).await;
    let lines = "cpu,host=server-a usage=1.5,count=3i 1704067200123\n\
                 cpu,host=server\\ b usage=-2.25,note=\"idle, mostly\" 1704067200456";

    let r = write::write(&c, &Actor::User, w(Precision::Ms, lines))
        .await
        .unwrap();
    assert_eq!(
        (r.points, r.bucket.as_str(), r.bytes),
        (2, "metrics", lines.len())
    );

    let reqs = stub.requests();
    let req = the_request(&reqs, "POST", "/api/v2/write");
    assert_token_auth(req);
    assert_eq!(req.query_param("org"), Some("acme"));
    assert_eq!(req.query_param("bucket"), Some("metrics"));
    assert_eq!(req.query_param("precision"), Some("ms"));
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

    // The other precisions use the spec's WritePrecision enum.
    for (p, s) in [
        (Precision::Ns, "ns"),
        (Precision::Us, "us"),
        (Precision::S, "s"),
    ] {
        write::write(&c, &Actor::User, w(p, "cpu usage=1 1704067200"))
            .await
            .unwrap();
        let reqs = stub.requests();
        assert_eq!(reqs.last().unwrap().query_param("precision"), Some(s));
    }
    stub.assert_conforms();
}

#[tokio::test]
async fn write_errors_map_to_codes_and_keep_the_server_text_contract() {
    let stub = SpecStub::start(Spec::V2).await;
    let c = v2_ctx(&stub, ApiKind::V2).await;
    let cases = [
        (
            400,
            json!({"code": "invalid", "message": "partial write error (0 written): unable to parse 'cpu usage=1 x': bad timestamp", "line": 1}),
            ErrorCode::InvalidInput,
            "unable to parse 'cpu usage=1 x': bad timestamp",
        ),
        (
            401,
            json!({"code": "unauthorized", "message": "unauthorized access"}),
            ErrorCode::Unauthorized,
            "unauthorized access",
        ),
        (
            404,
            json!({"code": "not found", "message": "bucket \"metrics\" not found"}),
            ErrorCode::NotFound,
            "bucket \"metrics\" not found",
        ),
    ];
    for (status, body, code, text) in cases {
        stub.respond(
            "POST",
            "/api/v2/write",
            status,
            "application/json",
            body.to_string(),
        );
        let e = write::write(
            &c,
            &Actor::User,
            w(Precision::Ns, "cpu usage=1 1704067200000000000"),
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
    assert_eq!(
        stub.requests()
            .iter()
            .filter(|r| r.path == "/api/v2/write")
            .count(),
        3,
        "one write per case (each after a SHOW FIELD KEYS through /query)"
    );
    stub.assert_conforms();
}

#[tokio::test]
async fn a_partial_write_is_a_report_of_what_landed_contract() {
    let stub = SpecStub::start(Spec::V2).await;
    let c = v2_ctx(&stub, ApiKind::V2).await;
    let said = "failure writing points to database: partial write: field type conflict: input \
                field \"usage\" on measurement \"cpu\" is type string, already exists as type \
                float dropped=1";
    stub.respond(
        "POST",
        "/api/v2/write",
        400,
        "application/json",
        json!({"code": "invalid", "message": said}).to_string(),
    );
    let r = write::write(
        &c,
        &Actor::User,
        w(
            Precision::S,
            "cpu usage=1 1704067200\nmem used=\"x\" 1704067200",
        ),
    )
    .await
    .expect("some points landed: a report, not an error");
    assert_eq!((r.points, r.dropped, r.uncertain), (1, 1, 0), "{r:?}");
    assert_eq!(r.rejections[0].server, said, "the server's words, whole");
    stub.assert_conforms();
}

#[tokio::test]
async fn a_bad_line_is_refused_before_any_request_contract() {
    let stub = SpecStub::start(Spec::V2).await;
    let c = v2_ctx(&stub, ApiKind::V2).await;
    let e = write::write(
        &c,
        &Actor::User,
        w(
            Precision::Ns,
            "cpu usage=1 1704067200000000000\ncpu,host usage=2",
        ),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput, "{e}");
    assert!(e.message().contains("line 2"), "{}", e.message());
    assert!(
        stub.requests().iter().all(|r| r.path != "/api/v2/write"),
        "nothing may be sent: {:#?}",
        stub.requests()
    );
    assert!(stub.violations().is_empty());
}

#[tokio::test]
async fn status_with_a_rejected_token_is_reachable_but_not_authorized_contract() {
    let stub = SpecStub::start(Spec::V2).await;
    stub.respond(
        "GET",
        "/api/v2/buckets",
        401,
        "application/json",
        r#"{"code":"unauthorized","message":"unauthorized access"}"#,
    );
    let c = v2_ctx(&stub, ApiKind::V2).await;
    let st = profiles::status(&c, None).await.unwrap();
    assert!(st.reachable, "{st:?}");
    assert!(!st.auth_ok, "{st:?}");
    assert_eq!(st.api, Some(ApiKind::V2));
    let err = st.error.expect("the failure is in the status");
    assert_eq!(err.code, ErrorCode::Unauthorized);
    assert!(
        err.message.contains("unauthorized access"),
        "{}",
        err.message
    );
    assert!(!err.message.contains(TOKEN));

    let reqs = stub.requests();
    assert_token_auth(the_request(&reqs, "GET", "/api/v2/buckets"));
    stub.assert_conforms();

    // And the connection test says the same thing as an error.
    let e = profiles::test(&c, &Actor::User, TestProfileReq::Saved { profile: None })
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Unauthorized);
    stub.assert_conforms();
}

/// An annotated CSV with one string `_value` column, as Flux's schema functions answer.
fn values_csv(values: &[&str]) -> String {
    let mut s = String::from(
        "#group,false,false,false\r\n#datatype,string,long,string\r\n#default,_result,,\r\n,result,table,_value\r\n",
    );
    for v in values {
        s.push_str(&format!(",,0,{v}\r\n"));
    }
    s.push_str("\r\n");
    s
}

#[tokio::test]
async fn schema_browser_uses_flux_schema_functions_contract() {
    use influxdesk_core::api::schema;
    let stub = SpecStub::start(Spec::V2).await;
    let c = v2_ctx(&stub, ApiKind::V2).await;
    let req = SchemaReq {
        database: Some("metrics".into()),
        measurement: Some("cpu".into()),
        ..Default::default()
    };

    stub.respond(
        "POST",
        "/api/v2/query",
        200,
        "application/csv",
        values_csv(&["cpu", "mem"]),
    );
    assert_eq!(
        schema::measurements(&c, req.clone()).await.unwrap(),
        vec!["cpu", "mem"]
    );
    let body: Value =
        serde_json::from_slice(&the_request(&stub.requests(), "POST", "/api/v2/query").body)
            .unwrap();
    let flux = body["query"].as_str().unwrap();
    assert!(
        flux.contains("import \"influxdata/influxdb/schema\"")
            && flux.contains("schema.measurements(bucket: \"metrics\")"),
        "{flux}"
    );

    stub.respond(
        "POST",
        "/api/v2/query",
        200,
        "application/csv",
        values_csv(&["_field", "_measurement", "host", "region"]),
    );
    assert_eq!(
        schema::tag_keys(&c, req.clone()).await.unwrap(),
        vec!["host", "region"],
        "Flux's own columns are not tags"
    );

    stub.respond(
        "POST",
        "/api/v2/query",
        200,
        "application/csv",
        values_csv(&["web-01"]),
    );
    let tv = SchemaReq {
        tag_key: Some("host".into()),
        search: Some("web".into()),
        limit: Some(50),
        ..req.clone()
    };
    assert_eq!(schema::tag_values(&c, tv).await.unwrap(), vec!["web-01"]);
    let last = stub
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.path == "/api/v2/query")
        .unwrap();
    let flux = serde_json::from_slice::<Value>(&last.body).unwrap()["query"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        flux.contains(
            "schema.measurementTagValues(bucket: \"metrics\", measurement: \"cpu\", tag: \"host\")"
        ),
        "{flux}"
    );
    assert!(
        flux.contains("r._value =~ /(?i)web/") && flux.contains("limit(n: 50)"),
        "{flux}"
    );

    // Field types come through the v1-compatible SHOW FIELD KEYS when the bucket is mapped.
    stub.respond(
        "POST",
        "/query",
        200,
        "application/json",
        json!({"results": [{"statement_id": 0, "series": [{"name": "cpu", "columns": ["fieldKey", "fieldType"], "values": [["usage", "float"], ["cores", "integer"]]}]}]}).to_string(),
    );
    let fk = schema::field_keys(&c, req).await.unwrap();
    assert_eq!(
        fk.iter()
            .map(|f| (f.name.as_str(), f.kind))
            .collect::<Vec<_>>(),
        vec![("usage", ColumnType::Float), ("cores", ColumnType::Integer)]
    );
    let show = the_request(&stub.requests(), "POST", "/query").clone();
    assert_eq!(show.query_param("db"), Some("metrics"));
    assert_eq!(show.query_param("q"), Some("SHOW FIELD KEYS FROM \"cpu\""));
    for r in stub.requests() {
        assert_token_auth(&r);
    }
    stub.assert_conforms();
}

#[tokio::test]
async fn flux_time_range_placeholders_are_substituted_contract() {
    let stub = SpecStub::start(Spec::V2).await;
    let c = v2_ctx(&stub, ApiKind::V2).await;
    stub.respond(
        "POST",
        "/api/v2/query",
        200,
        "application/csv",
        values_csv(&[]),
    );
    let mut req = flux(
        "from(bucket: \"metrics\") |> range(start: v.timeRangeStart, stop: v.timeRangeStop) |> aggregateWindow(every: v.windowPeriod, fn: mean)",
    );
    req.time_range = Some(TimeRange::Relative {
        duration: "6h".into(),
    });
    let r = query::run(&c, &Actor::User, req).await.unwrap();
    let body: Value =
        serde_json::from_slice(&the_request(&stub.requests(), "POST", "/api/v2/query").body)
            .unwrap();
    assert_eq!(
        body["query"],
        json!(
            "from(bucket: \"metrics\") |> range(start: -6h, stop: now()) |> aggregateWindow(every: 2m, fn: mean)"
        )
    );
    assert_eq!(r.executed_query, body["query"].as_str().unwrap());
    stub.assert_conforms();
}
