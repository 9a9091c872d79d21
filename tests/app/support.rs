//! Shared pieces: real influxd servers (through core's own runner), running the binary, and
//! the secret scan.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use influxdesk_core::local::{LocalConfig, LocalServer};
use influxdesk_testkit::secret_service::SecretService;

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

/// What a GUI test starts from: a private Secret Service, a real influxd, the app's config and
/// data dirs, and the CLI's view of them (`env`) with a v1 profile `local` whose default
/// database exists. Kept alive for the whole test (dropping it stops the servers).
pub struct GuiWorld {
    pub ss: SecretService,
    pub server: LocalServer,
    pub config: PathBuf,
    pub data: PathBuf,
    pub env: Vec<(String, String)>,
}

impl GuiWorld {
    /// Set up through the CLI: `profile add local --api v1 --database DB EXTRA...`, then
    /// `db create DB`. `name` prefixes the scratch dirs.
    pub fn v1(name: &str, database: &str, extra: &[&str]) -> GuiWorld {
        let ss = SecretService::start(true);
        let server = influxd(None);
        let config = scratch(&format!("{name}config-"));
        let data = scratch(&format!("{name}data-"));
        let mut env = ss.env();
        env.push(("INFLUXDESK_CONFIG_DIR".into(), config.display().to_string()));
        env.push(("INFLUXDESK_DATA_DIR".into(), data.display().to_string()));
        let w = GuiWorld {
            ss,
            server,
            config,
            data,
            env,
        };
        let url = w.server.url();
        let mut add = vec!["profile", "add", "local", "--url", &url];
        add.extend(["--api", "v1", "--database", database]);
        add.extend(extra);
        w.ok(&add, None);
        w.ok(&["db", "create", database], None);
        w
    }

    /// Run the CLI in this world; it must succeed. Its stdout.
    pub fn ok(&self, args: &[&str], stdin: Option<&str>) -> String {
        let o = run(args, &self.env, stdin);
        let (out, err) = text(&o);
        assert!(o.status.success(), "influxdesk {args:?}: {err}");
        out
    }
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
