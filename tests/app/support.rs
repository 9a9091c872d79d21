//! Shared pieces: real influxd servers (through core's own runner), running the binary, and
//! the secret scan.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use influxdesk_core::local::{LocalConfig, LocalServer};

pub const BIN: &str = env!("CARGO_BIN_EXE_influxdesk");

pub fn scratch(name: &str) -> PathBuf {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("influxdesk-app-tests");
    std::fs::create_dir_all(&base).unwrap();
    tempfile::Builder::new()
        .prefix(name)
        .tempdir_in(base)
        .unwrap()
        .keep()
}

/// A real influxd; with `admin` set, auth is on and that user/password is the admin.
pub fn influxd(admin: Option<(&str, &str)>) -> LocalServer {
    let s = LocalServer::start(&LocalConfig {
        dir: scratch("influxd-"),
        http_port: 0,
        auth_enabled: admin.is_some(),
        tls: None,
    })
    .expect("the test influxd must start (Debian package `influxdb`)");
    if let Some((u, p)) = admin {
        let out = Command::new("curl")
            .args(["-sS", "-XPOST", &format!("{}/query", s.url())])
            .args([
                "--data-urlencode",
                &format!("q=CREATE USER {u} WITH PASSWORD '{p}' WITH ALL PRIVILEGES"),
            ])
            .output()
            .expect("curl");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("results"),
            "admin user: {out:?}"
        );
    }
    s
}

/// Run the binary with `env` and `stdin`; returns its output.
pub fn run(args: &[&str], env: &[(String, String)], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("INFLUX_URL")
        .env_remove("INFLUX_TOKEN")
        .env_remove("RUST_LOG")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn influxdesk");
    let mut pipe = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        pipe.write_all(s.as_bytes()).unwrap();
    }
    drop(pipe);
    child.wait_with_output().unwrap()
}

pub fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Every file under `dir` (recursively) whose bytes contain `needle`.
pub fn files_containing(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p)
                && bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
            {
                hits.push(p);
            }
        }
    }
    hits
}
