//! A real InfluxDB 3 Core for tests: `influxdb3 serve` on a free loopback port with its own temp
//! data dir and `--wal-flush-interval 10ms` (a write is visible to queries at once), auth off
//! ([`open`]) or on with an admin token made by `influxdb3 create token --admin` ([`auth`]).
//! Each is started once per test binary, on first use, and shared; it is ready when `/health`
//! answers. The server runs under a small `sh` guard reading our stdin, so it stops (and its
//! data dir goes) when the test binary exits, however it exits.
//!
//! The binary is `$INFLUXDB3_BIN`, else `../shared/servers/influxdb3` beside the repo. When
//! neither exists, [`open`] and [`auth`] return `None` after printing once that the InfluxDB 3
//! layer was SKIPPED and why; under `CI=true` a missing binary fails instead (CI always runs
//! the layer). It leaves out InfluxDB 3 Enterprise and the processing engine.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, Once, OnceLock};
use std::time::{Duration, Instant};

/// The env var naming the `influxdb3` binary (or the `shared/servers/influxdb3` wrapper).
pub const BIN_ENV: &str = "INFLUXDB3_BIN";

/// A running InfluxDB 3 Core.
pub struct Influxdb3 {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The admin token when auth is on.
    pub token: Option<String>,
    /// The server's data dir (removed when the server stops).
    pub dir: PathBuf,
    bin: PathBuf,
    /// One permit per database a test may hold at once (3 Core allows 5 live databases).
    slots: Arc<tokio::sync::Semaphore>,
    // The guard shell; dropping our end of its stdin stops the server. Never dropped for the
    // shared servers: the process exit closes the pipe.
    _child: Mutex<Child>,
}

/// InfluxDB 3 Core refuses a sixth live database ("Adding a new database would exceed limit
/// of 5 databases"); soft-deleted ones do not count.
pub const CORE_DATABASE_LIMIT: usize = 5;

/// A database name reserved for one test: while held, it counts against the server's limit;
/// dropped, the database (if the test made it) is deleted and the slot freed.
pub struct Database {
    pub name: String,
    url: String,
    token: Option<String>,
    _slot: tokio::sync::OwnedSemaphorePermit,
}

impl Influxdb3 {
    /// The binary this server runs (for `influxdb3` CLI calls a test wants to make).
    pub fn bin(&self) -> &PathBuf {
        &self.bin
    }

    /// Reserve a unique database name (letters, digits, hyphens), waiting while other tests of
    /// this binary hold all [`CORE_DATABASE_LIMIT`] slots. The test creates the database
    /// (a write or a create does); dropping the reservation deletes it.
    pub async fn database(&self, prefix: &str) -> Database {
        let slot = self
            .slots
            .clone()
            .acquire_owned()
            .await
            .expect("the slots semaphore is never closed");
        Database {
            name: unique_db(prefix),
            url: self.url.clone(),
            token: self.token.clone(),
            _slot: slot,
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        // Blocking loopback HTTP, so it also runs while a failed test unwinds.
        let Some(port) = self
            .url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse::<u16>().ok())
        else {
            return;
        };
        let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
            return;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
        let auth = self
            .token
            .as_deref()
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        let req = format!(
            "DELETE /api/v3/configure/database?db={} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\
             Connection: close\r\n\r\n",
            self.name
        );
        if s.write_all(req.as_bytes()).is_ok() {
            // Wait for the answer (200, or 404 when the test never made or already deleted it).
            let mut sink = Vec::new();
            let _ = s.read_to_end(&mut sink);
        }
    }
}

/// The repo's default: `../shared/servers/influxdb3` from the repo root.
fn default_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../../shared/servers/influxdb3")
}

/// The binary, or why there is none.
pub fn binary() -> Result<PathBuf, String> {
    match std::env::var_os(BIN_ENV).filter(|v| !v.is_empty()) {
        Some(p) => {
            let p = PathBuf::from(p);
            if p.is_file() {
                Ok(p)
            } else {
                Err(format!("{BIN_ENV}={} is not a file", p.display()))
            }
        }
        None => {
            let p = default_bin();
            if p.is_file() {
                Ok(p)
            } else {
                Err(format!(
                    "{BIN_ENV} is not set and {} does not exist (no ../shared beside the repo)",
                    p.display()
                ))
            }
        }
    }
}

fn skip_notice(why: &str) {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Straight to the process's stderr: libtest captures print!/eprint!, not this.
        let _ = writeln!(
            std::io::stderr(),
            "\n*** InfluxDB 3 Core layer SKIPPED: {why}. Set {BIN_ENV} to an influxdb3 binary \
             (.ci/test points it at ../shared/servers/influxdb3) to run it. ***\n"
        );
    });
}

fn shared(auth: bool, cell: &'static OnceLock<Option<Influxdb3>>) -> Option<&'static Influxdb3> {
    cell.get_or_init(|| {
        let bin = match binary() {
            Ok(b) => b,
            Err(why) => {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("CI=true runs the InfluxDB 3 Core layer, but {why}");
                }
                skip_notice(&why);
                return None;
            }
        };
        Some(start(&bin, auth).unwrap_or_else(|e| panic!("InfluxDB 3 Core must start: {e}")))
    })
    .as_ref()
}

/// The shared InfluxDB 3 Core with auth off, or `None` (with a SKIPPED notice) without a binary.
pub fn open() -> Option<&'static Influxdb3> {
    static S: OnceLock<Option<Influxdb3>> = OnceLock::new();
    shared(false, &S)
}

/// The shared InfluxDB 3 Core with auth on and an admin token, or `None` without a binary.
pub fn auth() -> Option<&'static Influxdb3> {
    static S: OnceLock<Option<Influxdb3>> = OnceLock::new();
    shared(true, &S)
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Start a new server (tests normally share [`open`] or [`auth`] instead).
pub fn start(bin: &PathBuf, auth: bool) -> Result<Influxdb3, String> {
    let mut last = String::new();
    // The free port can be taken between our probe and the server's bind: try a few.
    for _ in 0..3 {
        let dir = tempfile::Builder::new()
            .prefix("influxdb3-test-")
            .tempdir()
            .map_err(|e| format!("no temp dir: {e}"))?
            .keep();
        let port = free_port().map_err(|e| format!("no free loopback port: {e}"))?;
        let log_path = dir.join("influxdb3.log");
        let log = std::fs::File::create(&log_path).map_err(|e| e.to_string())?;
        let log2 = log.try_clone().map_err(|e| e.to_string())?;
        let mut args = vec![
            "serve".to_string(),
            "--node-id".into(),
            "t".into(),
            "--object-store".into(),
            "file".into(),
            "--data-dir".into(),
            dir.join("data").display().to_string(),
            "--http-bind".into(),
            format!("127.0.0.1:{port}"),
            "--disable-telemetry-upload".into(),
            "--wal-flush-interval".into(),
            "10ms".into(),
        ];
        if !auth {
            args.push("--without-auth".into());
        }
        // The guard: the server runs while our end of the shell's stdin stays open; then it is
        // stopped and its dir removed. The shell itself exits when the server does, so a
        // server that dies while starting is seen at once (its log is still there to show).
        // (A background list reads /dev/null unless redirected: hence fd 3.)
        let script = r#"bin=$1; dir=$2; shift 2; exec 3<&0
"$bin" "$@" </dev/null & pid=$!
( read _ <&3; kill $pid 2>/dev/null; while kill -0 $pid 2>/dev/null; do sleep 0.1; done; rm -rf "$dir" ) &
wait $pid"#;
        let child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("influxdb3-guard")
            .arg(bin)
            .arg(&dir)
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", bin.display()))?;
        let child = Mutex::new(child);
        let url = format!("http://127.0.0.1:{port}");
        match wait_ready(&child, port, &log_path) {
            Ok(()) => {
                let token = if auth {
                    Some(admin_token(bin, &url)?)
                } else {
                    None
                };
                return Ok(Influxdb3 {
                    url,
                    token,
                    dir,
                    bin: bin.clone(),
                    slots: Arc::new(tokio::sync::Semaphore::new(CORE_DATABASE_LIMIT)),
                    _child: child,
                });
            }
            Err(e) => {
                let mut c = child.into_inner().unwrap_or_else(|p| p.into_inner());
                drop(c.stdin.take());
                let _ = c.wait();
                last = e;
            }
        }
    }
    Err(last)
}

/// Wait until `/health` answers (200 without auth, 401 with it), the server exits, or 60 s.
fn wait_ready(child: &Mutex<Child>, port: u16, log: &PathBuf) -> Result<(), String> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        if let Ok(Some(status)) = child.lock().expect("child").try_wait() {
            return Err(format!(
                "influxdb3 exited ({status}) while starting; its log: {}",
                tail(log)
            ));
        }
        if let Some(code) = health(port)
            && (code == 200 || code == 401)
        {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!(
        "influxdb3 did not answer /health on port {port} within 60 s; its log: {}",
        tail(log)
    ))
}

/// The status code of `GET /health`, if anything answers.
fn health(port: u16) -> Option<u16> {
    let mut s = TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_millis(300),
    )
    .ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    s.write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut buf = [0u8; 32];
    let n = s.read(&mut buf).ok()?;
    let head = String::from_utf8_lossy(&buf[..n]);
    head.split_whitespace().nth(1)?.parse().ok()
}

fn admin_token(bin: &PathBuf, url: &str) -> Result<String, String> {
    let out = Command::new(bin)
        .args([
            "create", "token", "--admin", "--format", "json", "--host", url,
        ])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("could not run `influxdb3 create token --admin`: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`influxdb3 create token --admin` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    // Its JSON answer is {"help_msg": ..., "token": "apiv3_..."}; never print it.
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|_| {
        "`influxdb3 create token --admin --format json` printed no JSON".to_string()
    })?;
    v.get("token")
        .and_then(serde_json::Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| "`influxdb3 create token --admin` printed no token".to_string())
}

fn tail(path: &PathBuf) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().rev().take(8).collect();
    lines.into_iter().rev().collect::<Vec<_>>().join(" | ")
}

/// A unique InfluxDB 3 database name (letters, digits, hyphens) per call in this process.
/// Tests that make a database take it through [`Influxdb3::database`] instead (3 Core's limit).
pub fn unique_db(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}
