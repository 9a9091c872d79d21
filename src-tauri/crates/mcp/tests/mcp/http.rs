//! Streamable HTTP: rmcp's own client (reqwest transport) with the bearer token against the
//! real influxd, and raw requests for what must be refused: no or a wrong token (401), a
//! foreign Host or Origin (403, DNS rebinding), any address but 127.0.0.1. The token lives in
//! an in-memory `SecretStore` here; the keychain path is covered by `influxdesk serve` in the
//! app tests and the Python SDK test.

use std::sync::Arc;
use std::time::Duration;

use influxdesk_core::model::AssistantPolicy;
use influxdesk_core::secrets::{Secret, SecretBackend, SecretStore};
use influxdesk_core::{Actor, Ctx, Error};
use influxdesk_mcp::{HttpOptions, HttpServer, Session, TOKEN_ACCOUNT};
use rmcp::ServiceExt;
use rmcp::model::ReadResourceRequestParams;
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};

use crate::harness::*;

const DAY: &str = "2023-11-14T00:00:00Z..2023-11-15T00:00:00Z";

async fn serve(ctx: &Arc<Ctx>, store: &SecretStore, session: Session) -> HttpServer {
    let mut opts = HttpOptions::new("127.0.0.1:0".parse().unwrap(), store.clone());
    opts.session = session;
    opts.token_refresh = Duration::from_millis(200);
    influxdesk_mcp::serve_http(ctx.clone(), opts)
        .await
        .expect("the HTTP server starts")
}

async fn token(store: &SecretStore) -> String {
    store
        .get(TOKEN_ACCOUNT)
        .await
        .unwrap()
        .expect("serving HTTP created the token")
        .expose()
        .to_string()
}

async fn http_client(
    url: &str,
    token: &str,
) -> RunningService<RoleClient, rmcp::model::ClientConfig> {
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(url.to_string()).auth_header(token),
    );
    client_config()
        .serve(transport)
        .await
        .expect("MCP initialize over streamable HTTP")
}

/// A raw `initialize` POST with `headers`; the status and body.
async fn post(url: &str, headers: &[(&str, String)]) -> (u16, String) {
    let mut req = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(url)
        .header("Accept", "application/json, text/event-stream")
        .json(&json!({
            "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                       "clientInfo": {"name": "raw", "version": "1"}}
        }));
    for (k, v) in headers {
        req = req.header(*k, v.as_str());
    }
    let resp = req.send().await.expect("the server answers");
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap_or_default())
}

fn bearer(t: &str) -> (&'static str, String) {
    ("Authorization", format!("Bearer {t}"))
}

#[tokio::test]
async fn rmcp_over_http_lists_tools_and_queries_with_the_bearer_token() {
    let ctx = ctx();
    let db = unique_db("http");
    let url = &open_server().url;
    profile(&ctx, "pinned", url, &db, AssistantPolicy::ReadOnly, None).await;
    profile(
        &ctx,
        "active",
        url,
        "elsewhere",
        AssistantPolicy::ReadOnly,
        None,
    )
    .await;
    influxql(&ctx, None, &format!("CREATE DATABASE {db}")).await;
    write_lp(&ctx, &db, "temp,room=lab v=21.5 1700000000000000000\n").await;
    let store = SecretStore::memory();
    let server = serve(
        &ctx,
        &store,
        Session {
            profile: Some("pinned".into()),
        },
    )
    .await;
    let token = token(&store).await;
    let mut events = ctx.subscribe();

    let client = http_client(&server.url(), &token).await;
    let names: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    for t in [
        "query-data",
        "write-metrics",
        "manage-buckets",
        "list-measurements",
    ] {
        assert!(names.iter().any(|n| n == t), "{t} in {names:?}");
    }
    let r = client
        .call_tool(
            rmcp::model::CallToolRequestParams::new("query-data").with_arguments(
                json!({"query": "SELECT v, room FROM temp", "time_range": DAY})
                    .as_object()
                    .cloned()
                    .unwrap(),
            ),
        )
        .await
        .unwrap();
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    let data = r.structured_content.clone().unwrap();
    assert_eq!(
        data["tables"][0]["rows"],
        json!([["2023-11-14T22:13:20Z", 21.5, "lab"]]),
        "the exact point, from the session's profile (not the active one)"
    );
    let conn = client
        .read_resource(ReadResourceRequestParams::new("influxdesk://connection"))
        .await
        .unwrap();
    let conn = serde_json::to_string(&conn).unwrap();
    assert!(conn.contains("pinned"), "{conn}");
    for out in [serde_json::to_string(&r).unwrap(), conn] {
        assert!(!out.contains(&token), "the bearer token leaked: {out}");
    }
    client.cancel().await.unwrap();

    let mut assistant = false;
    while let Ok(e) = events.try_recv() {
        assistant |= e.action == "query.run"
            && e.actor
                == Actor::Assistant {
                    client: CLIENT.into(),
                };
    }
    assert!(
        assistant,
        "the query ran as the HTTP client, in the host's ctx"
    );
}

#[tokio::test]
async fn http_refuses_a_missing_or_wrong_token_and_foreign_hosts_or_origins() {
    let store = SecretStore::memory();
    let server = serve(&ctx(), &store, Session::default()).await;
    let token = token(&store).await;
    let url = server.url();
    let port = server.addr().port();

    let (status, body) = post(&url, &[]).await;
    assert_eq!(status, 401, "no token: {body}");
    assert!(body.contains("--print-token"), "says how to get it: {body}");
    for wrong in [
        bearer("not-the-token"),
        bearer(&token[..42]),
        ("Authorization", format!("Token {token}")),
        ("Authorization", token.clone()),
    ] {
        let (status, body) = post(&url, std::slice::from_ref(&wrong)).await;
        assert_eq!(status, 401, "{wrong:?}: {body}");
        assert!(!body.contains(&wrong.1), "the answer echoes no credential");
    }
    let resp = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(&url)
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()
            .get("www-authenticate")
            .map(|v| v.to_str().unwrap()),
        Some("Bearer realm=\"influxdesk\"")
    );

    for host in [
        "evil.example".to_string(),
        format!("evil.example:{port}"),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        format!("localhost.evil.example:{port}"),
    ] {
        let (status, body) = post(&url, &[bearer(&token), ("Host", host.clone())]).await;
        assert_eq!(status, 403, "Host {host}: {body}");
    }
    for origin in [
        "http://evil.example".to_string(),
        format!("http://evil.example:{port}"),
        format!("https://127.0.0.1:{port}"),
        format!("http://127.0.0.1:{}", port.wrapping_add(1)),
        "null".to_string(),
    ] {
        let (status, body) = post(&url, &[bearer(&token), ("Origin", origin.clone())]).await;
        assert_eq!(status, 403, "Origin {origin}: {body}");
    }
    // A foreign Host is refused before the token is even looked at.
    let (status, _) = post(&url, &[("Host", "evil.example".into())]).await;
    assert_eq!(status, 403);

    // What a local client sends passes.
    for extra in [
        vec![],
        vec![("Host", format!("localhost:{port}"))],
        vec![("Origin", format!("http://localhost:{port}"))],
        vec![("Origin", format!("http://127.0.0.1:{port}"))],
    ] {
        let mut h = vec![bearer(&token)];
        h.extend(extra.clone());
        let (status, body) = post(&url, &h).await;
        assert_eq!(status, 200, "{extra:?}: {body}");
        assert!(body.contains("\"serverInfo\""), "{body}");
    }
    let other = url.replace("/mcp", "/other");
    let (status, _) = post(&other, &[bearer(&token)]).await;
    assert_eq!(status, 404, "only /mcp is served");
}

#[tokio::test]
async fn a_rotated_token_replaces_the_old_one() {
    let store = SecretStore::memory();
    let server = serve(&ctx(), &store, Session::default()).await;
    let url = server.url();
    let first = token(&store).await;
    assert_eq!(
        influxdesk_mcp::http_token(&store).await.unwrap().expose(),
        first,
        "created once, then reused"
    );
    assert_eq!(first.len(), 43, "32 random bytes, base64url");
    assert_eq!(post(&url, &[bearer(&first)]).await.0, 200);

    // Through the server (the app's rotate button): at once.
    server.rotate_token().await.unwrap();
    let second = token(&store).await;
    assert_ne!(second, first);
    assert_eq!(post(&url, &[bearer(&first)]).await.0, 401, "old token");
    assert_eq!(post(&url, &[bearer(&second)]).await.0, 200, "new token");

    // In the keychain by another process (`influxdesk serve --rotate-token`): after the
    // server's next refresh (200 ms here, 5 s by default).
    let third = influxdesk_mcp::rotate_http_token(&store).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(post(&url, &[bearer(&second)]).await.0, 401, "old token");
    assert_eq!(post(&url, &[bearer(third.expose())]).await.0, 200);

    drop(server);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap()
            .post(&url)
            .send()
            .await
            .is_err(),
        "a dropped server stops listening"
    );
}

/// A keychain that is locked.
struct Locked;

impl SecretBackend for Locked {
    fn get(&self, _: &str) -> influxdesk_core::Result<Option<Secret>> {
        Err(Error::KeychainUnavailable("locked (test)".into()))
    }
    fn set(&self, _: &str, _: &Secret) -> influxdesk_core::Result<()> {
        Err(Error::KeychainUnavailable("locked (test)".into()))
    }
    fn delete(&self, _: &str) -> influxdesk_core::Result<()> {
        Err(Error::KeychainUnavailable("locked (test)".into()))
    }
    fn describe(&self) -> &'static str {
        "locked"
    }
}

#[tokio::test]
async fn only_127_0_0_1_is_bound_and_a_keychain_failure_stops_it_before_listening() {
    let store = SecretStore::memory();
    for addr in [
        "0.0.0.0:0",
        "[::1]:0",
        "[::]:0",
        "192.168.1.20:8765",
        "127.0.0.2:0",
    ] {
        let opts = HttpOptions::new(addr.parse().unwrap(), store.clone());
        let e = influxdesk_mcp::serve_http(ctx(), opts)
            .await
            .err()
            .unwrap_or_else(|| panic!("{addr} must be refused"));
        assert_eq!(e.code().as_str(), "InvalidInput", "{addr}");
        assert!(
            e.message().contains("127.0.0.1 only"),
            "{addr}: {}",
            e.message()
        );
        let parsed = influxdesk_mcp::parse_http_addr(addr).unwrap_err();
        assert_eq!(parsed.code().as_str(), "InvalidInput");
    }
    assert!(
        store.get(TOKEN_ACCOUNT).await.unwrap().is_none(),
        "a refused address creates no token"
    );

    let busy = serve(&ctx(), &store, Session::default()).await;
    let e = influxdesk_mcp::serve_http(ctx(), HttpOptions::new(busy.addr(), store.clone()))
        .await
        .err()
        .expect("a port in use is refused");
    assert_eq!(e.code().as_str(), "Conflict", "{}", e.message());

    let e = influxdesk_mcp::serve_http(
        ctx(),
        HttpOptions::new("127.0.0.1:0".parse().unwrap(), SecretStore::new(Locked)),
    )
    .await
    .err()
    .expect("no token, no server");
    assert_eq!(e.code().as_str(), "KeychainUnavailable");
}

#[tokio::test]
async fn the_token_never_reaches_a_tool_or_resource() {
    let ctx = ctx();
    let db = unique_db("httpscan");
    profile(
        &ctx,
        "scan",
        &open_server().url,
        &db,
        AssistantPolicy::Allow,
        None,
    )
    .await;
    let store = SecretStore::memory();
    let server = serve(&ctx, &store, Session::default()).await;
    let token = token(&store).await;
    let client = http_client(&server.url(), &token).await;
    let mut seen: Vec<Value> = Vec::new();
    for (tool, args) in [
        (
            "manage-buckets",
            json!({"action": "create", "bucket_name": db}),
        ),
        ("manage-buckets", json!({"action": "list"})),
        (
            "write-metrics",
            json!({"measurement": "m", "fields": {"v": 1}, "timestamp": "2023-11-14T22:13:20Z"}),
        ),
        (
            "query-data",
            json!({"query": "SELECT * FROM m", "time_range": DAY}),
        ),
        ("query-data", json!({"query": "SELEC nonsense"})),
    ] {
        let r = client
            .call_tool(
                rmcp::model::CallToolRequestParams::new(tool)
                    .with_arguments(args.as_object().cloned().unwrap()),
            )
            .await
            .unwrap();
        seen.push(serde_json::to_value(&r).unwrap());
    }
    for uri in ["influxdesk://connection", "influxdesk://buckets"] {
        let r = client
            .read_resource(ReadResourceRequestParams::new(uri))
            .await
            .unwrap();
        seen.push(serde_json::to_value(&r).unwrap());
    }
    let all = serde_json::to_string(&seen).unwrap();
    assert!(!all.contains(&token), "the bearer token leaked: {all}");
    assert!(
        all.contains("\"points\":1"),
        "the write went through: {all}"
    );
    client.cancel().await.unwrap();
}
