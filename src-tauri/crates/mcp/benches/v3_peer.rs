//! influxdesk's MCP server next to the official InfluxDB 3 MCP server
//! (`@influxdata/influxdb3-mcp-server` from npm, run with node), both over stdio, both on the
//! same real InfluxDB 3 Core (auth on, admin token) and the same SQL returning 1,000 rows.
//!
//! One rmcp client per server, each server a child process started the way an AI client starts
//! it, with the same environment (`INFLUX_DB_INSTANCE_URL`, `INFLUX_DB_TOKEN`,
//! `INFLUX_DB_PRODUCT_TYPE=core`, which influxdesk reads as its `env` profile). Ours is this
//! bench binary run again as a child serving `influxdesk_mcp::run_stdio`, the entry
//! `influxdesk mcp` serves in-process (no app socket there), so no app build is needed.
//! Calls alternate, one round at a time: our `query-data`, the official `query_sql` (its
//! bounded read-only tool) and `execute_query` (its plain one), and the same SQL sent straight
//! to `/api/v3/query_sql` over HTTP (the server's own share). Every answer is checked for its
//! 1,000 rows. Numbers are printed, never asserted. Run by `.ci/bench`, which installs the npm
//! package into target/bench-node (`INFLUXDESK_BENCH_MCP3` names its `build/index.js`).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use influxdesk_core::api::EnvProfile;
use influxdesk_core::secrets::SecretStore;
use influxdesk_core::{Ctx, CtxOptions};
use influxdesk_testkit::bench::{cpu_lines, percentile, scratch};
use influxdesk_testkit::influxdb3;
use rmcp::ServiceExt;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, Implementation,
    JsonObject,
};
use rmcp::service::{RoleClient, RunningService};
use serde_json::{Value, json};

/// Set in the child that serves our side.
const CHILD_ENV: &str = "INFLUXDESK_BENCH_STDIO_CHILD";
/// The official server's `build/index.js`.
const PEER_ENV: &str = "INFLUXDESK_BENCH_MCP3";
const ROUNDS: usize = 200;
const WARMUP: usize = 10;
const POINTS: usize = 1000;
const HOSTS: usize = 4;

fn sql(table: &str) -> String {
    format!(
        "SELECT time, host, usage_user, usage_system FROM {table} \
         WHERE time >= now() - INTERVAL '1 hour' ORDER BY time LIMIT {POINTS}"
    )
}

fn main() {
    if std::env::var_os(CHILD_ENV).is_some() {
        child();
    }
    let Some(peer) = std::env::var_os(PEER_ENV).map(PathBuf::from) else {
        println!(
            "v3 MCP peer bench SKIPPED: {PEER_ENV} must name the official server's \
             build/index.js (.ci/bench installs @influxdata/influxdb3-mcp-server)"
        );
        return;
    };
    let Some(server) = influxdb3::auth() else {
        println!("v3 MCP peer bench SKIPPED: no influxdb3 binary (see testkit's influxdb3)");
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run(server, &peer));
}

/// Our side: `run_stdio` over this process's stdin/stdout, the `env` profile from the
/// official server's variables, secrets in memory (the token comes from the environment).
fn child() -> ! {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = PathBuf::from(std::env::var_os("INFLUXDESK_CONFIG_DIR").expect("config dir"));
        let ctx = Ctx::new(CtxOptions {
            config_dir: dir.join("config"),
            data_dir: dir.join("data"),
            secrets: SecretStore::memory(),
            env_profile: EnvProfile::from_vars(|k| std::env::var(k).ok()).expect("env profile"),
        });
        influxdesk_mcp::run_stdio(ctx.clone(), influxdesk_mcp::StdioOptions::default())
            .await
            .expect("serve MCP on stdio");
        ctx.flush();
    });
    // As `influxdesk mcp` does: tokio's stdin read cannot be cancelled.
    std::process::exit(0)
}

type Client = RunningService<RoleClient, ClientConfig>;

/// Start `cmd` with piped stdio and initialize an rmcp client over it.
async fn connect(mut cmd: tokio::process::Command, name: &str) -> (Client, Option<u32>) {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("start {name}: {e}"));
    let pid = child.id();
    let out = child.stdout.take().unwrap();
    let inp = child.stdin.take().unwrap();
    // The child lives as long as the client: its pipes close when the client goes.
    tokio::spawn(async move {
        let _ = child.wait().await;
    });
    let client = ClientConfig::new(
        ClientCapabilities::default(),
        Implementation::new(format!("bench-{name}"), "1.0.0"),
    )
    .serve((out, inp))
    .await
    .unwrap_or_else(|e| panic!("MCP initialize with {name}: {e}"));
    (client, pid)
}

fn obj(v: Value) -> JsonObject {
    v.as_object().cloned().unwrap()
}

/// One call; its latency and the rows it returned (checked by `rows`).
async fn call(
    c: &Client,
    tool: &'static str,
    args: &JsonObject,
    rows: fn(&CallToolResult) -> usize,
) -> Duration {
    let t = Instant::now();
    let r = c
        .call_tool(CallToolRequestParams::new(tool).with_arguments(args.clone()))
        .await
        .unwrap_or_else(|e| panic!("{tool}: protocol error {e}"));
    let d = t.elapsed();
    assert_ne!(r.is_error, Some(true), "{tool} failed: {:?}", r.content);
    assert_eq!(rows(&r), POINTS, "{tool} returned every row");
    d
}

fn text(r: &CallToolResult) -> &str {
    r.content
        .first()
        .and_then(|c| c.as_text())
        .map(|t| t.text.as_str())
        .expect("a text content")
}

fn ours_rows(r: &CallToolResult) -> usize {
    let s = r.structured_content.as_ref().expect("structured content");
    assert_eq!(s["truncated"], json!(false), "not truncated: {s}");
    s["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .map(|t| t["rows"].as_array().map_or(0, Vec::len))
        .sum()
}

/// `query_sql` answers `{ok, rows: [...], metadata, ...}` as JSON text.
fn query_sql_rows(r: &CallToolResult) -> usize {
    let v: Value = serde_json::from_str(text(r)).expect("query_sql answers JSON");
    v["rows"].as_array().expect("rows").len()
}

/// `execute_query` answers "Query executed successfully:\n" and a JSON array.
fn execute_query_rows(r: &CallToolResult) -> usize {
    let t = text(r);
    let json = &t[t.find('[').expect("a JSON array")..];
    let v: Value = serde_json::from_str(json).expect("execute_query answers JSON");
    v.as_array().expect("an array").len()
}

struct Stats {
    p50: f64,
    p99: f64,
    mean: f64,
}

fn stats(mut lat: Vec<Duration>) -> Stats {
    lat.sort();
    let n = lat.len();
    let at = |q: f64| percentile(&lat, q).as_secs_f64() * 1e3;
    Stats {
        p50: at(0.50),
        p99: at(0.99),
        mean: lat.iter().sum::<Duration>().as_secs_f64() * 1e3 / n as f64,
    }
}

async fn run(server: &'static influxdb3::Influxdb3, peer: &Path) {
    let token = server.token.clone().expect("the auth server has a token");
    let db = server.database("mcppeer").await;
    let http = reqwest::Client::builder().no_gzip().build().unwrap();
    let base = server.url.trim_end_matches('/').to_string();

    // The data: POINTS rows of `cpu` over HOSTS hosts, one a second, ending a minute ago.
    let end = chrono::Utc::now().timestamp() - 60;
    let lines = cpu_lines(POINTS, HOSTS, end);
    let resp = http
        .post(format!("{base}/api/v3/write_lp"))
        .query(&[("db", db.name.as_str()), ("precision", "second")])
        .bearer_auth(&token)
        .body(lines)
        .send()
        .await
        .expect("influxdb3 answers");
    assert!(resp.status().is_success(), "write: {}", resp.status());
    let q = sql("cpu");

    let tmp = tempfile::tempdir().unwrap();
    let env = [
        ("INFLUX_DB_INSTANCE_URL", format!("{base}/")),
        ("INFLUX_DB_TOKEN", token.clone()),
        ("INFLUX_DB_PRODUCT_TYPE", "core".to_string()),
    ];
    let mut ours_cmd = tokio::process::Command::new(std::env::current_exe().unwrap());
    ours_cmd
        .env(CHILD_ENV, "1")
        .env("INFLUXDESK_CONFIG_DIR", scratch(tmp.path(), "ours"))
        // No app runs there: `run_stdio` serves in-process, as `influxdesk mcp` does then.
        .env(
            "INFLUXDESK_SOCKET",
            scratch(tmp.path(), "sock").join("mcp.sock"),
        )
        .env_remove("INFLUX_URL")
        .env_remove("INFLUX_TOKEN")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())));
    let mut peer_cmd = tokio::process::Command::new("node");
    peer_cmd
        .arg(peer)
        // Its dotenv must find no .env file of ours.
        .current_dir(tmp.path())
        // Its default tool profile (operator): `execute_query` is not in `readonly`.
        .env_remove("INFLUX_MCP_TOOL_PROFILE")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())));
    let (ours, ours_pid) = connect(ours_cmd, "influxdesk").await;
    let (official, _) = connect(peer_cmd, "influxdb3-mcp-server").await;

    let ours_args = obj(json!({
        "query": q, "bucket": db.name, "format": "json", "language": "sql", "limit": POINTS,
    }));
    let sql_args = obj(json!({ "db": db.name, "q": q, "format": "json", "maxRows": POINTS }));
    let exec_args = obj(json!({ "database": db.name, "query": q, "format": "json" }));
    let direct = || {
        let http = http.clone();
        let url = format!("{base}/api/v3/query_sql");
        let body = json!({ "db": db.name, "q": q, "format": "json" });
        let token = token.clone();
        async move {
            let t = Instant::now();
            let resp = http
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .expect("influxdb3 answers");
            assert!(resp.status().is_success(), "{}", resp.status());
            let v: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
            let d = t.elapsed();
            assert_eq!(v.as_array().map(Vec::len), Some(POINTS), "direct rows");
            d
        }
    };

    let executed = {
        let r = ours
            .call_tool(CallToolRequestParams::new("query-data").with_arguments(ours_args.clone()))
            .await
            .expect("query-data");
        r.structured_content.expect("structured content")["executed_query"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    for _ in 0..WARMUP {
        call(&ours, "query-data", &ours_args, ours_rows).await;
        call(&official, "query_sql", &sql_args, query_sql_rows).await;
        call(&official, "execute_query", &exec_args, execute_query_rows).await;
        direct().await;
    }
    let (mut a, mut b, mut c, mut d) = (vec![], vec![], vec![], vec![]);
    for _ in 0..ROUNDS {
        a.push(call(&ours, "query-data", &ours_args, ours_rows).await);
        b.push(call(&official, "query_sql", &sql_args, query_sql_rows).await);
        c.push(call(&official, "execute_query", &exec_args, execute_query_rows).await);
        d.push(direct().await);
    }
    let (a, b, c, d) = (stats(a), stats(b), stats(c), stats(d));

    println!(
        "MCP over stdio on a real InfluxDB 3 Core: influxdesk vs the official \
         @influxdata/influxdb3-mcp-server (node), {ROUNDS} alternating rounds, {POINTS} rows \
         per call, one client each"
    );
    println!("SQL: {q}");
    println!("influxdesk sent: {executed}");
    println!(
        "{:<44} {:>9} {:>9} {:>9}",
        "server / tool", "p50 ms", "p99 ms", "mean ms"
    );
    for (label, s) in [
        ("influxdesk query-data", &a),
        ("official query_sql", &b),
        ("official execute_query", &c),
        ("direct HTTP /api/v3/query_sql (reqwest)", &d),
    ] {
        println!("{label:<44} {:>9.2} {:>9.2} {:>9.2}", s.p50, s.p99, s.mean);
    }
    for (label, s) in [("official query_sql", &b), ("official execute_query", &c)] {
        println!(
            "{:<44} {:>8.2}x {:>8.2}x {:>8.2}x   (above 1: influxdesk is faster)",
            format!("ratio {label} / influxdesk"),
            s.p50 / a.p50,
            s.p99 / a.p99,
            s.mean / a.mean
        );
    }
    println!(
        "time added over the direct query (p50): influxdesk {:+.2} ms, official query_sql \
         {:+.2} ms, official execute_query {:+.2} ms",
        a.p50 - d.p50,
        b.p50 - d.p50,
        c.p50 - d.p50
    );
    let slower = a.p50 > b.p50.min(c.p50);
    if slower {
        println!("influxdesk is SLOWER than the official server at p50 (goal: faster)");
    } else {
        println!("influxdesk is faster at p50 than both official tools (goal met)");
    }
    // INFLUXDESK_BENCH_PROFILE=1 profiles ours in any case.
    if slower || std::env::var_os("INFLUXDESK_BENCH_PROFILE").is_some() {
        profile_summary(&ours, ours_pid, &ours_args).await;
    }
    let _ = ours.cancel().await;
    let _ = official.cancel().await;
}

/// CPU time (user + system) of process `pid` so far, from `/proc/PID/stat` (clock ticks of
/// 10 ms, the kernel's USER_HZ of 100 on Linux).
fn cpu_ms(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which ends with the last ')'): utime is the 12th, stime
    // the 13th.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks * 10.0)
}

/// Where our server's time goes: its CPU time per call over `ROUNDS` more calls, and, with
/// perf installed, `perf record` on it meanwhile and the top of `perf report` (self time by
/// symbol).
async fn profile_summary(ours: &Client, pid: Option<u32>, args: &JsonObject) {
    let Some(pid) = pid else { return };
    let data = std::env::temp_dir().join(format!("v3-peer-{}.perf", std::process::id()));
    let rec = tokio::process::Command::new("perf")
        .args(["record", "-g", "-F", "999", "-o"])
        .arg(&data)
        .args(["-p", &pid.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok();
    let cpu0 = cpu_ms(pid);
    let t = Instant::now();
    for _ in 0..ROUNDS {
        call(ours, "query-data", args, ours_rows).await;
    }
    let wall = t.elapsed().as_secs_f64() * 1e3 / ROUNDS as f64;
    let cpu1 = cpu_ms(pid);
    println!("profile of influxdesk's server over {ROUNDS} more calls:");
    if let (Some(a), Some(b)) = (cpu0, cpu1) {
        println!(
            "  CPU {:.2} ms per call (user + system) of {wall:.2} ms wall per call",
            (b - a) / ROUNDS as f64
        );
    }
    let Some(mut rec) = rec else {
        println!("  (no perf profile: perf is not installed)");
        return;
    };
    if let Some(id) = rec.id() {
        let _ = tokio::process::Command::new("kill")
            .args(["-INT", &id.to_string()])
            .status()
            .await;
    }
    let _ = rec.wait().await;
    let report = tokio::process::Command::new("perf")
        .args([
            "report",
            "--stdio",
            "--no-children",
            "--sort",
            "symbol",
            "-i",
        ])
        .arg(&data)
        .stderr(Stdio::null())
        .output()
        .await;
    let _ = std::fs::remove_file(&data);
    println!("  perf, self time by symbol (top 15):");
    if let Ok(out) = report {
        for line in String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| {
                l.trim_start()
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_digit())
            })
            .take(15)
        {
            let mut f = line.split_whitespace();
            let pct = f.next().unwrap_or_default();
            let sym: Vec<&str> = f.skip(1).take_while(|w| *w != "-").collect();
            println!("  {pct:>7}  {}", sym.join(" "));
        }
    }
}
