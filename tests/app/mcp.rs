//! `influxdesk mcp` as AI clients launch it: the real binary on stdio, driven by rmcp's client,
//! serving in-process (the INFLUX_* `env` profile, as a drop-in for the seed's server) and
//! bridging to a running socket server (the app's), against a real influxd.

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use influxdesk_core::api::profiles;
use influxdesk_core::model::*;
use influxdesk_core::secrets::SecretStore;
use influxdesk_core::{Actor, Ctx, CtxOptions};
use rmcp::ServiceExt;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, Implementation,
    ReadResourceRequestParams,
};
use rmcp::service::{RoleClient, RunningService};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

use crate::support::{BIN, influxd, scratch};

const CLIENT: &str = "app-stdio-test";

struct Session {
    client: RunningService<RoleClient, ClientConfig>,
    child: Child,
}

/// Start `influxdesk mcp ARGS` with `env` and connect rmcp's client to its stdio.
async fn start(args: &[&str], env: &[(&str, &str)]) -> Session {
    let mut child = Command::new(BIN)
        .arg("mcp")
        .args(args)
        .env_remove("INFLUX_URL")
        .env_remove("INFLUX_TOKEN")
        .env_remove("INFLUX_BUCKET")
        .env_remove("RUST_LOG")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn influxdesk mcp");
    let io = (child.stdout.take().unwrap(), child.stdin.take().unwrap());
    let config = ClientConfig::new(
        ClientCapabilities::default(),
        Implementation::new(CLIENT, "1.0.0"),
    );
    let client = config.serve(io).await.expect("MCP initialize over stdio");
    Session { client, child }
}

impl Session {
    async fn call(&self, tool: &str, args: Value) -> CallToolResult {
        self.client
            .call_tool(
                CallToolRequestParams::new(tool.to_string())
                    .with_arguments(args.as_object().cloned().unwrap()),
            )
            .await
            .unwrap_or_else(|e| panic!("{tool}: {e}"))
    }

    async fn ok(&self, tool: &str, args: Value) -> Value {
        let r = self.call(tool, args).await;
        assert_ne!(r.is_error, Some(true), "{tool}: {}", text(&r));
        r.structured_content.unwrap()
    }

    /// Close the client; the process must end by itself, successfully.
    async fn close(mut self) {
        self.client.cancel().await.unwrap();
        let status = tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .expect("influxdesk mcp exits when its client leaves")
            .unwrap();
        assert!(status.success(), "{status}");
    }
}

fn text(r: &CallToolResult) -> String {
    r.content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect()
}

/// A socket path where nothing listens (so `influxdesk mcp` serves in-process).
fn no_socket() -> String {
    scratch("no-socket-").join("mcp.sock").display().to_string()
}

#[tokio::test]
async fn stdio_in_process_with_the_env_profile_writes_and_reads_back() {
    let server = influxd(None);
    let config = scratch("mcp-env-");
    let socket = no_socket();
    let url = server.url();
    let env = [
        ("INFLUXDESK_CONFIG_DIR", config.to_str().unwrap()),
        ("INFLUXDESK_SOCKET", socket.as_str()),
        ("INFLUX_URL", url.as_str()),
        ("INFLUX_BUCKET", "stdio"),
    ];
    let s = start(&["--allow-writes"], &env).await;
    let mut names: Vec<String> = s
        .client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "add-annotation",
            "add-cell",
            "backtest-alert",
            "create-alerts",
            "create-dashboard",
            "delete-alerts",
            "delete-data",
            "describe-measurement",
            "get-dashboard",
            "get-metrics",
            "health-check",
            "investigate-database",
            "kill-query",
            "list-alerts",
            "list-annotations",
            "list-dashboards",
            "list-measurements",
            "list-queries",
            "list-server-alerts",
            "manage-buckets",
            "manage-downsampling",
            "manage-tokens",
            "manage-users",
            "query-data",
            "remove-annotation",
            "render-chart",
            "test-alert-channel",
            "update-cell",
            "write-metrics"
        ]
    );
    s.ok(
        "manage-buckets",
        json!({"action": "create", "bucket_name": "stdio"}),
    )
    .await;
    let w = s
        .ok(
            "write-metrics",
            json!({"measurement": "temp", "tags": {"room": "lab"}, "fields": {"v": 21.5},
                   "timestamp": "2023-11-14T22:13:20Z", "precision": "s"}),
        )
        .await;
    assert_eq!(w["line_protocol"], "temp,room=lab v=21.5 1700000000");
    let q = s
        .ok(
            "query-data",
            json!({"query": "SELECT v, room FROM temp",
                   "time_range": "2023-11-14T00:00:00Z..2023-11-15T00:00:00Z"}),
        )
        .await;
    assert_eq!(
        q["tables"][0]["rows"],
        json!([["2023-11-14T22:13:20Z", 21.5, "lab"]]),
        "the exact point"
    );
    s.close().await;
}

#[tokio::test]
async fn stdio_refuses_writes_unless_the_session_allows_them() {
    let server = influxd(None);
    let config = scratch("mcp-ro-");
    let socket = no_socket();
    let url = server.url();
    let env = [
        ("INFLUXDESK_CONFIG_DIR", config.to_str().unwrap()),
        ("INFLUXDESK_SOCKET", socket.as_str()),
        ("INFLUX_URL", url.as_str()),
        ("INFLUX_BUCKET", "stdio"),
    ];
    let s = start(&[], &env).await;
    let r = s
        .call(
            "write-metrics",
            json!({"measurement": "m", "fields": {"v": 1}}),
        )
        .await;
    assert_eq!(r.is_error, Some(true));
    assert!(
        text(&r).starts_with("Forbidden: ") && text(&r).contains("--allow-writes"),
        "{}",
        text(&r)
    );
    s.close().await;

    let s = start(&["--read-only"], &env).await;
    let r = s
        .call("query-data", json!({"query": "DROP DATABASE stdio"}))
        .await;
    assert!(
        text(&r).starts_with("Forbidden: query-data only reads"),
        "{}",
        text(&r)
    );
    let r = s
        .call(
            "write-metrics",
            json!({"measurement": "m", "fields": {"v": 1}}),
        )
        .await;
    assert!(
        text(&r).starts_with("Forbidden: ") && text(&r).contains("--read-only"),
        "{}",
        text(&r)
    );
    s.close().await;

    let out = std::process::Command::new(BIN)
        .args(["mcp", "--profile", "nope"])
        .envs(env)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("error[NotFound]") && err.contains("nope"),
        "an unknown --profile fails before serving: {err}"
    );
    let out = std::process::Command::new(BIN)
        .args(["mcp", "--read-only", "--allow-writes"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "--read-only and --allow-writes conflict"
    );
}

/// A context like the app's, over `config`, with one "allow" profile for the bridge and an
/// active one it must not use.
async fn host_ctx(config: &Path, url: &str) -> Arc<Ctx> {
    let ctx = Ctx::new(CtxOptions {
        config_dir: config.to_path_buf(),
        data_dir: scratch("mcp-host-data-"),
        secrets: SecretStore::memory(),
        env_profile: None,
    });
    for (name, db) in [("bridged", "bridge"), ("other", "elsewhere")] {
        profiles::add(
            &ctx,
            &Actor::User,
            AddProfileReq {
                fields: ProfileFields {
                    name: name.into(),
                    url: url.into(),
                    api: ApiKind::V1,
                    database: Some(db.into()),
                    assistant_policy: Some(AssistantPolicy::Allow),
                    ..ProfileFields::default()
                },
                secret: SecretChange::Keep,
                activate: true,
            },
        )
        .await
        .unwrap();
    }
    ctx
}

#[tokio::test]
async fn stdio_bridges_to_the_running_socket_server() {
    let server = influxd(None);
    let config = scratch("mcp-bridge-");
    let ctx = host_ctx(&config, &server.url()).await;
    let dir = scratch("mcp-sock-");
    std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let socket = dir.join("mcp.sock");
    let host = influxdesk_mcp::serve_unix(ctx.clone(), &socket)
        .await
        .unwrap();
    let mut events = ctx.subscribe();

    let env = [
        ("INFLUXDESK_CONFIG_DIR", config.to_str().unwrap()),
        ("INFLUXDESK_SOCKET", socket.to_str().unwrap()),
    ];
    let s = start(&["--profile", "bridged"], &env).await;
    s.ok(
        "manage-buckets",
        json!({"action": "create", "bucket_name": "bridge"}),
    )
    .await;
    s.ok(
        "write-metrics",
        json!({"measurement": "m", "fields": {"v": 7}, "timestamp": "2023-11-14T22:13:20Z"}),
    )
    .await;
    let r = s
        .client
        .read_resource(ReadResourceRequestParams::new("influxdesk://connection"))
        .await
        .unwrap();
    let c: Value = serde_json::from_str(
        serde_json::to_value(&r.contents[0]).unwrap()["text"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        (c["profile"].as_str(), c["database"].as_str()),
        (Some("bridged"), Some("bridge")),
        "--profile reaches the app's server (the active profile is \"other\")"
    );
    s.close().await;

    let mut seen = Vec::new();
    while let Ok(e) = events.try_recv() {
        seen.push((e.actor, e.action));
    }
    let me = Actor::Assistant {
        client: CLIENT.into(),
    };
    assert!(
        seen.contains(&(me.clone(), "write".into()))
            && seen.contains(&(me, "bucket.create".into())),
        "the calls ran in the host's context, so the app sees them: {seen:?}"
    );
    drop(host);
    assert!(!socket.exists());
}
