//! API tokens: 2.x as `*_contract` tests against the spec-checking stub (list without values,
//! create scoped to buckets by ID, disable, delete, bad input refused before any request), and
//! 3.x against the real InfluxDB 3 Core with auth on (named admin tokens: create, use, delete;
//! scoping, disabling and deleting the operator token refused). No token value ends up in the
//! config dir.

use std::sync::Arc;

use influxdesk_core::api::tokens::{self, CreateTokenReq, DeleteTokenReq, SetTokenStatusReq};
use influxdesk_core::api::users;
use influxdesk_core::model::*;
use influxdesk_core::{Actor, Ctx, ErrorCode};
use influxdesk_testkit::influxdb3;
use influxdesk_testkit::spec_stub::{Spec, SpecStub};
use serde_json::json;

use crate::access::files_containing;
use crate::harness::{self, add, ctx, fields, unique_db};

const V2_TOKEN: &str = "v2-contract-admin-token==";

async fn v2_ctx(stub: &SpecStub) -> Arc<Ctx> {
    let c = ctx();
    let f = ProfileFields {
        org: Some("acme".into()),
        ..fields("v2-stub", &stub.url(), ApiKind::V2)
    };
    add(&c, f, Some(V2_TOKEN)).await;
    c
}

const ORG_ID: &str = "9f8e7d6c5b4a3928";

fn script_org_and_buckets(stub: &SpecStub) {
    stub.respond(
        "GET",
        "/api/v2/orgs",
        200,
        "application/json",
        json!({"orgs": [{"id": ORG_ID, "name": "acme"}]}).to_string(),
    );
    stub.respond(
        "GET",
        "/api/v2/buckets",
        200,
        "application/json",
        json!({"buckets": [
            {"id": "0a1b2c3d4e5f6071", "orgID": ORG_ID, "name": "metrics", "retentionRules": []},
            {"id": "1b2c3d4e5f607182", "orgID": ORG_ID, "name": "logs", "retentionRules": []}
        ]})
        .to_string(),
    );
}

fn authorization(id: &str, status: &str, token: &str) -> serde_json::Value {
    json!({
        "id": id, "token": token, "status": status, "description": "ci writer",
        "orgID": ORG_ID, "org": "acme", "userID": "06c8e1c7d1f3a000", "user": "ops",
        "createdAt": "2026-11-30T09:00:00Z", "updatedAt": "2026-11-30T09:00:00Z",
        "permissions": [
            {"action": "read", "resource": {"type": "buckets", "id": "0a1b2c3d4e5f6071",
             "name": "metrics", "orgID": ORG_ID, "org": "acme"}},
            {"action": "write", "resource": {"type": "buckets", "id": "1b2c3d4e5f607182",
             "name": "logs", "orgID": ORG_ID, "org": "acme"}}
        ],
        "links": {"self": format!("/api/v2/authorizations/{id}"), "user": "/api/v2/users/06c8e1c7d1f3a000"}
    })
}

#[tokio::test]
async fn v2_tokens_list_create_disable_delete_contract() {
    let stub = SpecStub::start(Spec::V2).await;
    let c = v2_ctx(&stub).await;
    script_org_and_buckets(&stub);
    // An older 2.x sends each token's value in the listing: it must not come through.
    stub.respond(
        "GET",
        "/api/v2/authorizations",
        200,
        "application/json",
        json!({"authorizations": [authorization("0c1d", "active", "LISTED-VALUE-xyz")]})
            .to_string(),
    );
    let l = tokens::list(&c, None).await.unwrap();
    assert!(l.can_scope && l.can_disable && l.note.is_none());
    assert_eq!(l.tokens.len(), 1);
    let t = &l.tokens[0];
    assert_eq!(
        (t.id.as_str(), t.status.as_str(), t.description.as_str()),
        ("0c1d", "active", "ci writer")
    );
    assert_eq!(
        t.permissions,
        ["read buckets/metrics", "write buckets/logs"]
    );
    assert!(!serde_json::to_string(&l).unwrap().contains("LISTED-VALUE"));

    stub.respond(
        "POST",
        "/api/v2/authorizations",
        201,
        "application/json",
        authorization("0e2f", "active", "NEW-VALUE-once").to_string(),
    );
    let created = tokens::create(
        &c,
        &Actor::User,
        CreateTokenReq {
            profile: None,
            description: "ci writer".into(),
            read: vec!["metrics".into()],
            write: vec!["logs".into()],
            expires_in: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(created.value.0.expose(), "NEW-VALUE-once");
    assert_eq!(created.token.id, "0e2f");
    let reqs = stub.requests();
    let post = reqs
        .iter()
        .find(|r| r.method == "POST" && r.path == "/api/v2/authorizations")
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&post.body).unwrap();
    assert_eq!(
        body,
        json!({"orgID": ORG_ID, "description": "ci writer", "permissions": [
            {"action": "read", "resource": {"type": "buckets", "id": "0a1b2c3d4e5f6071", "orgID": ORG_ID}},
            {"action": "write", "resource": {"type": "buckets", "id": "1b2c3d4e5f607182", "orgID": ORG_ID}}
        ]})
    );
    assert_eq!(
        post.header("authorization"),
        Some(format!("Token {V2_TOKEN}").as_str())
    );

    stub.respond(
        "PATCH",
        "/api/v2/authorizations/0c1d",
        200,
        "application/json",
        authorization("0c1d", "inactive", "x").to_string(),
    );
    let t = tokens::set_status(
        &c,
        &Actor::User,
        SetTokenStatusReq {
            profile: None,
            id: "0c1d".into(),
            active: false,
        },
    )
    .await
    .unwrap();
    assert_eq!(t.status, "inactive");
    let patch = stub
        .requests()
        .into_iter()
        .find(|r| r.method == "PATCH")
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&patch.body).unwrap(),
        json!({"status": "inactive"})
    );

    tokens::delete(
        &c,
        &Actor::User,
        DeleteTokenReq {
            profile: None,
            id: "0c1d".into(),
        },
    )
    .await
    .unwrap();
    assert!(stub.requests().iter().any(|r| r.method == "DELETE"
        && r.path == "/api/v2/authorizations/0c1d"
        && r.status == 204));
    stub.assert_conforms();
    assert!(files_containing(c.config_dir(), "NEW-VALUE-once").is_empty());
}

#[tokio::test]
async fn v2_token_bad_input_contract() {
    let stub = SpecStub::start(Spec::V2).await;
    let c = v2_ctx(&stub).await;
    script_org_and_buckets(&stub);
    let req = |d: &str, read: &[&str]| CreateTokenReq {
        profile: None,
        description: d.into(),
        read: read.iter().map(|s| s.to_string()).collect(),
        write: vec![],
        expires_in: None,
    };
    for (r, code) in [
        (req("", &["metrics"]), ErrorCode::InvalidInput),
        (req("x", &[]), ErrorCode::InvalidInput),
        (req("x", &["nope"]), ErrorCode::NotFound),
    ] {
        let e = tokens::create(&c, &Actor::User, r).await.unwrap_err();
        assert_eq!(e.code(), code, "{}", e.message());
    }
    assert!(
        !stub.requests().iter().any(|r| r.method == "POST"),
        "nothing created"
    );
    // 1.x has users, not tokens: it says so.
    let v1 = ctx();
    add(
        &v1,
        fields("v1", &harness::open_server().url, ApiKind::V1),
        None,
    )
    .await;
    let e = tokens::list(&v1, None).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert!(e.message().contains("users"), "{}", e.message());
    let e = users::list(&c, None).await.unwrap_err();
    assert!(e.message().contains("API tokens"), "{}", e.message());
}

#[tokio::test]
async fn v3_named_admin_tokens_on_the_real_core() {
    let Some(s) = influxdb3::auth() else { return };
    let c = ctx();
    add(&c, fields("core3", &s.url, ApiKind::V3), s.token.as_deref()).await;
    let name = unique_db("ci-token").replace('_', "-");
    let l = tokens::list(&c, None).await.unwrap();
    assert!(!l.can_scope && !l.can_disable && l.note.is_some());
    assert!(l.tokens.iter().any(|t| t.id == "_admin"), "{l:?}");

    let e = tokens::create(
        &c,
        &Actor::User,
        CreateTokenReq {
            description: name.clone(),
            read: vec!["db1".into()],
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        e.code(),
        ErrorCode::InvalidInput,
        "3 Core cannot scope: {}",
        e.message()
    );

    let created = tokens::create(
        &c,
        &Actor::User,
        CreateTokenReq {
            description: name.clone(),
            expires_in: Some("30d".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let value = created.value.0.expose().to_string();
    assert!(value.starts_with("apiv3_"), "a real token");
    assert!(created.token.expires_at.is_some());
    let listed = tokens::list(&c, None).await.unwrap();
    assert!(
        listed
            .tokens
            .iter()
            .any(|t| t.id == name && t.permissions == ["admin (all)"])
    );

    // The new token works: a profile made with it lists the tokens too.
    let other = ctx();
    add(
        &other,
        fields("with-new", &s.url, ApiKind::V3),
        Some(&value),
    )
    .await;
    assert!(tokens::list(&other, None).await.is_ok());

    let e = tokens::create(
        &c,
        &Actor::User,
        CreateTokenReq {
            description: name.clone(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);
    let e = tokens::set_status(
        &c,
        &Actor::User,
        SetTokenStatusReq {
            profile: None,
            id: name.clone(),
            active: false,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    let e = tokens::delete(
        &c,
        &Actor::User,
        DeleteTokenReq {
            profile: None,
            id: "_admin".into(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput, "{}", e.message());

    tokens::delete(
        &c,
        &Actor::User,
        DeleteTokenReq {
            profile: None,
            id: name.clone(),
        },
    )
    .await
    .unwrap();
    assert!(
        !tokens::list(&c, None)
            .await
            .unwrap()
            .tokens
            .iter()
            .any(|t| t.id == name)
    );
    let e = tokens::list(&other, None).await.unwrap_err();
    assert_eq!(
        e.code(),
        ErrorCode::Unauthorized,
        "the deleted token no longer works"
    );
    assert!(files_containing(c.config_dir(), &value).is_empty());
}
