//! Email channels as a user runs them, against a real SMTP server (Python `aiosmtpd`, started
//! here on loopback) and the real Secret Service: the SMTP account is refused on a private
//! host until the user allows it; `alert test` and a rule firing under `influxdesk serve` each
//! deliver the exact mail (sender, recipients, subject, the rule, level, series, value and
//! time) with the login whose password only the keychain holds; a wrong password is refused
//! with the server's answer and without the password. The password is never in a file or any
//! output. Over STARTTLS and TLS (rustls) the server's certificate is verified: refused until
//! the system's CA store (here `SSL_CERT_FILE`) trusts it, then delivered.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::alert_cli::{AlertWorld, cpu_rule, serve, wait_for, write_hot_cpu};
use crate::support::{files_containing, run, scratch, text};

pub(crate) const PASSWORD: &str = "SMTPSECRET-pw-0123";

/// The Python that has aiosmtpd: `INFLUXDESK_TEST_PYTHON`, else the venv `.ci/test` and
/// `tests/mcp/run.sh` make (`target/mcp-venv`, with `pip install aiosmtpd`).
fn python() -> PathBuf {
    let p = std::env::var_os("INFLUXDESK_TEST_PYTHON").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/mcp-venv/bin/python"),
        PathBuf::from,
    );
    assert!(
        p.exists(),
        "{} is missing: run .ci/test, or `python3 -m venv target/mcp-venv && \
         target/mcp-venv/bin/pip install aiosmtpd` (or set INFLUXDESK_TEST_PYTHON)",
        p.display()
    );
    p
}

pub(crate) type Mails = Arc<Mutex<Vec<Value>>>;

/// Start the SMTP sink (plain text): its port, the mails it takes, and the process (killed on
/// drop).
pub(crate) async fn smtp_sink() -> (u16, Mails, Child) {
    smtp_sink_with(&[]).await
}

/// [`smtp_sink`] with more of its settings (`SMTP_SINK_CERT`, `SMTP_SINK_TLS`...).
async fn smtp_sink_with(env: &[(&str, &str)]) -> (u16, Mails, Child) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/app/smtp_sink.py");
    let mut child = Command::new(python())
        .arg(script)
        .env("SMTP_SINK_USER", "alerts")
        .env("SMTP_SINK_PASSWORD", PASSWORD)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start the SMTP sink (python with aiosmtpd)");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines
        .next_line()
        .await
        .unwrap()
        .expect("the SMTP sink prints its port (is aiosmtpd installed?)");
    let port = serde_json::from_str::<Value>(&first).unwrap()["port"]
        .as_u64()
        .unwrap() as u16;
    let mails: Mails = Arc::default();
    let got = mails.clone();
    tokio::spawn(async move {
        while let Ok(Some(l)) = lines.next_line().await {
            got.lock().unwrap().push(serde_json::from_str(&l).unwrap());
        }
    });
    (port, mails, child)
}

/// Wait until the sink holds `n` mails.
pub(crate) async fn wait_mails(got: &Mails, n: usize, what: &str) -> Vec<Value> {
    wait_for(got, n, what, "mails").await
}

/// A raw mail's headers (unfolded) and body (CRLF as LF) as the sink took them.
pub(crate) fn parse(raw: &str) -> (BTreeMap<String, String>, String) {
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").expect("headers and body");
    let head = head.replace("\n ", " ").replace("\n\t", " ");
    let headers: BTreeMap<String, String> = head
        .lines()
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
        .collect();
    // The SMTP transfer ends the data with a line break of its own.
    let body = body.strip_suffix('\n').unwrap_or(body);
    let qp = headers
        .get("content-transfer-encoding")
        .is_some_and(|e| e.eq_ignore_ascii_case("quoted-printable"));
    let body = if qp {
        quoted_printable(body)
    } else {
        body.to_string()
    };
    (headers, body)
}

/// Decode a quoted-printable body (RFC 2045: `=XX` bytes, `=` at a line's end joins lines).
fn quoted_printable(s: &str) -> String {
    let s = s.replace("=\n", "");
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).expect("=XX in quoted-printable"));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The body with its Time line checked (RFC 3339) and taken out.
fn timeless(body: &str) -> String {
    body.lines()
        .filter(|l| match l.strip_prefix("Time:   ") {
            Some(t) => {
                assert!(chrono::DateTime::parse_from_rfc3339(t).is_ok(), "{l}");
                false
            }
            None => true,
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn email_alerts_reach_a_real_smtp_server_with_the_password_from_the_keychain() {
    let w = AlertWorld::start("alert-mail-", true);
    let (port, mails, _sink) = smtp_sink().await;
    let (ss, env, config) = (&w.ss, &w.env, &w.config);
    let go = |args: &[&str], stdin: Option<&str>| -> (bool, String, String) {
        let o = run(args, env, stdin);
        let (out, err) = text(&o);
        assert!(
            !out.contains("SMTPSECRET") && !err.contains("SMTPSECRET"),
            "the password never shows: {out}{err}"
        );
        (o.status.success(), out, err)
    };
    let ok = |args: &[&str], stdin: Option<&str>| -> String {
        let (good, out, err) = go(args, stdin);
        assert!(good, "influxdesk {args:?} failed: {err}");
        out
    };
    w.profile(&ok, "mail", true);
    write_hot_cpu(&ok, "mail");
    let create = cpu_rule(&["email:ops@example.com,oncall@example.org"]);
    // No SMTP account yet: the rule is refused with how to set one.
    let (good, _, err) = go(&create, None);
    assert!(!good);
    assert!(err.contains("influxdesk alert smtp --host"), "{err}");

    let port_s = port.to_string();
    let smtp = [
        "alert",
        "smtp",
        "--host",
        "127.0.0.1",
        "--port",
        &port_s,
        "--tls",
        "none",
        "--username",
        "alerts",
        "--from",
        "influxdesk <alerts@example.com>",
        "--password-stdin",
    ];
    // A loopback SMTP server is refused until the user allows the host.
    let (good, _, err) = go(&smtp, Some(PASSWORD));
    assert!(!good);
    assert!(err.contains("allow-host 127.0.0.1"), "{err}");
    ok(&["alert", "allow-host", "127.0.0.1"], None);
    ok(&smtp, Some(PASSWORD));
    let shown: Value = serde_json::from_str(&ok(&["alert", "smtp", "--json"], None)).unwrap();
    assert_eq!(
        shown,
        serde_json::json!({
            "settings": {"host": "127.0.0.1", "port": port, "tls": "none",
                         "username": "alerts", "from": "influxdesk <alerts@example.com>"},
            "password_set": true,
        })
    );
    assert_eq!(
        ss.lookup("influxdesk", "alert-smtp").as_deref(),
        Some(PASSWORD),
        "the password is in the keychain"
    );

    ok(&create, None);
    let listed: Value = serde_json::from_str(&ok(&["alert", "list", "--json"], None)).unwrap();
    assert_eq!(
        listed[0]["notification"]["channels"][0], "email:ops@example.com,oncall@example.org",
        "addresses are shown as given"
    );

    // "Send test notification": one mail, through the login, to both addresses.
    let out = ok(&["alert", "test", "cpu"], None);
    assert!(out.contains("delivered: SMTP 250"), "{out}");
    let got = wait_mails(&mails, 1, "test mail").await;
    assert_eq!(got[0]["from"], "alerts@example.com");
    assert_eq!(
        got[0]["to"],
        serde_json::json!(["ops@example.com", "oncall@example.org"])
    );
    assert_eq!(
        got[0]["login"], "alerts",
        "sent with the keychain's password"
    );
    let (h, body) = parse(got[0]["data"].as_str().unwrap());
    assert_eq!(h["subject"], "[influxdesk] test: cpu");
    assert_eq!(h["from"], "influxdesk <alerts@example.com>");
    assert_eq!(h["to"], "ops@example.com, oncall@example.org");
    assert_eq!(
        timeless(&body),
        "cpu: a test notification from influxdesk (no change of state)\n\nRule:   cpu\n\
         Level:  UNKNOWN (was UNKNOWN)\nSeries: (all)\nValue:  none\n\n-- \n\
         influxdesk alert \"cpu\"\n"
    );

    // The evaluator: the rule goes CRIT for host web-01 and mails it.
    let mut serve = serve(env, Stdio::null());
    let got = wait_mails(&mails, 2, "crit mail").await;
    serve.start_kill().unwrap();
    let _ = serve.wait().await;
    assert_eq!(got[1]["login"], "alerts");
    let (h, body) = parse(got[1]["data"].as_str().unwrap());
    assert_eq!(
        h["subject"],
        "[influxdesk] CRIT: cpu on cpu.last host=web-01"
    );
    assert_eq!(
        timeless(&body),
        "cpu on cpu.last host=web-01: CRIT (value 97, threshold > 80 warn, > 90 crit). CPU is high\n\n\
         Rule:   cpu\nLevel:  CRIT (was UNKNOWN)\nSeries: cpu.last host=web-01\n\
         Value:  97\n\n-- \ninfluxdesk alert \"cpu\"\n"
    );

    // A wrong password: the server's refusal, never the password.
    let (good, _, err) = go(&smtp, Some("SMTPSECRET-wrong"));
    assert!(good, "{err}");
    let (good, out, err) = go(&["alert", "test", "cpu"], None);
    assert!(!good, "a refused mail fails the test: {out}");
    assert!(
        out.contains("refused the mail") || err.contains("refused the mail"),
        "{out}{err}"
    );
    assert!(out.contains("535") || err.contains("535"), "{out}{err}");
    assert_eq!(mails.lock().unwrap().len(), 2, "no mail without the login");
    assert!(
        files_containing(config, "SMTPSECRET").is_empty(),
        "no password in the config dir"
    );
}

/// A self-signed certificate for 127.0.0.1 (made with the `openssl` command): (cert, key).
fn self_signed(dir: &std::path::Path) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let o = std::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args([
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("the openssl command (Debian package `openssl`)");
    assert!(o.status.success(), "openssl: {o:?}");
    (cert, key)
}

#[tokio::test(flavor = "multi_thread")]
async fn starttls_and_tls_verify_the_server_certificate() {
    let mut w = AlertWorld::start("alert-mail-tls-", false);
    let (cert, key) = self_signed(&scratch("alert-mail-cert-"));
    let (cert_s, key_s) = (cert.display().to_string(), key.display().to_string());
    // Nothing but the test's own CA file is trusted, so the outcome does not depend on the
    // machine's CA store.
    let empty = scratch("alert-mail-no-ca-");
    w.env
        .push(("SSL_CERT_DIR".into(), empty.display().to_string()));
    let env = &w.env;
    let run_with = |args: &[&str], stdin: Option<&str>, ca: Option<&str>| {
        let mut env = env.clone();
        env.push((
            "SSL_CERT_FILE".into(),
            ca.map_or_else(
                || empty.join("none.pem").display().to_string(),
                str::to_string,
            ),
        ));
        let o = run(args, &env, stdin);
        let (out, err) = text(&o);
        assert!(
            !out.contains("SMTPSECRET") && !err.contains("SMTPSECRET"),
            "{out}{err}"
        );
        (o.status.success(), out, err)
    };
    let ok = |args: &[&str], stdin: Option<&str>| {
        let (good, out, err) = run_with(args, stdin, None);
        assert!(good, "influxdesk {args:?} failed: {err}");
        out
    };
    w.profile(&ok, "mailtls", false);
    ok(&["alert", "allow-host", "127.0.0.1"], None);
    // The SMTP account is set first: an email channel needs it.
    ok(
        &[
            "alert",
            "smtp",
            "--host",
            "127.0.0.1",
            "--port",
            "25",
            "--tls",
            "starttls",
            "--from",
            "alerts@example.com",
        ],
        None,
    );
    ok(
        &[
            "alert",
            "create",
            "disk",
            "--query",
            "SELECT last(used) FROM disk",
            "--op",
            ">",
            "--crit",
            "90",
            "--channel",
            "email:ops@example.com",
        ],
        None,
    );
    for mode in ["starttls", "tls"] {
        let (port, mails, _sink) = smtp_sink_with(&[
            ("SMTP_SINK_CERT", &cert_s),
            ("SMTP_SINK_KEY", &key_s),
            ("SMTP_SINK_TLS", mode),
        ])
        .await;
        let port_s = port.to_string();
        ok(
            &[
                "alert",
                "smtp",
                "--host",
                "127.0.0.1",
                "--port",
                &port_s,
                "--tls",
                mode,
                "--username",
                "alerts",
                "--from",
                "alerts@example.com",
                "--password-stdin",
            ],
            Some(PASSWORD),
        );
        // The certificate is not trusted yet: refused, nothing sent.
        let (good, out, err) = run_with(&["alert", "test", "disk"], None, None);
        assert!(!good, "{mode}: an untrusted certificate must fail: {out}");
        assert!(
            format!("{out}{err}").contains("TLS"),
            "{mode}: the error names TLS: {out}{err}"
        );
        assert!(mails.lock().unwrap().is_empty(), "{mode}: nothing sent");
        // Trusted through the CA file: delivered over TLS.
        let (good, out, err) = run_with(&["alert", "test", "disk"], None, Some(&cert_s));
        assert!(good, "{mode}: {out}{err}");
        assert!(out.contains("delivered: SMTP 250"), "{mode}: {out}");
        let got = wait_mails(&mails, 1, mode).await;
        assert_eq!(got[0]["login"], "alerts", "{mode}");
        let (h, _) = parse(got[0]["data"].as_str().unwrap());
        assert_eq!(h["subject"], "[influxdesk] test: disk", "{mode}");
    }
    assert!(files_containing(&w.config, "SMTPSECRET").is_empty());
}
