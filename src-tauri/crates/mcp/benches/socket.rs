//! The MCP socket's overhead: 50 concurrent rmcp clients, each on its own Unix socket
//! connection, making 100 `query-data` calls each, next to the same InfluxQL sent straight to
//! influxd's `/query` over HTTP (reqwest, 50 tasks x 100 calls) in the same run, as a ratio.
//! Both sides read the same rows from a real influxd (auth off) and parse them; the MCP side
//! adds JSON-RPC, the policy, core's client and its own HTTP call, so it is expected to be
//! slower: this measures by how much. Numbers are printed, never asserted. Run by `.ci/bench`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use influxdesk_core::api::profiles;
use influxdesk_core::local::{LocalConfig, LocalServer};
use influxdesk_core::model::{
    AddProfileReq, ApiKind, AssistantPolicy, ProfileFields, SecretChange,
};
use influxdesk_core::secrets::SecretStore;
use influxdesk_core::{Actor, Ctx, CtxOptions};
use influxdesk_testkit::bench::{self, cpu_lines, median, percentile, scratch};
use rmcp::ServiceExt;
use rmcp::model::{
    CallToolRequestParams, ClientCapabilities, ClientConfig, Implementation, JsonObject,
};
use serde_json::{Value, json};

const CLIENTS: usize = 50;
const CALLS: usize = 100;
/// Calls of the single-client phase.
const SOLO_CALLS: usize = 300;
const POINTS: usize = 1000;
const HOSTS: usize = 4;
const DB: &str = "bench";
const QUERY: &str = "SELECT usage_user, usage_system FROM cpu GROUP BY host";
const TIME_RANGE: &str = "-1h";
/// Runs of each stage timed in the breakdown.
const STAGE_RUNS: usize = 101;

/// `POST /query` or `/write` for setup; panics unless influxd says 2xx.
async fn post(http: &reqwest::Client, url: &str, form: &[(&str, &str)], body: Option<String>) {
    let mut rb = http.post(url);
    if let Some(b) = body {
        rb = rb.query(form).body(b);
    } else {
        rb = rb.form(form);
    }
    let resp = rb.send().await.expect("influxd answers");
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    assert!(status.is_success(), "{url}: {status} {text}");
}

/// Rows in a v1 `/query` JSON answer (all series of all results).
fn v1_rows(v: &Value) -> usize {
    v["results"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| r["series"].as_array().into_iter().flatten())
        .map(|s| s["values"].as_array().map_or(0, Vec::len))
        .sum()
}

struct Stats {
    p50: Duration,
    p99: Duration,
    mean: Duration,
    per_sec: f64,
}

fn stats(mut lat: Vec<Duration>, wall: Duration) -> Stats {
    lat.sort();
    let n = lat.len();
    let at = |q: f64| percentile(&lat, q);
    Stats {
        p50: at(0.50),
        p99: at(0.99),
        mean: lat.iter().sum::<Duration>() / n as u32,
        per_sec: n as f64 / wall.as_secs_f64(),
    }
}

/// One line of the latency table.
fn row(label: &str, s: &Stats) {
    println!(
        "{:<26} {:>10.2} {:>10.2} {:>10.2} {:>12.0}",
        label,
        ms(s.p50),
        ms(s.p99),
        ms(s.mean),
        s.per_sec
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn args() -> JsonObject {
    json!({
        "query": QUERY,
        "bucket": DB,
        "time_range": TIME_RANGE,
        "format": "json",
        "language": "influxql",
        "limit": POINTS,
    })
    .as_object()
    .cloned()
    .unwrap()
}

/// An rmcp client named `name`, connected to the socket at `path` and initialized.
async fn connect(
    path: &Path,
    name: String,
) -> rmcp::service::RunningService<rmcp::RoleClient, ClientConfig> {
    let stream = tokio::net::UnixStream::connect(path)
        .await
        .expect("connect to the socket");
    ClientConfig::new(
        ClientCapabilities::default(),
        Implementation::new(name, "1.0.0"),
    )
    .serve(stream)
    .await
    .expect("MCP initialize over the socket")
}

/// One client: connect, initialize, `CALLS` calls; per-call latencies and the rows each saw.
async fn mcp_client(path: PathBuf, i: usize, calls: usize) -> (Vec<Duration>, Vec<usize>) {
    let client = connect(&path, format!("bench-client-{i}")).await;
    let mut lat = Vec::with_capacity(calls);
    let mut rows = Vec::with_capacity(calls);
    for _ in 0..calls {
        let t = Instant::now();
        let r = client
            .call_tool(CallToolRequestParams::new("query-data").with_arguments(args()))
            .await
            .expect("query-data: no protocol error");
        lat.push(t.elapsed());
        assert_ne!(r.is_error, Some(true), "query-data failed: {:?}", r.content);
        let s = r.structured_content.expect("structured content");
        assert_eq!(s["truncated"], json!(false), "not truncated: {s}");
        let n: usize = s["tables"]
            .as_array()
            .expect("tables")
            .iter()
            .map(|t| t["rows"].as_array().map_or(0, Vec::len))
            .sum();
        assert_eq!(s["rows"].as_u64(), Some(n as u64), "rows match the tables");
        rows.push(n);
    }
    let _ = client.cancel().await;
    (lat, rows)
}

/// One direct task: `CALLS` GETs of `/query`, each answer read and parsed.
async fn direct_task(
    http: reqwest::Client,
    url: String,
    q: String,
    calls: usize,
) -> (Vec<Duration>, Vec<usize>) {
    let mut lat = Vec::with_capacity(calls);
    let mut rows = Vec::with_capacity(calls);
    for _ in 0..calls {
        let t = Instant::now();
        let resp = http
            .get(&url)
            .query(&[("q", q.as_str()), ("db", DB), ("epoch", "ns")])
            .send()
            .await
            .expect("influxd answers");
        assert!(resp.status().is_success(), "{}", resp.status());
        let body = resp.bytes().await.expect("body");
        let v: Value = serde_json::from_slice(&body).expect("JSON");
        lat.push(t.elapsed());
        rows.push(v1_rows(&v));
    }
    (lat, rows)
}

/// `calls` runs of the query through core's `query::run` as an assistant, in this process.
async fn core_task(ctx: Arc<Ctx>, calls: usize) -> (Vec<Duration>, Vec<usize>) {
    use influxdesk_core::api::query;
    use influxdesk_core::model::{QueryLanguage, RunQueryReq, TimeRange};
    let actor = Actor::Assistant {
        client: "bench-core".into(),
    };
    let mut lat = Vec::with_capacity(calls);
    let mut rows = Vec::with_capacity(calls);
    for _ in 0..calls {
        let req = RunQueryReq {
            profile: None,
            language: Some(QueryLanguage::Influxql),
            database: Some(DB.into()),
            query: QUERY.into(),
            row_limit: Some(POINTS),
            time_range: Some(TimeRange::Relative {
                duration: TIME_RANGE.trim_start_matches('-').into(),
            }),
            query_id: None,
        };
        let t = Instant::now();
        let r = query::run(&ctx, &actor, req).await.expect("core query");
        lat.push(t.elapsed());
        rows.push(r.rows);
    }
    (lat, rows)
}

/// Run `CLIENTS` tasks at once; all latencies, every row count, and the wall time.
async fn phase<F>(tasks: Vec<F>) -> (Vec<Duration>, Vec<usize>, Duration)
where
    F: std::future::Future<Output = (Vec<Duration>, Vec<usize>)> + Send + 'static,
{
    let t = Instant::now();
    let handles: Vec<_> = tasks.into_iter().map(tokio::spawn).collect();
    let mut lat = Vec::new();
    let mut rows = Vec::new();
    for h in handles {
        let (l, r) = h.await.expect("task");
        lat.extend(l);
        rows.extend(r);
    }
    (lat, rows, t.elapsed())
}

fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path();
    // Started before the runtime: LocalServer::start blocks until influxd answers.
    let server = LocalServer::start(&LocalConfig {
        dir: scratch(base, "influxd"),
        http_port: 0,
        auth_enabled: false,
        tls: None,
    })
    .unwrap_or_else(|e| panic!("influxd must start (Debian package `influxdb`): {e}"));
    let url = server.url();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run(base, url));
    drop(server);
}

async fn run(base: &Path, url: String) {
    // Like core's client for a server on this machine: one pool, plain (not gzip) answers, so
    // both sides cost influxd the same and the ratio is influxdesk's own overhead.
    let http = reqwest::Client::builder().no_gzip().build().unwrap();
    let query_url = format!("{}/query", url.trim_end_matches('/'));
    let write_url = format!("{}/write", url.trim_end_matches('/'));

    // The data: POINTS points of `cpu` over HOSTS hosts, one a second ending a minute ago.
    post(
        &http,
        &query_url,
        &[("q", &format!("CREATE DATABASE {DB}"))],
        None,
    )
    .await;
    let end = chrono::Utc::now().timestamp() - 60;
    let lines = cpu_lines(POINTS, HOSTS, end);
    post(
        &http,
        &write_url,
        &[("db", DB), ("precision", "s")],
        Some(lines),
    )
    .await;

    // The context and its read-only v1 profile.
    let ctx: Arc<Ctx> = Ctx::new(CtxOptions {
        config_dir: scratch(base, "config"),
        data_dir: scratch(base, "data"),
        secrets: SecretStore::memory(),
        env_profile: None,
    });
    profiles::add(
        &ctx,
        &Actor::User,
        AddProfileReq {
            fields: ProfileFields {
                name: "bench".into(),
                url: url.clone(),
                api: ApiKind::V1,
                database: Some(DB.into()),
                assistant_policy: Some(AssistantPolicy::ReadOnly),
                ..ProfileFields::default()
            },
            secret: SecretChange::default(),
            activate: true,
        },
    )
    .await
    .expect("add the profile");

    // The socket, at an explicit path in a private temp dir.
    let sock_dir = scratch(base, "sock");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&sock_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let path = sock_dir.join("mcp.sock");
    let _socket = influxdesk_mcp::serve_unix(ctx.clone(), &path)
        .await
        .expect("serve the MCP socket");

    // A warm-up call on each side: the query as core sent it is what the direct side sends.
    let warm = {
        let client = connect(&path, "bench-warmup".into()).await;
        let r = client
            .call_tool(CallToolRequestParams::new("query-data").with_arguments(args()))
            .await
            .unwrap();
        assert_ne!(r.is_error, Some(true), "query-data failed: {:?}", r.content);
        let _ = client.cancel().await;
        r.structured_content.unwrap()
    };
    let executed = warm["executed_query"].as_str().unwrap().to_string();
    let expected = warm["rows"].as_u64().unwrap() as usize;
    assert_eq!(expected, POINTS, "the warm-up query reads every point");

    // (a) MCP over the socket.
    let (mcp_lat, mcp_rows, mcp_wall) = phase(
        (0..CLIENTS)
            .map(|i| mcp_client(path.clone(), i, CALLS))
            .collect(),
    )
    .await;
    // (b) The peer: the same query straight to influxd.
    let (dir_lat, dir_rows, dir_wall) = phase(
        (0..CLIENTS)
            .map(|_| direct_task(http.clone(), query_url.clone(), executed.clone(), CALLS))
            .collect(),
    )
    .await;

    let total = CLIENTS * CALLS;
    assert_eq!(mcp_lat.len(), total, "every MCP call answered");
    assert_eq!(dir_lat.len(), total, "every direct call answered");
    assert!(
        mcp_rows.iter().chain(&dir_rows).all(|&n| n == expected),
        "every call on both sides read {expected} rows"
    );
    let m = stats(mcp_lat, mcp_wall);
    let d = stats(dir_lat, dir_wall);

    // (c) One client alone, then one direct task alone: the latency MCP adds to a call when
    // the machine is not saturated (the "< 1 ms p50 added").
    let (one_lat, one_rows, one_wall) =
        phase(vec![mcp_client(path.clone(), CLIENTS, SOLO_CALLS)]).await;
    let (solo_lat, solo_rows, solo_wall) = phase(vec![direct_task(
        http.clone(),
        query_url.clone(),
        executed.clone(),
        SOLO_CALLS,
    )])
    .await;
    assert!(
        one_rows.iter().chain(&solo_rows).all(|&n| n == expected),
        "every single-client call read {expected} rows"
    );
    // (d) core's query::run alone, as the assistant, in this process: the MCP path without
    // JSON-RPC, the socket and the client (what the profile, the policy, the streaming reader
    // and the history cost over the direct query).
    let (core_lat, core_rows, core_wall) = phase(vec![core_task(ctx.clone(), SOLO_CALLS)]).await;
    assert!(
        core_rows.iter().all(|&n| n == expected),
        "every core call read {expected} rows"
    );
    // The server's own time for the single client's calls, from core's activity log.
    let served = {
        let mut d: Vec<f64> = influxdesk_core::api::activity::list(&ctx)
            .into_iter()
            .filter(|e| e.client == format!("bench-client-{CLIENTS}"))
            .map(|e| e.duration_ms)
            .collect();
        median(&mut d)
    };
    // (e) The bare JSON-RPC round trip over the socket: resources/list, which reads nothing.
    let rt = {
        let client = connect(&path, "bench-roundtrip".into()).await;
        let mut lat = Vec::with_capacity(SOLO_CALLS);
        for _ in 0..SOLO_CALLS {
            let t = Instant::now();
            let r = client.list_resources(None).await.expect("resources/list");
            lat.push(t.elapsed());
            assert_eq!(r.resources.len(), 2);
        }
        let _ = client.cancel().await;
        let wall = lat.iter().sum();
        stats(lat, wall)
    };
    let m1 = stats(one_lat, one_wall);
    let d1 = stats(solo_lat, solo_wall);
    let c1 = stats(core_lat, core_wall);

    println!(
        "query-data over the MCP socket vs the same InfluxQL straight to influxd /query \
         ({CLIENTS} concurrent clients x {CALLS} calls, {expected} rows per call)"
    );
    println!("query: {executed}");
    println!(
        "{:<26} {:>10} {:>10} {:>10} {:>12}",
        "path", "p50 ms", "p99 ms", "mean ms", "calls/s"
    );
    row("MCP socket (rmcp client)", &m);
    row("direct HTTP (reqwest)", &d);
    println!(
        "{:<26} {:>9.2}x {:>9.2}x {:>9.2}x {:>11.2}x",
        "ratio MCP/direct",
        ms(m.p50) / ms(d.p50),
        ms(m.p99) / ms(d.p99),
        ms(m.mean) / ms(d.mean),
        m.per_sec / d.per_sec
    );
    println!("one client alone, {SOLO_CALLS} calls in a row on each side:");
    row("MCP socket, 1 client", &m1);
    row("core query::run, 1 task", &c1);
    row("MCP resources/list", &rt);
    row("direct HTTP, 1 task", &d1);
    println!(
        "{:<26} {served:>10.2}   (p50 of the tool calls' time inside the server, activity log)",
        "MCP server's own part"
    );
    println!(
        "{:<26} {:>+9.2}  {:>+9.2}  {:>+9.2}   (ms added by MCP; goal: p50 under 1 ms)",
        "added by MCP",
        ms(m1.p50) - ms(d1.p50),
        ms(m1.p99) - ms(d1.p99),
        ms(m1.mean) - ms(d1.mean),
    );

    // Where the MCP side's own time goes, stage by stage, on the same answer.
    let body = http
        .get(&query_url)
        .query(&[("q", executed.as_str()), ("db", DB), ("epoch", "ns")])
        .send()
        .await
        .expect("influxd answers")
        .bytes()
        .await
        .expect("body");
    breakdown(&body, &executed);
}

/// The median time of `f` over `STAGE_RUNS` runs, in ms.
fn median_ms(f: impl FnMut()) -> f64 {
    bench::median_ms(STAGE_RUNS, f).0
}

/// Times each stage of one `query-data` call in this process, on influxd's answer `body`:
/// what the direct peer does with it, and what the MCP path does on top (core's parse, the
/// result as JSON with its text copy, the JSON-RPC encoding, the rmcp client's decoding).
fn breakdown(body: &[u8], executed: &str) {
    use influxdesk_core::influx::parse::{Budget, v1_json};
    use influxdesk_core::model::QueryLanguage;
    use influxdesk_mcp::params::{QueryDataResult, Table};
    use rmcp::model::{CallToolResult, NumberOrString, ServerJsonRpcMessage, ServerResult};

    let frames = || v1_json(body, &mut Budget::new(POINTS)).expect("core parses the answer");
    let result = |frames| {
        let r = QueryDataResult {
            language: QueryLanguage::Influxql,
            rows: POINTS,
            truncated: false,
            limit: POINTS,
            executed_query: executed.to_string(),
            note: None,
            tables: Some(Table::from_frames(frames)),
            text: None,
        };
        CallToolResult::structured(r.into_value())
    };
    let message = |r| {
        ServerJsonRpcMessage::response(ServerResult::CallToolResult(r), NumberOrString::Number(1))
    };
    let wire = serde_json::to_vec(&message(result(frames()))).expect("encodes");

    let direct = median_ms(|| {
        let v: Value = serde_json::from_slice(body).expect("JSON");
        std::hint::black_box(v);
    });
    let parse = median_ms(|| {
        std::hint::black_box(frames());
    });
    let build = {
        let mut input: Vec<_> = (0..STAGE_RUNS).map(|_| frames()).collect();
        median_ms(|| {
            std::hint::black_box(result(input.pop().unwrap()));
        })
    };
    let encode = {
        let mut input: Vec<_> = (0..STAGE_RUNS).map(|_| message(result(frames()))).collect();
        median_ms(|| {
            let m = input.pop().unwrap();
            std::hint::black_box(serde_json::to_vec(&m).expect("encodes"));
        })
    };
    let decode = median_ms(|| {
        let m: ServerJsonRpcMessage = serde_json::from_slice(&wire).expect("rmcp decodes");
        std::hint::black_box(m);
    });
    println!(
        "where the time goes, one call's stages in this process (median of {STAGE_RUNS}; \
         influxd's answer {:.0} KB, the MCP response {:.0} KB with its text copy):",
        body.len() as f64 / 1e3,
        wire.len() as f64 / 1e3
    );
    println!("  direct side: influxd's answer parsed into a JSON value      {direct:>7.3} ms");
    println!("  MCP side:    core's parse of the answer into frames         {parse:>7.3} ms");
    println!("               the result as JSON + its text copy (server)    {build:>7.3} ms");
    println!("               JSON-RPC encoding (server)                     {encode:>7.3} ms");
    println!("               rmcp client decoding the response              {decode:>7.3} ms");
    println!(
        "               MCP's work beyond the direct side's parse      {:>+7.3} ms",
        parse + build + encode + decode - direct
    );
}
