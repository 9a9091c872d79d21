//! `influxdesk alert` as a user runs it, with the real Secret Service: channel URLs of an older
//! rules file move into the keychain (and out of the file), a loopback webhook is refused until
//! `alert allow-host` allows it, `alert test` reports the HTTP status, and with `influxdesk
//! serve` running, another process names serve as the one evaluator.

use std::process::Stdio;
use std::time::Duration;

use influxdesk_testkit::webhook::receiver;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::alert_cli::{AlertWorld, serve};
use crate::support::{files_containing, run, text};

#[tokio::test(flavor = "multi_thread")]
async fn channels_live_in_the_keychain_tests_report_status_and_one_process_evaluates() {
    let w = AlertWorld::start("alert-", true);
    let (ss, env, config) = (&w.ss, &w.env, &w.config);
    let ok = |args: &[&str]| -> String {
        let o = run(args, env, None);
        let (out, err) = text(&o);
        assert!(o.status.success(), "influxdesk {args:?} failed: {err}");
        out
    };
    w.profile(&|args, _| ok(args), "alerts", false);
    let profiles: serde_json::Value =
        serde_json::from_str(&ok(&["profile", "list", "--json"])).unwrap();
    let profile_id = profiles["profiles"][0]["id"].as_str().unwrap().to_string();

    // A rules file as an older influxdesk wrote it: the whole URL in plain JSON.
    let (hook, got) = receiver().await;
    let channel = format!("webhook:{hook}/SECRETpath?token=SECRETquery");
    let rules = serde_json::json!({"version": 1, "rules": [{
        "id": "r1", "name": "cpu", "profile_id": profile_id, "query": "SELECT last(v) FROM m",
        "threshold": {"operator": "greater", "value": 1},
        "notification": {"channels": [channel, "desktop"], "message": "m"},
        "every": "1m"
    }]});
    let file = config.join("alerts.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&rules).unwrap()).unwrap();

    // Loopback is refused (the URL moved to the keychain on the way), saying how to allow it.
    let o = run(&["alert", "test", "cpu"], env, None);
    let (out, err) = text(&o);
    assert!(
        !o.status.success(),
        "a refused channel fails the test: {out}"
    );
    assert!(
        err.contains("127.0.0.1 is a loopback address")
            && err.contains("influxdesk alert allow-host 127.0.0.1"),
        "{err}"
    );
    assert!(!err.contains("SECRET") && !out.contains("SECRET"), "{err}");
    assert!(got.lock().unwrap().is_empty());
    let listed: serde_json::Value =
        serde_json::from_str(&ok(&["alert", "list", "--json"])).unwrap();
    let account = listed[0]["channel_accounts"][0]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        ss.lookup("influxdesk", &account).as_deref(),
        Some(channel.as_str()),
        "the whole URL is in the real keychain, service influxdesk"
    );
    assert_eq!(
        listed[0]["notification"]["channels"][1], "desktop",
        "nothing lost"
    );
    assert!(
        files_containing(config, "SECRET").is_empty(),
        "no URL in the config dir"
    );

    ok(&["alert", "allow-host", "127.0.0.1"]);
    assert_eq!(ok(&["alert", "allow-host"]), "127.0.0.1\n");
    let out = ok(&["alert", "test", "cpu"]);
    assert!(
        out.contains("delivered: HTTP 200") && out.contains("shown in the influxdesk app"),
        "{out}"
    );
    assert!(!out.contains("SECRET"), "{out}");
    assert_eq!(got.lock().unwrap().len(), 1, "the webhook got the test");

    // `influxdesk serve` evaluates; another process says so.
    let list = ok(&["alert", "list"]);
    assert!(
        list.contains("no influxdesk process evaluates alerts"),
        "{list}"
    );
    let mut serve = serve(env, Stdio::piped());
    let pid = serve.id().unwrap();
    let mut lines = BufReader::new(serve.stdout.take().unwrap()).lines();
    let mut ready = Vec::new();
    while let Ok(Ok(Some(l))) =
        tokio::time::timeout(Duration::from_secs(60), lines.next_line()).await
    {
        let done = l.starts_with("alert evaluator running");
        ready.push(l);
        if done {
            break;
        }
    }
    let here = format!("alerts: alerts are evaluated here, by influxdesk serve (pid {pid})");
    assert!(ready.contains(&here), "{ready:?}");
    let list = ok(&["alert", "list"]);
    assert!(
        list.contains(&format!(
            "alerts are evaluated by influxdesk serve (pid {pid}), not here"
        )),
        "{list}"
    );
    serve.start_kill().unwrap();
    let _ = serve.wait().await;
    assert!(files_containing(config, "SECRET").is_empty());
}

/// A rule's life on the command line against a real influxd: create with warn/crit levels per
/// host, backtest it over data in 10-minute stretches of one level (so the count does not
/// depend on where the minute grid falls), edit it, mute one series, show it, then delete.
#[tokio::test(flavor = "multi_thread")]
async fn create_backtest_edit_mute_and_show_a_rule() {
    let w = AlertWorld::start("alert-life-", false);
    let env = &w.env;
    let ok = |args: &[&str], stdin: Option<&str>| -> String {
        let o = run(args, env, stdin);
        let (out, err) = text(&o);
        assert!(o.status.success(), "influxdesk {args:?} failed: {err}");
        out
    };
    w.profile(&ok, "life", true);
    let now = chrono::Utc::now().timestamp();
    let mut lines = String::new();
    for s in (0..=35 * 60).step_by(10) {
        let a = if s > 20 * 60 {
            95
        } else if s > 10 * 60 {
            85
        } else {
            50
        };
        lines += &format!(
            "cpu,host=a usage={a} {}\ncpu,host=b usage=40 {}\n",
            now - s,
            now - s
        );
    }
    ok(
        &["write", "--bucket", "life", "--precision", "s", "-"],
        Some(&lines),
    );

    let rule = [
        "--query",
        "SELECT last(usage) FROM cpu GROUP BY host",
        "--op",
        ">=",
        "--warn",
        "80",
        "--crit",
        "90",
        "--every",
        "1m",
    ];
    let mut args = vec!["alert", "backtest", "--range", "30m", "--json"];
    args.extend(rule);
    let bt: serde_json::Value = serde_json::from_str(&ok(&args, None)).unwrap();
    assert_eq!(
        (bt["crit"].as_u64(), bt["warn"].as_u64()),
        (Some(1), Some(1)),
        "{bt:#}"
    );

    let mut args = vec!["alert", "create", "cpu levels", "--channel", "desktop"];
    args.extend(rule);
    let out = ok(&args, None);
    assert!(out.contains("warn 80") && out.contains("crit 90"), "{out}");
    let out = ok(&["alert", "backtest", "cpu levels", "--range", "30m"], None);
    assert!(
        out.starts_with("would have fired 2 times (warn 1, crit 1)"),
        "{out}"
    );

    let out = ok(
        &[
            "alert",
            "edit",
            "cpu levels",
            "--crit",
            "99",
            "--warn",
            "80",
            "--op",
            ">=",
            "--every",
            "2m",
        ],
        None,
    );
    assert!(out.contains("crit 99") && out.contains("every 2m"), "{out}");
    let o = run(&["alert", "edit", "cpu levels"], env, None);
    assert!(
        !o.status.success() && text(&o).1.contains("nothing to change"),
        "{:?}",
        text(&o)
    );
    let o = run(&["alert", "edit", "cpu levels", "--every", "1s"], env, None);
    assert!(text(&o).1.contains("too often"), "{:?}", text(&o));

    ok(
        &[
            "alert",
            "mute",
            "cpu levels",
            "--for",
            "1h",
            "--reason",
            "deploy",
        ],
        None,
    );
    let shown: serde_json::Value =
        serde_json::from_str(&ok(&["alert", "show", "cpu levels", "--json"], None)).unwrap();
    assert_eq!(shown["silences"][0]["reason"], "deploy");
    assert_eq!(shown["every"], "2m");
    assert_eq!(shown["threshold"]["crit"], 99.0);
    ok(&["alert", "unmute", "cpu levels"], None);
    ok(&["alert", "rm", "cpu levels"], None);
    assert_eq!(ok(&["alert", "list", "--json"], None).trim(), "[]");
}
