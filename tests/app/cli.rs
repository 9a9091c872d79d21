//! The CLI as a user runs it: real influxd, real Secret Service, exit codes and one-line
//! errors, and proof that the secret appears nowhere but the keychain.

use influxdesk_testkit::secret_service::SecretService;

use crate::support::{files_containing, influxd, run, scratch, text};

const PASSWORD: &str = "cli-e2e-Secr3t-0b5f9c";

fn env_for(ss: Option<&SecretService>, config: &std::path::Path) -> Vec<(String, String)> {
    let mut env = ss.map(SecretService::env).unwrap_or_default();
    env.push(("INFLUXDESK_CONFIG_DIR".into(), config.display().to_string()));
    env
}

#[test]
fn profile_lifecycle_through_the_real_keychain_leaks_no_secret() {
    let ss = SecretService::start(true);
    let server = influxd(Some(("admin", PASSWORD)));
    let config = scratch("cli-config-");
    let mut env = env_for(Some(&ss), &config);
    // Every log line at trace level is part of the scan.
    env.push(("RUST_LOG".into(), "trace".into()));
    let outputs = std::cell::RefCell::new(Vec::new());
    let ok = |args: &[&str], stdin: Option<&str>| -> String {
        let o = run(args, &env, stdin);
        let (out, err) = text(&o);
        assert!(o.status.success(), "influxdesk {args:?} failed: {err}");
        outputs.borrow_mut().push(format!("{out}{err}"));
        out
    };

    let out = ok(
        &[
            "profile",
            "add",
            "secure",
            "--url",
            &server.url(),
            "--username",
            "admin",
            "--database",
            "e2e",
            "--token-stdin",
            "--assistant-policy",
            "allow",
            "--assistant-admin",
            "ask",
        ],
        Some(&format!("{PASSWORD}\n")),
    );
    assert!(out.contains("secret stored in the OS keychain"), "{out}");
    let list = ok(&["profile", "list", "--json"], None);
    let v: serde_json::Value = serde_json::from_str(&list).unwrap();
    let id = v["profiles"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(v["profiles"][0]["assistant_policy"], "allow");
    assert_eq!(v["profiles"][0]["assistant_admin"], "ask");
    assert_eq!(v["profiles"][0]["assistant_read"], "allow");
    let table = ok(&["profile", "list"], None);
    assert!(table.contains("write allow, admin ask"), "{table}");
    assert_eq!(
        v["active"],
        serde_json::json!(id),
        "the first profile becomes active"
    );
    assert_eq!(
        ss.lookup("influxdesk", &id).as_deref(),
        Some(PASSWORD),
        "the password is in the Secret Service under service influxdesk, account = profile id"
    );

    let out = ok(&["profile", "test"], None);
    assert!(
        out.contains("1.6.7") && out.contains("credentials accepted"),
        "{out}"
    );
    ok(&["query", "CREATE DATABASE e2e"], None);
    let out = ok(
        &["write", "--bucket", "e2e", "--precision", "s", "-"],
        Some("temp,room=lab v=21.5 1700000000\ntemp,room=lab v=22 1700000060\n"),
    );
    assert!(out.contains("wrote 2 points"), "{out}");
    let csv = ok(&["query", "--format", "csv", "SELECT v FROM temp"], None);
    assert_eq!(
        csv,
        "name,time,v\ntemp,2023-11-14T22:13:20Z,21.5\ntemp,2023-11-14T22:14:20Z,22\n"
    );
    let json = ok(
        &["query", "--format", "json", "SELECT mean(v) FROM temp"],
        None,
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["frames"][0]["columns"][1]["values"][0],
        serde_json::json!(21.75)
    );
    let table = ok(&["query", "SELECT v FROM temp"], None);
    assert!(table.contains("2 rows in 1 frames"), "{table}");

    // The scan: no secret in the config dir, the whole HOME (keyring files are encrypted),
    // nor anything printed, with logging at trace.
    let mut leaks = files_containing(&config, PASSWORD);
    leaks.extend(files_containing(&ss.home, PASSWORD));
    assert!(leaks.is_empty(), "secret found in files: {leaks:?}");
    for o in outputs.borrow().iter() {
        assert!(!o.contains(PASSWORD), "secret printed: {o}");
    }

    ok(&["profile", "rm", "secure"], None);
    assert_eq!(
        ss.lookup("influxdesk", &id),
        None,
        "rm deletes the keychain entry"
    );
}

#[test]
fn a_locked_or_missing_keychain_is_a_clear_error_and_saves_nothing() {
    let server = influxd(None);
    let locked = SecretService::start(false);
    for (label, env) in [
        (
            "locked keyring",
            env_for(Some(&locked), &scratch("cli-locked-")),
        ),
        ("no session bus", {
            let dir = scratch("cli-nobus-");
            let mut e = env_for(None, &dir);
            e.push((
                "DBUS_SESSION_BUS_ADDRESS".into(),
                format!("unix:path={}/none", dir.display()),
            ));
            e
        }),
    ] {
        let o = run(
            &[
                "profile",
                "add",
                "x",
                "--url",
                &server.url(),
                "--token-stdin",
            ],
            &env,
            Some("tok-123456"),
        );
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{label}: {out}{err}");
        // The error line, wherever the log (RUST_LOG=trace) puts lines around it.
        let line = err
            .lines()
            .rfind(|l| l.starts_with("error["))
            .unwrap_or_default();
        assert!(
            line.starts_with("error[KeychainUnavailable]: "),
            "{label}: {err}"
        );
        assert!(
            line.contains("Unlock or start your keychain"),
            "{label}: says what to do: {line}"
        );
        assert!(!err.contains("tok-123456"), "{label}: token not echoed");
        let cfg = &env
            .iter()
            .find(|(k, _)| k == "INFLUXDESK_CONFIG_DIR")
            .unwrap()
            .1;
        let list = run(&["profile", "list", "--json"], &env, None);
        let v: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
        assert_eq!(
            v["profiles"],
            serde_json::json!([]),
            "{label}: nothing half-saved in {cfg}"
        );
    }
    // Without a secret the keychain is not needed at all.
    let env = env_for(None, &scratch("cli-nosecret-"));
    let o = run(
        &["profile", "add", "open", "--url", &server.url()],
        &env,
        None,
    );
    assert!(o.status.success(), "{:?}", text(&o));
}

#[test]
fn failures_exit_non_zero_with_one_line_errors() {
    let server = influxd(None);
    let env = env_for(None, &scratch("cli-errors-"));
    let cases: [(&[&str], &str); 5] = [
        (
            &["query", "SELECT 1"],
            "error[NotFound]: no connection profile yet",
        ),
        (
            &["profile", "use", "ghost"],
            "error[NotFound]: no profile named \"ghost\"",
        ),
        (
            &["profile", "add", "bad", "--url", "localhost:8086"],
            "error[InvalidInput]:",
        ),
        (&["profile", "test", "ghost"], "error[NotFound]:"),
        (
            &["profile", "import", "/nonexistent/configs"],
            "error[NotFound]:",
        ),
    ];
    for (args, want) in cases {
        let o = run(args, &env, None);
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(err.starts_with(want), "{args:?}: {err}");
    }
    assert!(
        run(
            &[
                "profile",
                "add",
                "local",
                "--url",
                &server.url(),
                "--database",
                "d"
            ],
            &env,
            None
        )
        .status
        .success()
    );
    for (args, stdin, want) in [
        (
            vec!["query", "SELEC 1"],
            None,
            "error[QuerySyntax]: InfluxQL error: error parsing query: found SELEC",
        ),
        (
            vec!["query", "--format", "xml", "SHOW DATABASES"],
            None,
            "error[InvalidInput]: unknown format",
        ),
        (
            vec!["query", "--db", "nope", "SELECT * FROM m"],
            None,
            "error[NotFound]: database not found: nope",
        ),
        (
            vec!["write", "--bucket", "d"],
            Some("m v=1\nm v=\n"),
            "error[InvalidInput]: line protocol error on line 2",
        ),
    ] {
        let o = run(&args, &env, stdin);
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(err.starts_with(want), "{args:?}: {err}");
    }
    // Usage errors are clap's (exit 2 too), with the valid values named.
    let o = run(
        &["profile", "add", "x", "--url", "http://h", "--api", "v9"],
        &env,
        None,
    );
    assert!(
        text(&o).1.contains("use auto, v1, v2 or v3"),
        "{:?}",
        text(&o)
    );
}

#[test]
fn help_is_written_for_a_newcomer() {
    let o = run(&["--help"], &[], None);
    let (out, _) = text(&o);
    for want in [
        "open the app",
        "profile",
        "query",
        "write",
        "INFLUX_URL",
        "Examples:",
        "--token-stdin",
    ] {
        assert!(out.contains(want), "--help mentions {want}: {out}");
    }
    let (out, _) = text(&run(&["profile", "add", "--help"], &[], None));
    for want in [
        "--url",
        "--api",
        "--org",
        "--database",
        "--bucket",
        "--username",
        "--token-stdin",
        "--insecure-skip-verify",
        "--ca-cert",
        "keychain",
    ] {
        assert!(out.contains(want), "profile add --help mentions {want}");
    }
}

#[test]
fn chart_renders_the_query_to_png_and_svg() {
    let server = influxd(None);
    let env = env_for(None, &scratch("cli-chart-"));
    assert!(
        run(
            &[
                "profile",
                "add",
                "local",
                "--url",
                &server.url(),
                "--database",
                "m"
            ],
            &env,
            None
        )
        .status
        .success()
    );
    assert!(
        run(&["query", "CREATE DATABASE m"], &env, None)
            .status
            .success()
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let lines: String = (0..120)
        .map(|i| format!("load,host=a v={} {}\n", i % 17, now - i * 60))
        .collect();
    assert!(
        run(
            &["write", "--bucket", "m", "--precision", "s"],
            &env,
            Some(&lines)
        )
        .status
        .success()
    );
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("load.png");
    let q = "SELECT mean(v) FROM load WHERE $timeFilter GROUP BY time($interval), host";
    let o = run(
        &[
            "chart",
            "--range",
            "3h",
            "--width",
            "640",
            "--height",
            "320",
            "--out",
            png.to_str().unwrap(),
            q,
        ],
        &env,
        None,
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        out.contains("line chart of 1 series") && out.contains("host=a"),
        "a text summary of the series: {out}"
    );
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG file");
    let (w, h) = (
        u32::from_be_bytes(bytes[16..20].try_into().unwrap()),
        u32::from_be_bytes(bytes[20..24].try_into().unwrap()),
    );
    assert_eq!((w, h), (640, 320), "the asked size");
    let svg = dir.path().join("load.svg");
    let o = run(
        &[
            "chart",
            "--range",
            "3h",
            "--type",
            "bar",
            "--out",
            svg.to_str().unwrap(),
            q,
        ],
        &env,
        None,
    );
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg"));
    let o = run(
        &[
            "chart",
            "--out",
            dir.path().join("x.gif").to_str().unwrap(),
            q,
        ],
        &env,
        None,
    );
    assert!(
        text(&o)
            .1
            .starts_with("error[InvalidInput]: --out must end in .png or .svg")
    );
    let o = run(
        &[
            "chart",
            "--range",
            "3h",
            "--out",
            png.to_str().unwrap(),
            "SHOW MEASUREMENTS",
        ],
        &env,
        None,
    );
    assert!(
        text(&o)
            .1
            .starts_with("error[InvalidInput]: nothing to chart"),
        "{:?}",
        text(&o)
    );
}

#[test]
fn write_streams_a_file_in_batches_and_a_partial_write_exits_non_zero() {
    let server = influxd(None);
    let mut env = env_for(None, &scratch("cli-write-"));
    let data = scratch("cli-write-data-");
    env.push(("INFLUXDESK_DATA_DIR".into(), data.display().to_string()));
    let ok = |args: &[&str]| -> String {
        let o = run(args, &env, None);
        let (out, err) = text(&o);
        assert!(o.status.success(), "influxdesk {args:?} failed: {err}");
        out
    };
    ok(&[
        "profile",
        "add",
        "local",
        "--url",
        &server.url(),
        "--database",
        "w",
    ]);
    ok(&["query", "CREATE DATABASE w"]);
    ok(&[
        "query",
        "CREATE RETENTION POLICY hour ON w DURATION 1h REPLICATION 1",
    ]);

    let file = data.join("points.lp");
    let lines: String = (0..12)
        .map(|i| format!("m,host=h{} v={i}i {}\n", i % 3, 1_700_000_000 + i))
        .collect();
    std::fs::write(&file, lines).unwrap();
    let f = file.display().to_string();
    let out = ok(&[
        "write",
        "--bucket",
        "w",
        "--precision",
        "s",
        "--batch-lines",
        "5",
        &f,
    ]);
    assert!(
        out.starts_with("wrote 12 points") && out.contains("in 3 batches"),
        "{out}"
    );
    let count = ok(&["query", "--format", "csv", "SELECT count(v) FROM m"]);
    assert!(count.ends_with(",12\n"), "{count}");
    assert!(
        std::fs::read_dir(data.join("imports"))
            .map(|d| d.count() == 0)
            .unwrap_or(true),
        "a finished import leaves no checkpoint"
    );

    // One point gets the server's clock (inside the hour), one is from 1970 (outside).
    let o = run(
        &["write", "--bucket", "w/hour", "-"],
        &env,
        Some("m v=1i\nm v=2i 0\n"),
    );
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with("error[InvalidInput]: partial write: wrote 1 point")
            && err.contains("the server did NOT store 1 point")
            && err.contains("partial write: points beyond retention policy dropped=1"),
        "what landed, what did not, the server's words: {err}"
    );

    let o = run(
        &["write", "--bucket", "w", "--resume", "-"],
        &env,
        Some("m v=1i 1\n"),
    );
    assert!(
        text(&o).1.contains("--resume and --restart need a FILE"),
        "{:?}",
        text(&o)
    );
}
