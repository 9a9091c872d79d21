//! Users and access on 1.x: the real influxd 1.6.7 with auth on (a READ user is refused a
//! write and allowed a read, WRITE lets the write through, revoke, admin flag, password, drop),
//! bad input refused before anything is sent, and an assistant's approval showing the
//! statement without the password. No password ends up in the config dir, an error, an event
//! or an approval text. Tokens are in `access_tokens`.

use std::sync::Arc;

use influxdesk_core::api::policy::{ApprovalFuture, Approver};
use influxdesk_core::api::users::{
    self, CreateUserReq, DropUserReq, GrantReq, SetAdminReq, SetPasswordReq,
};
use influxdesk_core::api::{profiles, query, write};
use influxdesk_core::influx::users::Privilege;
use influxdesk_core::model::*;
use influxdesk_core::secrets::Secret;
use influxdesk_core::{Actor, Ctx, ErrorCode};
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
pub(crate) fn files_containing(dir: &std::path::Path, needle: &str) -> Vec<std::path::PathBuf> {
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
