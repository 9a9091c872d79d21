//! What the alert tests of the command line share: the world they start from (a private
//! Secret Service, a real influxd, a config dir and, for tests that run `influxdesk serve`
//! beside the CLI, a private socket dir), the profile with its database, the hot CPU point
//! and rule the channel tests fire, `influxdesk serve` as the evaluator, and waiting for
//! what a receiver took. Each test keeps its own `ok` (what it checks on every run, e.g. that
//! a secret never shows), passed in as [`Ok`].

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use influxdesk_core::local::LocalServer;
use influxdesk_testkit::secret_service::SecretService;
use serde_json::Value;
use tokio::process::{Child, Command};

use crate::support::{BIN, influxd, scratch};

/// A test's way to run the CLI: the arguments and stdin; it must succeed; its stdout.
pub type Ok<'a> = &'a dyn Fn(&[&str], Option<&str>) -> String;

/// A private Secret Service, a real influxd (auth off), the app's config dir and the CLI's
/// environment for them. Kept alive for the whole test (dropping it stops the servers).
pub struct AlertWorld {
    pub ss: SecretService,
    pub server: LocalServer,
    pub config: PathBuf,
    pub env: Vec<(String, String)>,
}

impl AlertWorld {
    /// `name` prefixes the scratch dirs; with `socket`, `INFLUXDESK_SOCKET` points into a
    /// private (0700) dir of its own, so a `serve` of this test never meets another test's.
    pub fn start(name: &str, socket: bool) -> AlertWorld {
        let ss = SecretService::start(true);
        let server = influxd(None);
        let config = scratch(&format!("{name}config-"));
        let mut env = ss.env();
        env.push(("INFLUXDESK_CONFIG_DIR".into(), config.display().to_string()));
        if socket {
            let sock_dir = scratch(&format!("{name}sock-"));
            std::fs::set_permissions(&sock_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
            env.push((
                "INFLUXDESK_SOCKET".into(),
                sock_dir.join("mcp.sock").display().to_string(),
            ));
        }
        AlertWorld {
            ss,
            server,
            config,
            env,
        }
    }

    /// `profile add local` on this world's influxd with default database `db`; with `create`,
    /// the database is created too.
    pub fn profile(&self, ok: Ok, db: &str, create: bool) {
        let url = self.server.url();
        ok(
            &["profile", "add", "local", "--url", &url, "--database", db],
            None,
        );
        if create {
            ok(&["query", &format!("CREATE DATABASE {db}")], None);
        }
    }
}

/// Write one CPU point of host web-01 at 97 (above the crit level of [`cpu_rule`]) two
/// seconds ago into `db`.
pub fn write_hot_cpu(ok: Ok, db: &str) {
    let now = chrono::Utc::now().timestamp();
    ok(
        &["write", "--bucket", db, "--precision", "s", "-"],
        Some(&format!("cpu,host=web-01 usage=97 {}\n", now - 2)),
    );
}

/// `alert create cpu`: the last usage per host, warn above 80, crit above 90, every 10 s,
/// notifying `channels` with the message "CPU is high".
pub fn cpu_rule<'a>(channels: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "alert",
        "create",
        "cpu",
        "--query",
        "SELECT last(usage) FROM cpu GROUP BY host",
        "--op",
        ">",
        "--warn",
        "80",
        "--crit",
        "90",
        "--every",
        "10s",
    ];
    for c in channels {
        args.extend(["--channel", c]);
    }
    args.extend(["--message", "CPU is high"]);
    args
}

/// `influxdesk serve` with `env` (its stdout as asked, killed on drop).
pub fn serve(env: &[(String, String)], stdout: Stdio) -> Child {
    Command::new(BIN)
        .arg("serve")
        .env_remove("INFLUX_URL")
        .env_remove("INFLUX_TOKEN")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn influxdesk serve")
}

/// Wait (up to 90 s) until a receiver has taken `n` of what it records (`noun`, for the
/// failure message: "notifications", "mails"); all of them.
pub async fn wait_for(
    got: &Arc<Mutex<Vec<Value>>>,
    n: usize,
    what: &str,
    noun: &str,
) -> Vec<Value> {
    let start = Instant::now();
    loop {
        let seen = got.lock().unwrap().clone();
        if seen.len() >= n {
            return seen;
        }
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "{what}: {} of {n} {noun}: {seen:#?}",
            seen.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
