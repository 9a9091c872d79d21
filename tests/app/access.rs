//! `influxdesk user` and `influxdesk token` as a user runs them: a real influxd 1.6.7 with auth
//! on and the real Secret Service (a READ user is refused a write with the server's words and
//! allowed a read, WRITE lets it through, revoke, admin flag, passwd, rm), and tokens on the
//! real InfluxDB 3 Core (create prints the value once; list never shows it). Passwords come
//! only from standard input; none appears in the config dir, HOME or any output at trace level.

use influxdesk_testkit::influxdb3;
use influxdesk_testkit::secret_service::SecretService;
use serde_json::Value;

use crate::support::{files_containing, influxd, run, scratch, text};

const ADMIN_PW: &str = "access-admin-Pw-71c2";
const READER_PW: &str = "Reader-'pw'-\\-5d1e";
const NEW_PW: &str = "Reader-second-pw-9a0b";

/// The error line (trace logging comes before it on stderr).
/// The CLI's error line. Its log (on here, RUST_LOG=trace) can write lines after it: the
/// runtime's shutdown logs once the error is printed.
fn error_line(err: &str) -> &str {
    err.lines()
        .rfind(|l| l.starts_with("error["))
        .unwrap_or_default()
}

#[test]
fn users_and_grants_from_the_cli_on_a_real_influxd_with_auth() {
    let ss = SecretService::start(true);
    let server = influxd(Some(("admin", ADMIN_PW)));
    let config = scratch("cli-access-");
    let mut env = ss.env();
    env.push(("INFLUXDESK_CONFIG_DIR".into(), config.display().to_string()));
    env.push(("RUST_LOG".into(), "trace".into()));
    let outputs = std::cell::RefCell::new(Vec::new());
    let go = |args: &[&str], stdin: Option<&str>| -> (bool, String, String) {
        let o = run(args, &env, stdin);
        let (out, err) = text(&o);
        outputs.borrow_mut().push(format!("{out}{err}"));
        (o.status.success(), out, err)
    };
    let ok = |args: &[&str], stdin: Option<&str>| -> String {
        let (success, out, err) = go(args, stdin);
        assert!(success, "influxdesk {args:?} failed: {err}");
        out
    };
    let url = server.url();
    ok(
        &[
            "profile",
            "add",
            "admin",
            "--url",
            &url,
            "--username",
            "admin",
            "--token-stdin",
        ],
        Some(&format!("{ADMIN_PW}\n")),
    );
    ok(&["query", "CREATE DATABASE acc"], None);
    ok(
        &["write", "--bucket", "acc", "--precision", "s", "-"],
        Some("m v=1 1700000000\n"),
    );

    // No password flag exists; without --password-stdin it says how.
    let (success, _, err) = go(&["user", "create", "reader"], None);
    assert!(!success);
    assert!(
        error_line(&err).starts_with("error[InvalidInput]:") && err.contains("--password-stdin"),
        "{err}"
    );
    let (success, _, err) = go(&["user", "create", "reader", "--password", "x"], None);
    assert!(!success, "there is no --password flag: {err}");

    let out = ok(
        &["user", "create", "reader", "--password-stdin"],
        Some(&format!("{READER_PW}\n")),
    );
    assert!(
        out.contains("reader") && out.contains("no privileges"),
        "{out}"
    );
    let out = ok(
        &[
            "user",
            "grant",
            "reader",
            "--db",
            "acc",
            "--privilege",
            "read",
            "--json",
        ],
        None,
    );
    let u: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        u["grants"],
        serde_json::json!([{"database": "acc", "privilege": "read"}])
    );
    let list: Value = serde_json::from_str(&ok(&["user", "list", "--json"], None)).unwrap();
    let names: Vec<(&str, bool)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["name"].as_str().unwrap(), u["admin"].as_bool().unwrap()))
        .collect();
    assert_eq!(names, [("admin", true), ("reader", false)]);
    let (success, _, err) = go(
        &[
            "user",
            "grant",
            "reader",
            "--db",
            "acc",
            "--privilege",
            "owner",
        ],
        None,
    );
    assert!(!success && err.contains("read, write or all"), "{err}");

    // Connect as the reader: reads work, the write is refused with the server's words.
    ok(
        &[
            "profile",
            "add",
            "reader",
            "--url",
            &url,
            "--username",
            "reader",
            "--token-stdin",
        ],
        Some(&format!("{READER_PW}\n")),
    );
    let out = ok(
        &[
            "query",
            "--profile",
            "reader",
            "--db",
            "acc",
            "SELECT v FROM m",
        ],
        None,
    );
    assert!(out.contains("1 rows"), "{out}");
    let write_as_reader = |v: u32| {
        go(
            &[
                "write",
                "--profile",
                "reader",
                "--bucket",
                "acc",
                "--precision",
                "s",
                "-",
            ],
            Some(&format!("m v={v} 170000000{v}\n")),
        )
    };
    let (success, _, err) = write_as_reader(2);
    assert!(!success);
    assert!(
        error_line(&err).starts_with("error[Forbidden]:")
            && err.contains("not authorized to write"),
        "{err}"
    );
    ok(
        &[
            "user",
            "grant",
            "reader",
            "--db",
            "acc",
            "--privilege",
            "write",
        ],
        None,
    );
    let (success, out, err) = write_as_reader(3);
    assert!(success, "WRITE granted: {out}{err}");
    let out = ok(
        &[
            "user",
            "revoke",
            "reader",
            "--db",
            "acc",
            "--privilege",
            "all",
        ],
        None,
    );
    assert!(out.contains("no privileges"), "{out}");
    let (success, _, err) = write_as_reader(4);
    assert!(!success && err.contains("Forbidden"), "{err}");

    let out = ok(&["user", "admin", "reader"], None);
    assert!(out.contains("admin: all privileges"), "{out}");
    let out = ok(&["user", "admin", "reader", "--revoke"], None);
    assert!(out.contains("no privileges"), "{out}");
    ok(
        &["user", "passwd", "reader", "--password-stdin"],
        Some(&format!("{NEW_PW}\n")),
    );
    let (success, _, err) = go(&["profile", "test", "reader"], None);
    assert!(
        !success && err.contains("Unauthorized"),
        "old password: {err}"
    );
    let out = ok(&["user", "rm", "reader"], None);
    assert!(out.contains("dropped user \"reader\""), "{out}");
    let (success, _, err) = go(&["user", "rm", "reader"], None);
    assert!(
        !success && error_line(&err).starts_with("error[NotFound]:"),
        "{err}"
    );

    // The scan: the passwords are nowhere but the keychain (and the server).
    for pw in [ADMIN_PW, READER_PW, NEW_PW] {
        let mut leaks = files_containing(&config, pw);
        leaks.extend(files_containing(&ss.home, pw));
        assert!(leaks.is_empty(), "password found in files: {leaks:?}");
        for o in outputs.borrow().iter() {
            assert!(!o.contains(pw), "password printed: {o}");
        }
    }
}

#[test]
fn tokens_from_the_cli_on_the_real_influxdb3() {
    let Some(server) = influxdb3::auth() else {
        return;
    };
    let admin = server.token.clone().expect("the auth server has a token");
    let ss = SecretService::start(true);
    let config = scratch("cli-tokens-");
    let mut env = ss.env();
    env.push(("INFLUXDESK_CONFIG_DIR".into(), config.display().to_string()));
    env.push(("RUST_LOG".into(), "trace".into()));
    let ok = |args: &[&str], stdin: Option<&str>| -> String {
        let o = run(args, &env, stdin);
        let (out, err) = text(&o);
        assert!(o.status.success(), "influxdesk {args:?} failed: {err}");
        assert!(
            !out.contains(&admin) && !err.contains(&admin),
            "admin token printed"
        );
        out
    };
    ok(
        &[
            "profile",
            "add",
            "core3",
            "--url",
            &server.url,
            "--api",
            "v3",
            "--token-stdin",
        ],
        Some(&admin),
    );
    let name = influxdb3::unique_db("cli-tok");
    let out = ok(&["token", "create", "--description", &name, "--json"], None);
    let created: Value = serde_json::from_str(&out).unwrap();
    let value = created["value"].as_str().unwrap().to_string();
    assert!(value.starts_with("apiv3_"), "{out}");
    assert_eq!(
        created["token"]["permissions"],
        serde_json::json!(["admin (all)"])
    );

    let list = ok(&["token", "list"], None);
    assert!(
        list.contains(&name) && list.contains("note: InfluxDB 3 Core"),
        "{list}"
    );
    assert!(!list.contains(&value), "a listing never shows a value");
    let o = run(&["token", "disable", &name], &env, None);
    let (_, err) = text(&o);
    assert!(
        !o.status.success() && err.contains("cannot be disabled"),
        "{err}"
    );
    ok(&["token", "rm", &name], None);
    let list: Value = serde_json::from_str(&ok(&["token", "list", "--json"], None)).unwrap();
    assert!(
        !list["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == name.as_str())
    );
    for secret in [&admin, &value] {
        let mut leaks = files_containing(&config, secret);
        leaks.extend(files_containing(&ss.home, secret));
        assert!(leaks.is_empty(), "token found in files: {leaks:?}");
    }
}
