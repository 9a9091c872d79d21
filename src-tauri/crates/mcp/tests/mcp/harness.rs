//! The harness: real influxd servers (started once per test binary through core's `local`
//! runner, auth off and auth on), contexts over temp dirs with in-memory secrets, and one MCP
//! socket server per test with rmcp's own client connected to it.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use influxdesk_core::api::profiles;
use influxdesk_core::local::{LocalConfig, LocalServer};
use influxdesk_core::model::*;
use influxdesk_core::secrets::{Secret, SecretStore};
use influxdesk_core::{Actor, Ctx, CtxOptions};
use influxdesk_mcp::SocketServer;
use rmcp::ServiceExt;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, Implementation,
};
use rmcp::service::{RoleClient, RunningService};
use serde_json::Value;

/// The client name every test connects with: the actor core sees.
pub const CLIENT: &str = "mcp-test-client";
pub const ADMIN_USER: &str = "admin";
pub const ADMIN_PASSWORD: &str = "mcp-harness-pw-4c1d9e";

pub struct Server {
    pub url: String,
    _server: LocalServer,
}

pub fn scratch(name: &str) -> PathBuf {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("influxdesk-mcp-tests");
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
    .unwrap_or_else(|e| panic!("the test influxd must start (Debian package `influxdb`): {e}"));
    let url = server.url();
    if auth {
        let q = format!(
            "CREATE USER {ADMIN_USER} WITH PASSWORD '{ADMIN_PASSWORD}' WITH ALL PRIVILEGES"
        );
        let resp = post_query(&url, &q);
        assert!(
            resp.contains("results"),
            "creating the admin failed: {resp}"
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

/// A context over fresh dirs with in-memory secrets.
pub fn ctx() -> Arc<Ctx> {
    Ctx::new(CtxOptions {
        config_dir: scratch("config-"),
        data_dir: scratch("data-"),
        secrets: SecretStore::memory(),
        env_profile: None,
    })
}

/// Add (and activate) a v1 profile on `url` with a default database and a policy.
pub async fn profile(
    ctx: &Ctx,
    name: &str,
    url: &str,
    database: &str,
    policy: AssistantPolicy,
    login: Option<(&str, &str)>,
) -> Profile {
    let fields = ProfileFields {
        name: name.into(),
        url: url.into(),
        api: ApiKind::V1,
        database: Some(database.into()),
        username: login.map(|(u, _)| u.to_string()),
        assistant_policy: Some(policy),
        ..ProfileFields::default()
    };
    let secret = login
        .map(|(_, p)| SecretChange::Set(Secret::new(p)))
        .unwrap_or_default();
    profiles::add(
        ctx,
        &Actor::User,
        AddProfileReq {
            fields,
            secret,
            activate: true,
        },
    )
    .await
    .expect("adding the profile must work")
}

/// A unique database name, so tests sharing a server do not see each other's data.
pub fn unique_db(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Run InfluxQL as the user (for setup and for checking what the tools did).
pub async fn influxql(ctx: &Ctx, db: Option<&str>, q: &str) -> QueryResult {
    influxdesk_core::api::query::run(
        ctx,
        &Actor::User,
        RunQueryReq {
            profile: None,
            language: Some(QueryLanguage::Influxql),
            database: db.map(str::to_string),
            query: q.into(),
            row_limit: None,
            time_range: None,
            query_id: None,
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{q}: {e}"))
}

/// Rows of a result as JSON arrays (first frame).
pub fn rows(r: &QueryResult) -> Vec<Vec<Value>> {
    let Some(f) = r.frames.first() else {
        return Vec::new();
    };
    (0..f.rows())
        .map(|i| f.columns.iter().map(|c| c.value(i)).collect())
        .collect()
}

/// An MCP server on its own socket, and rmcp's client connected to it.
pub struct Mcp {
    pub client: RunningService<RoleClient, ClientConfig>,
    /// Kept alive for the client; dropped (socket removed) with it.
    _socket: SocketServer,
}

pub fn client_config() -> ClientConfig {
    ClientConfig::new(
        ClientCapabilities::default(),
        Implementation::new(CLIENT, "1.0.0"),
    )
}

/// A socket path in a fresh private directory.
pub fn socket_path() -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("sock-");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    dir.join("mcp.sock")
}

pub async fn connect(ctx: &Arc<Ctx>) -> Mcp {
    let path = socket_path();
    let socket = influxdesk_mcp::serve_unix(ctx.clone(), &path)
        .await
        .expect("the socket server starts");
    let stream = tokio::net::UnixStream::connect(&path)
        .await
        .expect("connect to the socket");
    let client = client_config()
        .serve(stream)
        .await
        .expect("MCP initialize over the socket");
    Mcp {
        client,
        _socket: socket,
    }
}

impl Mcp {
    pub async fn call(&self, tool: &str, args: Value) -> CallToolResult {
        let args = args.as_object().cloned().expect("arguments are an object");
        self.client
            .call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(args))
            .await
            .unwrap_or_else(|e| panic!("{tool}: protocol error {e}"))
    }

    /// Call a tool that must succeed; its structured content.
    pub async fn ok(&self, tool: &str, args: Value) -> Value {
        let r = self.call(tool, args).await;
        assert_ne!(r.is_error, Some(true), "{tool} failed: {}", text(&r));
        r.structured_content
            .unwrap_or_else(|| panic!("{tool} returned no structured content"))
    }

    /// Call a tool that must fail; its error text.
    pub async fn err(&self, tool: &str, args: Value) -> String {
        let r = self.call(tool, args).await;
        assert_eq!(r.is_error, Some(true), "{tool} should fail: {}", text(&r));
        text(&r)
    }
}

/// All text content of a result.
pub fn text(r: &CallToolResult) -> String {
    r.content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Tiny blocking HTTP for harness setup only.
fn post_query(base: &str, q: &str) -> String {
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

/// Write line protocol as the user (setup).
pub async fn write_lp(ctx: &Ctx, db: &str, lines: &str) {
    influxdesk_core::api::write::write(
        ctx,
        &Actor::User,
        WriteReq {
            profile: None,
            bucket: Some(db.into()),
            precision: Precision::Ns,
            lines: lines.into(),
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{lines}: {e}"));
}
