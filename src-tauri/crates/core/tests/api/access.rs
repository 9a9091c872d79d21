//! Users and access: 1.x users against the real influxd 1.6.7 with auth on (a READ user is
//! refused a write and allowed a read, WRITE lets the write through, revoke and drop), 2.x API
//! tokens as `*_contract` tests against the spec-checking stub, and 3.x tokens against the real
//! InfluxDB 3 Core with auth on. No password or token value ends up in the config dir, an
//! error, an event or an approval text.

use std::sync::Arc;

use influxdesk_core::api::policy::{ApprovalFuture, Approver};
use influxdesk_core::api::tokens::{self, CreateTokenReq, DeleteTokenReq, SetTokenStatusReq};
use influxdesk_core::api::users::{
    self, CreateUserReq, DropUserReq, GrantReq, SetAdminReq, SetPasswordReq,
};
use influxdesk_core::api::{profiles, query, write};
use influxdesk_core::influx::users::Privilege;
use influxdesk_core::model::*;
use influxdesk_core::secrets::Secret;
use influxdesk_core::{Actor, Ctx, ErrorCode};
use influxdesk_testkit::influxdb3;
use influxdesk_testkit::spec_stub::{Spec, SpecStub};
use serde_json::json;

use crate::harness::{self, ADMIN_PASSWORD, ADMIN_USER, add, ctx, fields, unique_db};

const PW: &str = "Read3r-pw-'quoted'-\\slash";

/// An admin context on the auth influxd, with a fresh database.
async fn admin_ctx() -> (Arc<Ctx>, String) {
    let s = harness::auth_server();
    let c = ctx();
    let mut f = fields("admin", &s.url, ApiKind::V1);
    f.username = Some(ADMIN_USER.into());
    f.assistant_policy = Some(AssistantPolicy::Ask);
    add(&c, f, Some(ADMIN_PASSWORD)).await;
    let db = unique_db("access");
    query::run(
        &c,
        &Actor::User,
        RunQueryReq {
            profile: None,
            language: None,
            database: None,
            query: format!("CREATE DATABASE \"{db}\""),
            row_limit: None,
            time_range: None,
            query_id: None,
        },
    )
    .await
    .unwrap();
    (c, db)
}

async fn add_user_profile(c: &Ctx, name: &str, password: &str) -> Profile {
    let mut f = fields(name, &harness::auth_server().url, ApiKind::V1);
    f.username = Some(name.into());
    profiles::add(
        c,
        &Actor::User,
        AddProfileReq {
            fields: f,
            secret: SecretChange::Set(Secret::new(password)),
            activate: false,
        },
    )
    .await
    .unwrap()
}

fn point(profile: &str, db: &str, line: &str) -> WriteReq {
    WriteReq {
        profile: Some(profile.into()),
        bucket: Some(db.into()),
        precision: Precision::S,
        lines: line.into(),
    }
}

fn select(profile: &str, db: &str) -> RunQueryReq {
    RunQueryReq {
        profile: Some(profile.into()),
        language: None,
        database: Some(db.into()),
        query: "SELECT v FROM m".into(),
        row_limit: None,
        time_range: None,
        query_id: None,
    }
}

fn grant(user: &str, db: &str, p: Privilege) -> GrantReq {
    GrantReq {
        profile: Some("admin".into()),
        name: user.into(),
        database: db.into(),
        privilege: p,
    }
}

/// Every file under `dir` whose bytes contain `needle`.
fn files_containing(dir: &std::path::Path, needle: &str) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if std::fs::read(&p)
                .map(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
                .unwrap_or(false)
            {
                out.push(p);
            }
        }
    }
    out
}

#[tokio::test]
async fn a_read_user_reads_but_cannot_write_until_granted_write() {
    let (c, db) = admin_ctx().await;
    let mut events = c.subscribe();
    let name = unique_db("reader");
    write::write(&c, &Actor::User, point("admin", &db, "m v=1 1700000000"))
        .await
        .unwrap();

    let u = users::create(
        &c,
        &Actor::User,
        CreateUserReq {
            profile: Some("admin".into()),
            name: name.clone(),
            password: Some(Secret::new(PW)),
            admin: false,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (u.name.as_str(), u.admin, u.grants.len()),
        (name.as_str(), false, 0)
    );
    let u = users::grant(&c, &Actor::User, grant(&name, &db, Privilege::Read))
        .await
        .unwrap();
    assert_eq!(u.grants.len(), 1);
    assert_eq!(
        (u.grants[0].database.as_str(), u.grants[0].privilege),
        (db.as_str(), Privilege::Read)
    );
    let listed = users::list(&c, Some("admin")).await.unwrap();
    let me = listed.iter().find(|x| x.name == name).expect("listed");
    assert_eq!(me, &u);
    assert!(listed.iter().any(|x| x.name == ADMIN_USER && x.admin));

    // Connect as that user: the password is the one given (with its quote and backslash).
    let reader = add_user_profile(&c, &name, PW).await;
    let r = query::run(&c, &Actor::User, select(&reader.name, &db))
        .await
        .unwrap();
    assert_eq!(r.rows, 1, "READ reads");
    let e = write::write(
        &c,
        &Actor::User,
        point(&reader.name, &db, "m v=2 1700000001"),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden, "{}", e.message());
    assert!(
        e.message().contains("not authorized to write") && e.message().contains("permission"),
        "the server's words and what to do: {}",
        e.message()
    );

    users::grant(&c, &Actor::User, grant(&name, &db, Privilege::Write))
        .await
        .unwrap();
    write::write(
        &c,
        &Actor::User,
        point(&reader.name, &db, "m v=2 1700000001"),
    )
    .await
    .expect("WRITE lets the write through");
    let r = query::run(&c, &Actor::User, select("admin", &db))
        .await
        .unwrap();
    assert_eq!(r.rows, 2);

    let u = users::revoke(&c, &Actor::User, grant(&name, &db, Privilege::All))
        .await
        .unwrap();
    assert!(u.grants.is_empty(), "{u:?}");
    let e = query::run(&c, &Actor::User, select(&reader.name, &db))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden, "{}", e.message());

    // New password: the old one stops working, the new one works.
    users::set_password(
        &c,
        &Actor::User,
        SetPasswordReq {
            profile: Some("admin".into()),
            name: name.clone(),
            password: Some(Secret::new("second-Pw-2")),
        },
    )
    .await
    .unwrap();
    let e = profiles::test(
        &c,
        &Actor::User,
        TestProfileReq::Saved {
            profile: Some(reader.name.clone()),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Unauthorized, "{}", e.message());

    for admin in [true, false] {
        let u = users::set_admin(
            &c,
            &Actor::User,
            SetAdminReq {
                profile: Some("admin".into()),
                name: name.clone(),
                admin,
            },
        )
        .await
        .unwrap();
        assert_eq!(u.admin, admin);
    }

    users::drop(
        &c,
        &Actor::User,
        DropUserReq {
            profile: Some("admin".into()),
            name: name.clone(),
        },
    )
    .await
    .unwrap();
    assert!(
        !users::list(&c, Some("admin"))
            .await
            .unwrap()
            .iter()
            .any(|x| x.name == name)
    );
    let e = users::drop(
        &c,
        &Actor::User,
        DropUserReq {
            profile: Some("admin".into()),
            name: name.clone(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound);

    // Events name what changed, never a password; the config dir holds neither password.
    let mut seen = Vec::new();
    while let Ok(ev) = events.try_recv() {
        seen.push(format!("{} {}", ev.action, ev.detail));
    }
    for action in [
        "user.create",
        "user.grant",
        "user.revoke",
        "user.password",
        "user.drop",
    ] {
        assert!(
            seen.iter().any(|s| s.starts_with(action)),
            "{action} in {seen:?}"
        );
    }
    assert!(
        !seen
            .iter()
            .any(|s| s.contains(PW) || s.contains("second-Pw-2"))
    );
    for pw in [PW, "second-Pw-2"] {
        assert!(files_containing(c.config_dir(), pw).is_empty());
        assert!(files_containing(c.data_dir(), pw).is_empty());
    }
}

#[tokio::test]
async fn bad_input_is_refused_before_anything_is_sent() {
    let (c, db) = admin_ctx().await;
    let name = unique_db("nobody");
    let create = |n: &str, pw: Option<&str>| CreateUserReq {
        profile: Some("admin".into()),
        name: n.into(),
        password: pw.map(Secret::new),
        admin: false,
    };
    for (req, code) in [
        (create("", Some("x")), ErrorCode::InvalidInput),
        (create(&name, None), ErrorCode::InvalidInput),
        (create(&name, Some("")), ErrorCode::InvalidInput),
        (create("a\nb", Some("x")), ErrorCode::InvalidInput),
        (create(ADMIN_USER, Some("x")), ErrorCode::Conflict),
    ] {
        let e = users::create(&c, &Actor::User, req).await.unwrap_err();
        assert_eq!(e.code(), code, "{}", e.message());
    }
    let e = users::grant(&c, &Actor::User, grant(&name, &db, Privilege::Read))
        .await
        .unwrap_err();
    assert_eq!(
        e.code(),
        ErrorCode::NotFound,
        "no such user: {}",
        e.message()
    );
    let e = users::grant(
        &c,
        &Actor::User,
        grant(ADMIN_USER, "no_such_db_x", Privilege::Read),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound, "{}", e.message());
    assert!(e.message().contains("no database named"), "{}", e.message());
    let bad: Result<GrantReq, _> =
        serde_json::from_value(json!({"name": "x", "database": db, "privilege": "admin"}));
    assert!(bad.is_err(), "privileges are read, write or all");
    assert!(
        !users::list(&c, Some("admin"))
            .await
            .unwrap()
            .iter()
            .any(|u| u.name == name),
        "nothing half-made"
    );
}

/// Records what an assistant asked to approve, and refuses.
#[derive(Default)]
struct Recording(std::sync::Mutex<Vec<String>>);

impl Approver for Recording {
    fn approve<'a>(&'a self, _: &'a Actor, _: &'a Profile, what: &'a str) -> ApprovalFuture<'a> {
        self.0.lock().unwrap().push(what.to_string());
        Box::pin(std::future::ready(false))
    }
}

#[tokio::test]
async fn an_assistant_asks_with_the_statement_and_never_the_password() {
    let (c, _db) = admin_ctx().await;
    let rec = Arc::new(Recording::default());
    c.set_approver(rec.clone());
    let name = unique_db("asked");
    let bot = Actor::Assistant {
        client: "test-bot".into(),
    };
    let e = users::create(
        &c,
        &bot,
        CreateUserReq {
            profile: Some("admin".into()),
            name: name.clone(),
            password: Some(Secret::new(PW)),
            admin: true,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden, "{}", e.message());
    assert!(!e.message().contains(PW));
    let asked = rec.0.lock().unwrap().clone();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(
        asked[0].starts_with(&format!("create the admin user \"{name}\"")),
        "{asked:?}"
    );
    assert!(
        asked[0].contains(&format!(
            "CREATE USER \"{name}\" WITH PASSWORD [REDACTED] WITH ALL PRIVILEGES"
        )),
        "{asked:?}"
    );
    assert!(!asked[0].contains("Read3r"), "{asked:?}");
    assert!(
        !users::list(&c, Some("admin"))
            .await
            .unwrap()
            .iter()
            .any(|u| u.name == name),
        "refused: not created"
    );
}

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
