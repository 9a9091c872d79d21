//! A local InfluxDB 1.x server (Debian's `influxd`) that influxdesk runs itself: the demo
//! server of a fresh install, and the real server of the test harness. Data, meta and WAL live
//! in the given directory; HTTP and RPC bind to 127.0.0.1 only. The server runs under a small
//! `sh` guard reading our stdin, so it stops when influxdesk exits, even on a crash.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// How to run a local influxd.
#[derive(Debug, Clone)]
pub struct LocalConfig {
    pub dir: PathBuf,
    /// HTTP port; 0 picks a free one.
    pub http_port: u16,
    pub auth_enabled: bool,
    /// Serve HTTPS with this PEM certificate and key instead of plain HTTP.
    pub tls: Option<(PathBuf, PathBuf)>,
}

/// A running influxd; stopped on drop.
pub struct LocalServer {
    child: Option<Child>,
    pub http_port: u16,
    pub dir: PathBuf,
    https: bool,
}

/// A free TCP port on 127.0.0.1 (racy by nature; callers retry on bind failure).
pub fn free_port() -> Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| Error::Internal(format!("no free loopback port: {e}")))?;
    Ok(l.local_addr()
        .map_err(|e| Error::Internal(e.to_string()))?
        .port())
}

/// Whether a loopback port can be bound right now.
pub fn port_is_free(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok()
}

/// The `influxd` binary: `INFLUXDESK_INFLUXD`, else on PATH, else /usr/bin/influxd.
pub fn influxd_path() -> Result<PathBuf> {
    if let Ok(p) = std::env::var("INFLUXDESK_INFLUXD") {
        return Ok(PathBuf::from(p));
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("influxd"))
            .find(|p| p.is_file())
    });
    on_path
        .or_else(|| Some(PathBuf::from("/usr/bin/influxd")).filter(|p| p.is_file()))
        .ok_or_else(|| {
            Error::NotFound(
                "influxd (InfluxDB 1.x) is not installed, so the local demo server cannot start. \
                 On Debian/Ubuntu: `sudo apt-get install influxdb`, or add a profile for an \
                 existing server."
                    .into(),
            )
        })
}

fn config_text(cfg: &LocalConfig, http_port: u16, rpc_port: u16) -> String {
    let d = cfg.dir.display();
    let auth = cfg.auth_enabled;
    let tls = match &cfg.tls {
        None => String::new(),
        Some((cert, key)) => format!(
            "  https-enabled = true\n  https-certificate = \"{}\"\n  https-private-key = \"{}\"\n",
            cert.display(),
            key.display()
        ),
    };
    format!(
        r#"reporting-disabled = true
bind-address = "127.0.0.1:{rpc_port}"

[meta]
  dir = "{d}/meta"
  logging-enabled = false

[data]
  dir = "{d}/data"
  wal-dir = "{d}/wal"
  query-log-enabled = false
  trace-logging-enabled = false

[coordinator]
  log-queries-after = "0s"

[http]
  enabled = true
  bind-address = "127.0.0.1:{http_port}"
  auth-enabled = {auth}
  log-enabled = false
  pprof-enabled = false
{tls}
[logging]
  level = "warn"

[continuous_queries]
  log-enabled = false
"#
    )
}

impl LocalServer {
    /// Start influxd and wait until `/ping` answers (up to 60 s).
    pub fn start(cfg: &LocalConfig) -> Result<LocalServer> {
        let bin = influxd_path()?;
        std::fs::create_dir_all(&cfg.dir).map_err(|e| Error::storage("create", &cfg.dir, e))?;
        let mut last_err = None;
        for _attempt in 0..3 {
            let http_port = if cfg.http_port == 0 {
                free_port()?
            } else {
                cfg.http_port
            };
            let rpc_port = free_port()?;
            let conf = cfg.dir.join("influxdb.conf");
            std::fs::write(&conf, config_text(cfg, http_port, rpc_port))
                .map_err(|e| Error::storage("write", &conf, e))?;
            let log_path = cfg.dir.join("influxd.log");
            let log = std::fs::File::create(&log_path)
                .map_err(|e| Error::storage("create", &log_path, e))?;
            let log2 = log
                .try_clone()
                .map_err(|e| Error::storage("open", &log_path, e))?;
            // The guard shell: influxd runs while our end of its stdin stays open.
            let child = Command::new("sh")
                .arg("-c")
                .arg(r#""$0" run -config "$1" </dev/null & pid=$!; trap 'kill $pid' TERM; read _; kill $pid; wait $pid"#)
                .arg(&bin)
                .arg(&conf)
                .stdin(Stdio::piped())
                .stdout(log)
                .stderr(log2)
                .spawn()
                .map_err(|e| Error::Internal(format!("could not start {}: {e}", bin.display())))?;
            let mut server = LocalServer {
                child: Some(child),
                http_port,
                dir: cfg.dir.clone(),
                https: cfg.tls.is_some(),
            };
            match server.wait_ready(Duration::from_secs(60)) {
                Ok(()) => return Ok(server),
                Err(e) => {
                    server.stop();
                    last_err = Some(e);
                    if cfg.http_port != 0 {
                        break;
                    }
                }
            }
        }
        Err(last_err.unwrap_or_else(|| Error::Internal("influxd did not start".into())))
    }

    pub fn url(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.http_port)
    }

    fn wait_ready(&mut self, timeout: Duration) -> Result<()> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                return Err(Error::Internal(format!(
                    "influxd exited ({status}) while starting; its log: {}",
                    tail(&self.dir.join("influxd.log"))
                )));
            }
            let ready = if self.https {
                // The listener opens once influxd is up; TLS is the client's business.
                std::net::TcpStream::connect(("127.0.0.1", self.http_port)).is_ok()
            } else {
                ping(self.http_port)
            };
            if ready {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(Error::Timeout(format!(
            "influxd did not answer on port {} within {}s; its log: {}",
            self.http_port,
            timeout.as_secs(),
            tail(&self.dir.join("influxd.log"))
        )))
    }

    /// Stop the server and wait for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            if let Some(mut stdin) = child.stdin.take() {
                let _ = stdin.write_all(b"\n");
            }
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A blocking `GET /ping` that reports whether an InfluxDB answers 2xx on the port.
pub fn ping(port: u16) -> bool {
    use std::io::Read;
    let Ok(mut s) = std::net::TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_millis(300),
    ) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut buf = [0u8; 64];
    match s.read(&mut buf) {
        Ok(n) => {
            let head = String::from_utf8_lossy(&buf[..n]);
            head.starts_with("HTTP/1.1 2") || head.starts_with("HTTP/1.0 2")
        }
        Err(_) => false,
    }
}

fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().rev().take(5).collect();
    lines.into_iter().rev().collect::<Vec<_>>().join(" | ")
}
