//! The test harness: real influxd servers (started once per test binary through core's own
//! `local` runner, on free loopback ports with temp dirs) and contexts over temp config dirs.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use influxdesk_core::api::profiles;
use influxdesk_core::local::{LocalConfig, LocalServer};
use influxdesk_core::model::*;
use influxdesk_core::secrets::{Secret, SecretStore};
use influxdesk_core::{Actor, Ctx, CtxOptions};

pub const ADMIN_USER: &str = "admin";
pub const ADMIN_PASSWORD: &str = "harness-admin-pw-7f3a";

pub struct Server {
    pub url: String,
    _server: LocalServer,
}

fn scratch(name: &str) -> PathBuf {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("influxdesk-core-tests");
    std::fs::create_dir_all(&base).unwrap();
    tempfile::Builder::new()
        .prefix(name)
        .tempdir_in(base)
        .unwrap()
        .keep()
}

fn start(auth: bool) -> Server {
    let server = LocalServer::start(&LocalConfig {
        dir: scratch(if auth {
            "influxd-auth-"
        } else {
            "influxd-open-"
        }),
        http_port: 0,
        auth_enabled: auth,
        tls: None,
    })
    .unwrap_or_else(|e| {
        panic!("the test influxd must start (is Debian's `influxdb` installed?): {e}")
    });
    let url = server.url();
    if auth {
        // With auth on and no users yet, 1.x accepts exactly one thing: creating the admin.
        let q = format!(
            "CREATE USER {ADMIN_USER} WITH PASSWORD '{ADMIN_PASSWORD}' WITH ALL PRIVILEGES"
        );
        let resp = setup_http::post_query(&url, &q);
        assert!(
            resp.contains("results"),
            "creating the admin user failed: {resp}"
        );
    }
    Server {
        url,
        _server: server,
    }
}

/// The shared influxd with auth off.
pub fn open_server() -> &'static Server {
    static S: OnceLock<Server> = OnceLock::new();
    S.get_or_init(|| start(false))
}

/// The shared influxd with auth on (admin user created).
pub fn auth_server() -> &'static Server {
    static S: OnceLock<Server> = OnceLock::new();
    S.get_or_init(|| start(true))
}

/// A context over a fresh config dir, with in-memory secrets.
pub fn ctx() -> Arc<Ctx> {
    ctx_with(SecretStore::memory())
}

pub fn ctx_with(secrets: SecretStore) -> Arc<Ctx> {
    Ctx::new(CtxOptions {
        config_dir: scratch("config-"),
        data_dir: scratch("data-"),
        secrets,
        env_profile: None,
    })
}

pub fn fields(name: &str, url: &str, api: ApiKind) -> ProfileFields {
    ProfileFields {
        name: name.into(),
        url: url.into(),
        api,
        ..ProfileFields::default()
    }
}

/// Add a profile and return it.
pub async fn add(ctx: &Ctx, f: ProfileFields, secret: Option<&str>) -> Profile {
    let secret = secret
        .map(|s| SecretChange::Set(Secret::new(s)))
        .unwrap_or_default();
    profiles::add(
        ctx,
        &Actor::User,
        AddProfileReq {
            fields: f,
            secret,
            activate: true,
        },
    )
    .await
    .expect("adding the profile must work")
}

/// A unique database name per test, so tests sharing a server do not see each other's data.
pub fn unique_db(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Write `lines` (line protocol, second timestamps) into database `db` of the active profile
/// as the user; the write must work.
pub async fn write_s<S: std::borrow::Borrow<str>>(ctx: &Ctx, db: &str, lines: &[S]) {
    influxdesk_core::api::write::write(
        ctx,
        &Actor::User,
        WriteReq {
            profile: None,
            bucket: Some(db.to_string()),
            precision: Precision::S,
            lines: lines.join("\n"),
        },
    )
    .await
    .expect("writing the test's points must work");
}

/// A query `text` on database `db` of the active profile, in the profile's default language,
/// kept under `query_id` when given (for `query::timing`, `query::cached`, charts).
pub fn query_req(db: &str, text: impl Into<String>, query_id: Option<&str>) -> RunQueryReq {
    RunQueryReq {
        profile: None,
        language: None,
        database: Some(db.to_string()),
        query: text.into(),
        row_limit: None,
        time_range: None,
        query_id: query_id.map(str::to_string),
    }
}

/// A profile on the shared influxd (as [`profile_with_db`]) whose database holds, for each of
/// the last `minutes` minutes (`i` = 1..=minutes at `t` = now - i * 60 s), the lines
/// `at(i, t)`. Returns the context, the database and now (Unix seconds).
pub async fn seeded_minutes(
    prefix: &str,
    policy: Option<AssistantPolicy>,
    minutes: i64,
    at: impl Fn(i64, i64) -> Vec<String>,
) -> (Arc<Ctx>, String, i64) {
    let (c, db) = profile_with_db(prefix, policy).await;
    let now = chrono::Utc::now().timestamp();
    let lines: Vec<String> = (1..=minutes).flat_map(|i| at(i, now - i * 60)).collect();
    write_s(&c, &db, &lines).await;
    (c, db, now)
}

/// A context with a profile "local" on the shared influxd whose default database is a new,
/// created database named from `prefix` (the assistant policy as given, else the default).
pub async fn profile_with_db(prefix: &str, policy: Option<AssistantPolicy>) -> (Arc<Ctx>, String) {
    let c = ctx();
    let db = unique_db(prefix);
    let f = ProfileFields {
        assistant_policy: policy,
        database: Some(db.clone()),
        ..fields("local", &open_server().url, ApiKind::V1)
    };
    add(&c, f, None).await;
    influxdesk_core::api::query::run(
        &c,
        &Actor::User,
        RunQueryReq {
            language: Some(QueryLanguage::Influxql),
            ..query_req(&db, format!("CREATE DATABASE \"{db}\""), None)
        },
    )
    .await
    .unwrap();
    (c, db)
}

/// Tiny blocking HTTP for harness setup only (not the code under test).
mod setup_http {
    pub fn post_query(base: &str, q: &str) -> String {
        use std::io::{Read, Write};
        let url = url::Url::parse(base).unwrap();
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("q", q)
            .finish();
        let mut s =
            std::net::TcpStream::connect((url.host_str().unwrap(), url.port().unwrap())).unwrap();
        write!(
            s,
            "POST /query HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }
}
