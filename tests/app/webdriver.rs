//! The WebDriver kit the GUI tests share: our own Xvfb, tauri-driver with WebKitWebDriver
//! starting the real app binary ([`launch`]), and waits on the page's elements by
//! `data-testid` (never a fixed sleep), clicks, typing, scripts and screenshots
//! (`test-artifacts/gui/`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::support::{BIN, scratch};

/// The app under tauri-driver in its own Xvfb: the driver and the display live as long as
/// this value.
pub(crate) struct App {
    pub(crate) c: Client,
    /// The app's MCP socket (in a private 0700 directory).
    pub(crate) socket: PathBuf,
    /// The driver's and the app's output (`test-artifacts/gui/app-<name>.log`).
    pub(crate) log: PathBuf,
    port: u16,
    _driver: Killed,
    _display: Killed,
}

impl App {
    /// A new WebDriver session on the same driver: the app starts again (after `c.close()`),
    /// with the same config and data.
    pub(crate) async fn new_session(&self) -> Client {
        session(self.port, &caps(), &self.log).await
    }
}

fn caps() -> serde_json::Map<String, serde_json::Value> {
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("wry"));
    caps.insert("tauri:options".into(), json!({ "application": app_bin() }));
    caps
}

/// The app binary the GUI runs: this build's, or `INFLUXDESK_APP_BIN` when set (the
/// benchmarks point it at the release build).
pub(crate) fn app_bin() -> String {
    std::env::var("INFLUXDESK_APP_BIN")
        .ok()
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| BIN.to_string())
}

/// Start the app binary under tauri-driver on a fresh Xvfb, with `env` (the private Secret
/// Service's, plus any extra such as `RUST_LOG`), its config and data dirs, and the MCP
/// socket in a private directory; no `INFLUX_URL`, no Wayland. `name` names the log.
pub(crate) async fn launch(
    name: &str,
    env: &[(String, String)],
    config: &Path,
    data: &Path,
) -> App {
    let (display_guard, display) = xvfb();
    let log_path = artifacts().join(format!("app-{name}.log"));
    let log = std::fs::File::create(&log_path).unwrap();
    let port = influxdesk_core::local::free_port().unwrap();
    let native_port = influxdesk_core::local::free_port().unwrap();
    let socket_dir = scratch(&format!("gui-{name}-mcp-"));
    // The app refuses a socket directory others can enter.
    std::fs::set_permissions(
        &socket_dir,
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    let socket = socket_dir.join("mcp.sock");
    let driver = Killed(
        Command::new(tool("tauri-driver"))
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .arg("--native-driver")
            .arg(tool("WebKitWebDriver"))
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env("DISPLAY", &display)
            .env("INFLUXDESK_CONFIG_DIR", config)
            .env("INFLUXDESK_DATA_DIR", data)
            .env("INFLUXDESK_SOCKET", &socket)
            .env_remove("INFLUX_URL")
            .env_remove("WAYLAND_DISPLAY")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("tauri-driver"),
    );
    let c = session(port, &caps(), &log_path).await;
    App {
        c,
        socket,
        log: log_path,
        port,
        _driver: driver,
        _display: display_guard,
    }
}

pub(crate) struct Killed(pub(crate) Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn tool(name: &str) -> PathBuf {
    let home_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|c| c.join("bin").join(name));
    let on_path = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    on_path.or(home_bin.filter(|p| p.is_file())).unwrap_or_else(|| {
        panic!("{name} is needed for the GUI test: run the README's test command (.ci/test), which installs it")
    })
}

/// Our own Xvfb, so the test does not depend on the caller's display.
pub(crate) fn xvfb() -> (Killed, String) {
    let mut child = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1366x860x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb (Debian: xvfb)");
    use std::io::Read;
    let mut out = child.stdout.take().unwrap();
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while out.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {
        buf.push(byte[0]);
    }
    let display = format!(":{}", String::from_utf8_lossy(&buf).trim());
    (Killed(child), display)
}

pub(crate) fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("test-artifacts")
        .join("gui");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub(crate) async fn css(c: &Client, testid: &str) -> fantoccini::elements::Element {
    let sel = format!("[data-testid=\"{testid}\"]");
    wait(c, &format!("element {testid}"), || async {
        c.find(Locator::Css(&sel)).await.ok()
    })
    .await
}

/// Poll until `f` yields Some, for up to 60 s.
pub(crate) async fn wait<T, F, Fut>(c: &Client, what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = f().await {
            return v;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = shot(c, "timeout").await;
            panic!("timed out waiting for {what} (screenshot test-artifacts/gui/timeout.png)");
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

pub(crate) async fn text_of(c: &Client, testid: &str) -> String {
    visible_text(&css(c, testid).await)
        .await
        .unwrap_or_default()
}

pub(crate) async fn wait_text(c: &Client, testid: &str, want: &str) -> String {
    let sel = format!("[data-testid=\"{testid}\"]");
    let last = std::sync::Mutex::new(String::new());
    let start = Instant::now();
    loop {
        let seen = match c.find(Locator::Css(&sel)).await {
            Ok(el) => visible_text(&el).await.map_err(|e| format!("text(): {e}")),
            Err(e) => Err(format!("find: {e}")),
        };
        match seen {
            Ok(t) if t.contains(want) => return t,
            Ok(t) => *last.lock().unwrap() = format!("text {t:?}"),
            Err(e) => *last.lock().unwrap() = e,
        }
        if start.elapsed() > Duration::from_secs(60) {
            shot(c, "timeout").await;
            panic!(
                "timed out waiting for {testid} to contain {want:?}; last: {}",
                last.lock().unwrap()
            );
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// The element's text. WebKitWebDriver's "Get Element Text" answers "" here, so read
/// `textContent` and fold whitespace the way a reader sees it.
pub(crate) async fn visible_text(
    el: &fantoccini::elements::Element,
) -> Result<String, fantoccini::error::CmdError> {
    let t = el.prop("textContent").await?.unwrap_or_default();
    Ok(t.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Two animation frames, then a screenshot (the first frame after a change can be stale).
pub(crate) async fn shot(c: &Client, name: &str) -> PathBuf {
    let _ = c
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
            vec![],
        )
        .await;
    let png = c.screenshot().await.expect("screenshot");
    let path = artifacts().join(format!("{name}.png"));
    std::fs::write(&path, png).unwrap();
    path
}

pub(crate) async fn type_into(c: &Client, testid: &str, text: &str) {
    let el = css(c, testid).await;
    el.clear().await.unwrap();
    el.send_keys(text).await.unwrap();
}

/// Type `query` into Explore's (empty) editor as a user does, and wait until the editor holds
/// it.
pub(crate) async fn type_query(c: &Client, query: &str) {
    let editor = find_css(c, "the editor", "[data-testid=\"editor\"] .cm-content").await;
    editor.click().await.unwrap();
    editor.send_keys(query).await.unwrap();
    wait_text(c, "editor-text", query).await;
}

/// Open Explore's table view and wait until the table counts rows; their number.
pub(crate) async fn table_rows(c: &Client) -> usize {
    click(c, "view-table").await;
    let table = css(c, "result-table").await;
    wait(c, "the table's rows", || async {
        let n: usize = table.attr("data-rows").await.ok()??.parse().ok()?;
        (n > 0).then_some(n)
    })
    .await
}

pub(crate) async fn find_css(c: &Client, what: &str, sel: &str) -> fantoccini::elements::Element {
    wait(c, what, || async { c.find(Locator::Css(sel)).await.ok() }).await
}

/// Run a script in the page and return its value.
pub(crate) async fn js(c: &Client, script: &str) -> serde_json::Value {
    c.execute(script, vec![]).await.expect("script")
}

/// Click once nothing covers the element any more (a closing popover can intercept the
/// first clicks after a change).
pub(crate) async fn click(c: &Client, testid: &str) {
    let start = Instant::now();
    loop {
        match css(c, testid).await.click().await {
            Ok(()) => return,
            Err(e) if start.elapsed() < Duration::from_secs(15) => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("could not click {testid}: {e}"),
        }
    }
}

/// A WebDriver session: tauri-driver starts the app binary for it.
async fn session(
    port: u16,
    caps: &serde_json::Map<String, serde_json::Value>,
    log: &Path,
) -> Client {
    let start = Instant::now();
    loop {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => return c,
            Err(_) if start.elapsed() < Duration::from_secs(30) => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!(
                "WebDriver session did not start: {e} (log: {})",
                log.display()
            ),
        }
    }
}
