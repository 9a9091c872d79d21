//! A private Secret Service for tests: its own D-Bus session bus and gnome-keyring, under a
//! temp HOME and runtime dir, so tests use the real keychain code path without touching the
//! user's keyring. Processes started with [`SecretService::env`] see only this keyring.
//! `unlocked: false` gives a keyring daemon whose keyring is locked (every access fails fast,
//! as on a desktop where the user dismissed the unlock prompt).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SecretService {
    pub home: PathBuf,
    pub runtime_dir: PathBuf,
    pub bus_address: String,
    bus: Child,
    _dir: tempfile::TempDir,
}

impl SecretService {
    /// Start a session bus and gnome-keyring-daemon (secrets component).
    pub fn start(unlocked: bool) -> SecretService {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = dir.path().join("home");
        let runtime_dir = dir.path().join("run");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&runtime_dir).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&runtime_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        }
        let socket = dir.path().join("bus");
        let bus_address = format!("unix:path={}", socket.display());
        let bus = Command::new("dbus-daemon")
            .args([
                "--session",
                "--nofork",
                "--nopidfile",
                "--address",
                &bus_address,
            ])
            .env("HOME", &home)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon must be installed (Debian: dbus-daemon)");
        let start = Instant::now();
        while !socket.exists() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "dbus-daemon did not create its socket"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let mut s = SecretService {
            home,
            runtime_dir,
            bus_address,
            bus,
            _dir: dir,
        };
        let mut cmd = Command::new("gnome-keyring-daemon");
        cmd.envs(s.env())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if unlocked {
            cmd.args(["--unlock", "--components=secrets"])
                .stdin(Stdio::piped());
            let mut child = cmd
                .spawn()
                .expect("gnome-keyring-daemon must be installed (Debian: gnome-keyring)");
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(b"test-keyring-pw")
                .unwrap();
            let status = child.wait().unwrap();
            assert!(status.success(), "gnome-keyring-daemon --unlock failed");
        } else {
            let status = cmd
                .args(["--start", "--components=secrets"])
                .status()
                .expect("gnome-keyring-daemon");
            assert!(status.success(), "gnome-keyring-daemon --start failed");
        }
        s.wait_for_service();
        s
    }

    fn wait_for_service(&mut self) {
        let start = Instant::now();
        loop {
            let out = Command::new("dbus-send")
                .envs(self.env())
                .args([
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.secrets",
                ])
                .output()
                .expect("dbus-send (Debian: dbus-bin)");
            if String::from_utf8_lossy(&out.stdout).contains("boolean true") {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "gnome-keyring did not register org.freedesktop.secrets"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Environment for processes that should use this keyring.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("DBUS_SESSION_BUS_ADDRESS".into(), self.bus_address.clone()),
            ("HOME".into(), self.home.display().to_string()),
            (
                "XDG_RUNTIME_DIR".into(),
                self.runtime_dir.display().to_string(),
            ),
        ]
    }

    /// `secret-tool lookup service S account A` in this session (None when absent).
    pub fn lookup(&self, service: &str, account: &str) -> Option<String> {
        let out = Command::new("secret-tool")
            .envs(self.env())
            .args(["lookup", "service", service, "username", account])
            .output()
            .expect("secret-tool (Debian: libsecret-tools)");
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).to_string())
    }
}

impl Drop for SecretService {
    fn drop(&mut self) {
        // gnome-keyring exits when its bus goes away.
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}
