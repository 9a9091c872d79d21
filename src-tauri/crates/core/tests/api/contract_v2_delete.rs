//! InfluxDB 2.x delete contract tests against the spec-checking stub: a dry run sends nothing
//! but schema lookups and shows the exact request, the delete posts `/api/v2/delete` with org,
//! bucket, token, start/stop and the predicate the spec documents, and OR (which 2.x delete
//! predicates lack) is refused before any request.

use influxdesk_core::api::admin::delete::{self, DeleteDataReq};
use influxdesk_core::model::*;
use influxdesk_core::{Actor, ErrorCode};
use influxdesk_testkit::spec_stub::{Spec, SpecStub};
use serde_json::{Value, json};

use crate::harness::{add, ctx, fields};

const TOKEN: &str = "v2-delete-token_Qa19==";

/// One Flux `_value` column (what `schema.measurements` and `schema.tagKeys` answer).
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

fn req(pred: &str, dry_run: bool) -> DeleteDataReq {
    DeleteDataReq {
        measurement: "cpu".into(),
        predicate: Some(pred.into()),
        from: Some("2024-01-01T00:00:00Z".into()),
        to: Some("2024-02-01T00:00:00Z".into()),
        dry_run,
        ..DeleteDataReq::default()
    }
}

#[tokio::test]
async fn delete_posts_the_documented_request_after_a_dry_run_contract() {
    let stub = SpecStub::start(Spec::V2).await;
    let c = ctx();
    let f = ProfileFields {
        org: Some("acme".into()),
        database: Some("metrics".into()),
        ..fields("v2-stub", &stub.url(), ApiKind::V2)
    };
    add(&c, f, Some(TOKEN)).await;
    // The measurement and tag-key lookups are both Flux queries on the same endpoint: one
    // scripted answer lists "cpu" (a measurement) and "host" (a tag key).
    stub.respond(
        "POST",
        "/api/v2/query",
        200,
        "application/csv",
        values_csv(&["cpu", "host"]),
    );
    let want_pred = "_measurement=\"cpu\" AND (host=\"a\")";
    let dry = delete::delete(&c, &Actor::User, req("host = \"a\"", true))
        .await
        .unwrap();
    assert_eq!(
        dry.statements,
        [format!(
            "POST /api/v2/delete?bucket=metrics start=2024-01-01T00:00:00Z \
             stop=2024-02-01T00:00:00Z predicate={want_pred}"
        )]
    );
    assert_eq!((dry.series, dry.points), (None, None), "2.x is not counted");
    assert!(
        stub.requests().iter().all(|r| r.path != "/api/v2/delete"),
        "a dry run deletes nothing"
    );

    stub.respond("POST", "/api/v2/delete", 204, "", "");
    let done = delete::delete(&c, &Actor::User, req("host = \"a\"", false))
        .await
        .unwrap();
    assert!(done.deleted);
    let reqs = stub.requests();
    let del: Vec<_> = reqs.iter().filter(|r| r.path == "/api/v2/delete").collect();
    assert_eq!(del.len(), 1, "{reqs:#?}");
    let r = del[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.query_param("org"), Some("acme"));
    assert_eq!(r.query_param("bucket"), Some("metrics"));
    assert_eq!(
        r.header("authorization"),
        Some(format!("Token {TOKEN}").as_str())
    );
    let body: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        body,
        json!({"start": "2024-01-01T00:00:00Z", "stop": "2024-02-01T00:00:00Z",
               "predicate": want_pred})
    );

    let before = stub.requests().len();
    let e = delete::delete(&c, &Actor::User, req("host = \"a\" OR host = \"b\"", true))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert!(e.message().contains("OR"), "{}", e.message());
    assert_eq!(stub.requests().len(), before, "refused before any request");
    stub.assert_conforms();
}
