//! `influxdesk serve` as a real process: it hosts the socket (0600) that `influxdesk mcp`
//! bridges to, and streamable HTTP behind the bearer token kept in the real Secret Service (a
//! private gnome-keyring); `--print-token` and `--rotate-token` work across processes; the
//! token shows in no output (logging at trace) and no file; SIGTERM stops it and removes the
//! socket; a second `serve` on a live socket is refused.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use influxdesk_testkit::secret_service::SecretService;
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, ClientCapabilities, ClientConfig, Implementation};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::support::{BIN, files_containing, influxd, run, scratch, text};

fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// A raw `initialize` POST with an optional bearer token: the status.
async fn initialize(url: &str, token: Option<&str>) -> u16 {
    let mut req = http()
        .post(url)
        .header("Accept", "application/json, text/event-stream")
        .json(&json!({
            "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                       "clientInfo": {"name": "raw", "version": "1"}}
        }));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.map(|r| r.status().as_u16()).unwrap_or(0)
}

fn ok(args: &[&str], env: &[(String, String)]) -> String {
    let o = run(args, env, None);
    let (out, err) = text(&o);
    assert!(o.status.success(), "influxdesk {args:?}: {err}");
    out
}

/// Start `influxdesk serve ARGS`; returns it with the lines it printed once ready, and
/// everything else it prints (stdout, then stderr) once it has exited.
async fn serve(
    args: &[&str],
    env: &[(String, String)],
) -> (Child, Vec<String>, tokio::task::JoinHandle<String>) {
    let mut child = Command::new(BIN)
        .arg("serve")
        .args(args)
        .env_remove("INFLUX_URL")
        .env_remove("INFLUX_TOKEN")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn influxdesk serve");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut ready = Vec::new();
    let deadline = Duration::from_secs(30);
    while let Ok(Ok(Some(l))) = tokio::time::timeout(deadline, lines.next_line()).await {
        let done = l.starts_with("alert evaluator running");
        ready.push(l);
        if done {
            break;
        }
    }
    assert!(
        ready
            .last()
            .is_some_and(|l| l.starts_with("alert evaluator")),
        "influxdesk serve did not come up: {ready:?}"
    );
    // Drain both pipes (trace logging fills a pipe fast) and keep them for the scan.
    let mut rest = lines.into_inner();
    let mut stderr = child.stderr.take().unwrap();
    let output = tokio::spawn(async move {
        let (mut out, mut err) = (String::new(), String::new());
        let _ = tokio::join!(
            rest.read_to_string(&mut out),
            stderr.read_to_string(&mut err)
        );
        out + &err
    });
    (child, ready, output)
}

fn sigterm(child: &Child) {
    let pid = child.id().expect("still running").to_string();
    let st = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(st.success());
}

/// A stdio MCP session through `influxdesk mcp` (no INFLUX_* here: it has no profile of its
/// own, so it can only work by bridging to the socket).
async fn bridged(
    env: &[(String, String)],
) -> (
    rmcp::service::RunningService<rmcp::service::RoleClient, ClientConfig>,
    Child,
) {
    let mut child = Command::new(BIN)
        .arg("mcp")
        .env_remove("INFLUX_URL")
        .env_remove("INFLUX_TOKEN")
        .env_remove("INFLUX_BUCKET")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn influxdesk mcp");
    let io = (child.stdout.take().unwrap(), child.stdin.take().unwrap());
    let client = ClientConfig::new(
        ClientCapabilities::default(),
        Implementation::new("app-serve-test", "1.0.0"),
    )
    .serve(io)
    .await
    .expect("MCP initialize through the bridge");
    (client, child)
}

fn private_socket() -> PathBuf {
    let dir = scratch("serve-sock-");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    dir.join("mcp.sock")
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn serve_hosts_the_socket_mcp_bridges_to_and_http_behind_the_keychain_token() {
    let ss = SecretService::start(true);
    let server = influxd(None);
    let socket = private_socket();
    let config = scratch("serve-config-");
    let mut env = ss.env();
    env.push(("INFLUXDESK_CONFIG_DIR".into(), config.display().to_string()));
    env.push(("INFLUXDESK_SOCKET".into(), socket.display().to_string()));
    // The bridged client and the token commands run without INFLUX_*; the server has them.
    let client_env = env.clone();
    let mut server_env = env.clone();
    server_env.push(("INFLUX_URL".into(), server.url()));
    server_env.push(("INFLUX_BUCKET".into(), "served".into()));
    server_env.push(("RUST_LOG".into(), "trace".into()));

    let token = ok(&["serve", "--print-token"], &client_env)
        .trim()
        .to_string();
    assert_eq!(token.len(), 43, "32 random bytes, base64url");
    assert_eq!(
        ss.lookup("influxdesk", "mcp-http").as_deref(),
        Some(token.as_str()),
        "kept in the keychain: service influxdesk, account mcp-http"
    );

    let (mut child, ready, output) =
        serve(&["--allow-writes", "--http", "127.0.0.1:0"], &server_env).await;
    let url = ready
        .iter()
        .find_map(|l| l.strip_prefix("MCP HTTP: "))
        .and_then(|l| l.split_whitespace().next())
        .expect("the HTTP endpoint is printed")
        .to_string();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/mcp"),
        "{url}"
    );
    assert!(
        ready
            .iter()
            .any(|l| l == &format!("MCP socket: {}", socket.display())),
        "{ready:?}"
    );
    assert_eq!(mode(&socket), 0o600);

    // `influxdesk mcp` bridges to it: the write only works in serve's session (--allow-writes
    // and the INFLUX_* profile are serve's, not the client's).
    let (client, mut mcp) = bridged(&client_env).await;
    let call = |tool: &str, args: serde_json::Value| {
        CallToolRequestParams::new(tool.to_string())
            .with_arguments(args.as_object().cloned().unwrap())
    };
    for (tool, args) in [
        (
            "manage-buckets",
            json!({"action": "create", "bucket_name": "served"}),
        ),
        (
            "write-metrics",
            json!({"measurement": "m", "fields": {"v": 7}, "timestamp": "2023-11-14T22:13:20Z"}),
        ),
    ] {
        let r = client.call_tool(call(tool, args)).await.unwrap();
        assert_ne!(r.is_error, Some(true), "{tool}: {:?}", r.content);
    }
    let r = client
        .call_tool(call(
            "query-data",
            json!({"query": "SELECT v FROM m",
                   "time_range": "2023-11-14T00:00:00Z..2023-11-15T00:00:00Z"}),
        ))
        .await
        .unwrap();
    assert_eq!(
        r.structured_content.unwrap()["tables"][0]["rows"],
        json!([["2023-11-14T22:13:20Z", 7]])
    );
    client.cancel().await.unwrap();
    let st = tokio::time::timeout(Duration::from_secs(10), mcp.wait())
        .await
        .expect("the bridge ends with its client")
        .unwrap();
    assert!(st.success());

    // HTTP: the keychain's token opens it, nothing else does.
    assert_eq!(initialize(&url, None).await, 401);
    assert_eq!(initialize(&url, Some("guess")).await, 401);
    assert_eq!(initialize(&url, Some(&token)).await, 200);

    // Rotated by another process: the running server refuses the old token within 5 s.
    let out = ok(&["serve", "--rotate-token"], &client_env);
    assert!(out.contains("rotated") && !out.contains(&token), "{out}");
    let new = ok(&["serve", "--print-token"], &client_env)
        .trim()
        .to_string();
    assert_ne!(new, token);
    let start = Instant::now();
    while initialize(&url, Some(&token)).await != 401 {
        assert!(
            start.elapsed() < Duration::from_secs(8),
            "the old token still works after a rotation"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(initialize(&url, Some(&new)).await, 200);

    // One host per socket.
    let o = run(&["serve"], &client_env, None);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("error[Conflict]") && err.contains("already running"),
        "{err}"
    );
    assert!(
        socket.exists(),
        "the refused second server leaves the socket alone"
    );

    // SIGTERM: a clean exit, the socket removed, HTTP closed.
    sigterm(&child);
    let st = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("serve stops on SIGTERM")
        .unwrap();
    assert!(st.success(), "{st}");
    assert!(!socket.exists(), "SIGTERM removes the socket");
    assert_eq!(initialize(&url, Some(&new)).await, 0, "HTTP is closed");

    // The scan: no token in anything serve logged at trace, nor in any file but the keyring's
    // (which is encrypted).
    let logs = output.await.unwrap();
    assert!(logs.contains("stopped (SIGTERM)"), "{logs}");
    assert!(logs.contains("TRACE"), "logging was at trace");
    for t in [&token, &new] {
        assert!(!logs.contains(t.as_str()), "a token in serve's log");
        assert!(!ready.iter().any(|l| l.contains(t.as_str())));
        let mut files = files_containing(&config, t);
        files.extend(files_containing(&ss.home, t));
        assert!(files.is_empty(), "a token in files: {files:?}");
    }
}

#[tokio::test]
async fn serve_stops_on_sigint_and_refuses_a_bad_address_or_profile() {
    let socket = private_socket();
    let env = vec![
        (
            "INFLUXDESK_CONFIG_DIR".to_string(),
            scratch("serve-int-").display().to_string(),
        ),
        (
            "INFLUXDESK_SOCKET".to_string(),
            socket.display().to_string(),
        ),
    ];
    // No --http: the keychain is not needed at all.
    let (mut child, _, output) = serve(&[], &env).await;
    assert!(socket.exists());
    let pid = child.id().unwrap().to_string();
    std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    let st = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("serve stops on SIGINT")
        .unwrap();
    assert!(st.success());
    assert!(output.await.unwrap().contains("stopped (SIGINT)"));
    assert!(!socket.exists(), "SIGINT removes the socket");

    for addr in [
        "0.0.0.0:8765",
        "[::1]:8765",
        "192.168.1.20:8765",
        "localhost:8765",
    ] {
        let o = run(&["serve", "--http", addr], &env, None);
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{addr}: {err}");
        assert!(err.contains("127.0.0.1"), "{addr}: {err}");
        assert!(!socket.exists(), "{addr}: nothing was served");
    }
    let o = run(&["serve", "--profile", "nope"], &env, None);
    let (_, err) = text(&o);
    assert!(
        err.contains("error[NotFound]") && err.contains("nope"),
        "an unknown --profile fails before serving: {err}"
    );
    assert!(!socket.exists());
    let o = run(
        &["serve", "--print-token", "--http", "127.0.0.1:1"],
        &env,
        None,
    );
    assert!(!o.status.success(), "--print-token never serves");
}

/// Our own Xvfb (as in gui.rs), so the app's window needs no display of the caller's.
fn xvfb() -> (std::process::Child, String) {
    use std::io::Read;
    let mut child = std::process::Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1280x800x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb (Debian: xvfb)");
    let mut out = child.stdout.take().unwrap();
    let (mut buf, mut byte) = (Vec::new(), [0u8; 1]);
    while out.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {
        buf.push(byte[0]);
    }
    let display = format!(":{}", String::from_utf8_lossy(&buf).trim());
    (child, display)
}

/// The desktop app (a window under Xvfb) with `env`; its log goes to `log`.
fn app(env: &[(String, String)], display: &str, log: &Path) -> tokio::process::Child {
    let log = std::fs::File::create(log).unwrap();
    Command::new(BIN)
        .env_remove("INFLUX_URL")
        .env_remove("WAYLAND_DISPLAY")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("DISPLAY", display)
        .env("RUST_LOG", "warn,influxdesk=info")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .expect("start the app")
}

#[tokio::test]
async fn the_app_hosts_the_socket_and_a_second_app_opens_without_it() {
    let ss = SecretService::start(true);
    let (mut x, display) = xvfb();
    let socket = private_socket();
    let config = scratch("app-host-config-");
    let mut env = ss.env();
    env.push(("INFLUXDESK_CONFIG_DIR".into(), config.display().to_string()));
    env.push((
        "INFLUXDESK_DATA_DIR".into(),
        scratch("app-host-data-").display().to_string(),
    ));
    env.push(("INFLUXDESK_SOCKET".into(), socket.display().to_string()));
    // A profile, so the app does not start the local demo; no server needed to list tools.
    ok(
        &[
            "profile",
            "add",
            "p",
            "--url",
            "http://127.0.0.1:9",
            "--api",
            "v1",
        ],
        &env,
    );

    let logs = scratch("app-host-logs-");
    let mut first = app(&env, &display, &logs.join("first.log"));
    let start = Instant::now();
    while !socket.exists() {
        assert!(
            first.try_wait().unwrap().is_none(),
            "the app exited: {}",
            std::fs::read_to_string(logs.join("first.log")).unwrap_or_default()
        );
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the app did not host the MCP socket: {}",
            std::fs::read_to_string(logs.join("first.log")).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(mode(&socket), 0o600);
    let (client, mut mcp) = bridged(&env).await;
    let tools = client.list_all_tools().await.unwrap();
    assert!(tools.iter().any(|t| t.name == "query-data"), "{tools:?}");
    client.cancel().await.unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(10), mcp.wait()).await;

    // While the app hosts it, `serve` is refused ...
    let o = run(&["serve"], &env, None);
    assert!(text(&o).1.contains("already running"), "{:?}", text(&o));
    // ... and a second app still opens (and says why it does not host MCP).
    let mut second = app(&env, &display, &logs.join("second.log"));
    let start = Instant::now();
    loop {
        let log = std::fs::read_to_string(logs.join("second.log")).unwrap_or_default();
        if log.contains("the app is not hosting MCP") && log.contains("already running") {
            break;
        }
        assert!(
            second.try_wait().unwrap().is_none(),
            "the second app exited: {log}"
        );
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the second app did not report the live socket: {log}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        second.try_wait().unwrap().is_none(),
        "the second app stays open"
    );
    assert!(
        socket.exists(),
        "the second app leaves the first one's socket alone"
    );
    for mut a in [second, first] {
        a.kill().await.unwrap();
    }
    let _ = x.kill();
    let _ = x.wait();
}

/// Without XDG_RUNTIME_DIR the socket's default directory is `influxdesk-$USER` in the temp
/// dir, a name another local user can create first. `influxdesk mcp` then refuses, saying
/// what is wrong and what to do, and does not serve in-process over that path either.
#[test]
fn mcp_refuses_a_default_socket_directory_another_user_made_first() {
    use std::os::unix::fs::MetadataExt;
    let tmp = scratch("mcp-shared-tmp-");
    let squatted = tmp.join("influxdesk-alice");
    std::fs::create_dir(&squatted).unwrap();
    std::fs::set_permissions(&squatted, std::fs::Permissions::from_mode(0o700)).unwrap();
    let me = std::fs::metadata(&tmp).unwrap().uid();
    if me != 0 {
        eprintln!("skipped: making a directory of another uid needs root (CI runs as root)");
        return;
    }
    std::os::unix::fs::chown(&squatted, Some(65534), Some(65534)).unwrap();
    let o = std::process::Command::new(BIN)
        .arg("mcp")
        .env_remove("INFLUX_URL")
        .env_remove("INFLUX_TOKEN")
        .env_remove("INFLUXDESK_SOCKET")
        .env_remove("XDG_RUNTIME_DIR")
        .env("TMPDIR", &tmp)
        .env("USER", "alice")
        .env("INFLUXDESK_CONFIG_DIR", scratch("mcp-shared-config-"))
        .env("INFLUXDESK_DATA_DIR", scratch("mcp-shared-data-"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(
        !o.status.success(),
        "influxdesk mcp must refuse: {out} {err}"
    );
    assert!(out.is_empty(), "no MCP session was served: {out}");
    assert!(
        err.contains(&squatted.display().to_string())
            && err.contains("belongs to uid 65534")
            && err.contains("XDG_RUNTIME_DIR or INFLUXDESK_SOCKET"),
        "says what is wrong and what to do: {err}"
    );
}
