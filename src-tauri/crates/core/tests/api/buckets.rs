//! Databases/buckets and retention: v1 against the real influxd, v2/v3 against the specs.

use influxdesk_core::api::buckets;
use influxdesk_core::model::*;
use influxdesk_core::{Actor, ErrorCode};
use influxdesk_testkit::spec_stub::{Spec, SpecStub};
use serde_json::{Value, json};

use crate::harness::{self, add, ctx, fields, unique_db};

fn create(name: &str, retention: Option<&str>) -> CreateBucketReq {
    CreateBucketReq {
        name: name.into(),
        retention_period: retention.map(str::to_string),
        ..Default::default()
    }
}

fn update(name: &str, retention: Option<&str>, description: Option<&str>) -> UpdateBucketReq {
    UpdateBucketReq {
        profile: None,
        name: name.into(),
        retention_period: retention.map(str::to_string),
        description: description.map(str::to_string),
        shard_group_duration: None,
    }
}

#[tokio::test]
async fn v1_databases_and_retention_round_trip() {
    let s = harness::open_server();
    let c = ctx();
    add(&c, fields("local", &s.url, ApiKind::V1), None).await;
    let name = unique_db("bk");
    let b = buckets::create(&c, &Actor::User, create(&name, Some("30d")))
        .await
        .unwrap()
        .bucket;
    assert_eq!(
        (b.retention_seconds, b.retention.as_str()),
        (Some(2_592_000), "30d"),
        "retention must round-trip in seconds"
    );
    assert_eq!(b.retention_policies.iter().filter(|r| r.default).count(), 1);
    let e = buckets::create(&c, &Actor::User, create(&name, None))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);

    let b = buckets::update(&c, &Actor::User, update(&name, Some("7d"), None))
        .await
        .unwrap()
        .bucket;
    assert_eq!(b.retention, "7d");
    let b = buckets::update(&c, &Actor::User, update(&name, Some("inf"), None))
        .await
        .unwrap()
        .bucket;
    assert_eq!(
        (b.retention_seconds, b.retention.as_str()),
        (None, "forever")
    );
    assert!(
        buckets::list(&c, None)
            .await
            .unwrap()
            .iter()
            .any(|x| x.name == name)
    );

    // A description (a seed parameter) is reported as not stored, not refused.
    let only = buckets::update(&c, &Actor::User, update(&name, None, Some("x")))
        .await
        .unwrap();
    assert_eq!(only.bucket.retention, "forever", "nothing changed");
    assert_eq!(
        only.notes,
        vec!["InfluxDB 1.x databases have no description; ignored".to_string()]
    );
    let e = buckets::update(&c, &Actor::User, update(&name, None, None))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput, "nothing to change");
    let changed = buckets::update(&c, &Actor::User, update(&name, Some("2d"), Some("x")))
        .await
        .unwrap();
    assert_eq!(changed.bucket.retention, "2d");
    assert_eq!(
        changed.notes,
        vec!["InfluxDB 1.x databases have no description; ignored".to_string()]
    );
    let e = buckets::create(&c, &Actor::User, create("short", Some("10m")))
        .await
        .unwrap_err();
    assert!(e.message().contains("at least 1 hour"), "{}", e.message());

    buckets::delete(
        &c,
        &Actor::User,
        DeleteBucketReq {
            profile: None,
            name: name.clone(),
        },
    )
    .await
    .unwrap();
    assert!(
        !buckets::list(&c, None)
            .await
            .unwrap()
            .iter()
            .any(|x| x.name == name)
    );
    let e = buckets::delete(
        &c,
        &Actor::User,
        DeleteBucketReq {
            profile: None,
            name,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound);
}

const TOKEN: &str = "bucket-contract-token";

#[tokio::test]
async fn v2_buckets_follow_the_spec_contract() {
    let stub = SpecStub::start(Spec::V2).await;
    let c = ctx();
    add(
        &c,
        ProfileFields {
            org: Some("acme".into()),
            ..fields("v2", &stub.url(), ApiKind::V2)
        },
        Some(TOKEN),
    )
    .await;
    stub.respond(
        "GET",
        "/api/v2/orgs",
        200,
        "application/json",
        json!({"orgs": [{"id": "0123456789abcdef", "name": "acme"}]}).to_string(),
    );
    let listing = json!({"buckets": [{"id": "b0000000000000b1", "orgID": "0123456789abcdef", "name": "metrics", "description": "app metrics",
        "retentionRules": [{"type": "expire", "everySeconds": 2592000}]}]});
    stub.respond(
        "GET",
        "/api/v2/buckets",
        200,
        "application/json",
        listing.to_string(),
    );
    stub.respond(
        "POST",
        "/api/v2/buckets",
        201,
        "application/json",
        listing["buckets"][0].to_string(),
    );
    let b = buckets::create(
        &c,
        &Actor::User,
        CreateBucketReq {
            description: Some("app metrics".into()),
            ..create("metrics", Some("30d"))
        },
    )
    .await
    .unwrap()
    .bucket;
    assert_eq!(
        (
            b.id.as_deref(),
            b.retention.as_str(),
            b.description.as_deref()
        ),
        (Some("b0000000000000b1"), "30d", Some("app metrics"))
    );
    let post = stub
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    let body: Value = serde_json::from_slice(&post.body).unwrap();
    assert_eq!(
        body,
        json!({"orgID": "0123456789abcdef", "name": "metrics", "description": "app metrics", "retentionRules": [{"type": "expire", "everySeconds": 2592000}]})
    );

    stub.respond(
        "PATCH",
        "/api/v2/buckets/b0000000000000b1",
        200,
        "application/json",
        listing["buckets"][0].to_string(),
    );
    buckets::update(&c, &Actor::User, update("metrics", Some("inf"), None))
        .await
        .unwrap();
    let patch = stub
        .requests()
        .into_iter()
        .find(|r| r.method == "PATCH")
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&patch.body).unwrap(),
        json!({"retentionRules": [{"type": "expire", "everySeconds": 0}]}),
        "0 = forever"
    );

    stub.respond("DELETE", "/api/v2/buckets/b0000000000000b1", 204, "", "");
    buckets::delete(
        &c,
        &Actor::User,
        DeleteBucketReq {
            profile: None,
            name: "metrics".into(),
        },
    )
    .await
    .unwrap();
    let e = buckets::delete(
        &c,
        &Actor::User,
        DeleteBucketReq {
            profile: None,
            name: "nope".into(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound);
    for r in stub.requests() {
        assert_eq!(
            r.header("authorization"),
            Some(format!("Token {TOKEN}").as_str())
        );
    }
    stub.assert_conforms();
}

#[tokio::test]
async fn v3_databases_follow_the_spec_contract() {
    let stub = SpecStub::start(Spec::V3).await;
    let c = ctx();
    add(&c, fields("v3", &stub.url(), ApiKind::V3), Some(TOKEN)).await;
    stub.respond(
        "GET",
        "/api/v3/configure/database",
        200,
        "application/json",
        json!([{"iox::database": "sensors"}]).to_string(),
    );
    let e = buckets::create(&c, &Actor::User, create("my_db", None))
        .await
        .unwrap_err();
    assert!(e.message().contains("no underscores"), "{}", e.message());
    assert!(stub.requests().is_empty(), "refused before any request");
    buckets::create(&c, &Actor::User, create("sensors", Some("7d")))
        .await
        .unwrap();
    buckets::update(&c, &Actor::User, update("sensors", Some("30d"), None))
        .await
        .unwrap();
    buckets::update(&c, &Actor::User, update("sensors", Some("inf"), None))
        .await
        .unwrap();
    buckets::delete(
        &c,
        &Actor::User,
        DeleteBucketReq {
            profile: None,
            name: "sensors".into(),
        },
    )
    .await
    .unwrap();
    let reqs = stub.requests();
    let body = |m: &str| {
        serde_json::from_slice::<Value>(&reqs.iter().find(|r| r.method == m).unwrap().body).unwrap()
    };
    assert_eq!(
        body("POST"),
        json!({"db": "sensors", "retention_period": "7d"})
    );
    assert_eq!(
        body("PUT"),
        json!({"db": "sensors", "retention_period": "30d"})
    );
    assert!(
        reqs.iter().any(
            |r| r.method == "DELETE" && r.path == "/api/v3/configure/database/retention_period"
        ),
        "inf clears the retention"
    );
    assert!(reqs.iter().any(|r| r.method == "DELETE"
        && r.path == "/api/v3/configure/database"
        && r.query_param("db") == Some("sensors")));
    for r in &reqs {
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
    }
    stub.assert_conforms();
}
