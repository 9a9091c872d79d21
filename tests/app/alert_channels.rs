//! Microsoft Teams and PagerDuty channels as a user runs them, with the real Secret Service
//! and real HTTP receivers on loopback: `alert test` sends each service its exact body (a
//! Teams MessageCard, a PagerDuty Events v2 `trigger`), `influxdesk serve` notifies both when
//! a rule goes crit (PagerDuty `trigger`, severity critical, one dedup key per series) and
//! when it is OK again (`resolve`, same key). The Teams URL and the routing key stay in the
//! keychain: never in a file, the rule list or any output.

use std::process::Stdio;

use influxdesk_testkit::webhook::{Bodies, receiver};
use serde_json::{Value, json};

use crate::alert_cli::{AlertWorld, cpu_rule, serve, wait_for, write_hot_cpu};
use crate::support::{files_containing, run, text};

const KEY: &str = "R0UT1NGKEYSECRET0123456789abcdef";

/// Wait until `got` holds `n` bodies (the evaluator notifies when it gets to it).
async fn bodies(got: &Bodies, n: usize, what: &str) -> Vec<Value> {
    wait_for(got, n, what, "notifications").await
}

/// `v` without the fields that carry the time of sending.
fn timeless(mut v: Value) -> Value {
    if let Some(p) = v.get_mut("payload").and_then(Value::as_object_mut) {
        assert!(
            p.remove("timestamp")
                .and_then(|t| t.as_str().map(str::to_string))
                .is_some_and(|t| { chrono::DateTime::parse_from_rfc3339(&t).is_ok() }),
            "an RFC 3339 timestamp"
        );
    }
    if let Some(facts) = v
        .pointer_mut("/sections/0/facts")
        .and_then(Value::as_array_mut)
    {
        facts.retain(|f| f["name"] != "Time");
    }
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn teams_and_pagerduty_get_their_exact_bodies_and_keep_their_secrets() {
    let mut w = AlertWorld::start("alert-chan-", true);
    let (teams, teams_got) = receiver().await;
    let (pd, pd_got) = receiver().await;
    w.env.push(("INFLUXDESK_PAGERDUTY_URL".into(), pd.clone()));
    let (ss, env, config) = (&w.ss, &w.env, &w.config);
    let ok = |args: &[&str], stdin: Option<&str>| -> String {
        let o = run(args, env, stdin);
        let (out, err) = text(&o);
        assert!(o.status.success(), "influxdesk {args:?} failed: {err}");
        assert!(
            !out.contains("SECRET") && !err.contains("SECRET"),
            "{out}{err}"
        );
        out
    };
    w.profile(&ok, "chan", true);
    ok(&["alert", "allow-host", "127.0.0.1"], None);
    write_hot_cpu(&ok, "chan");
    let teams_channel = format!("teams:{teams}/webhookb2/SECRETteams");
    let pd_channel = format!("pagerduty:{KEY}");
    // A bad routing key is refused with what to give.
    let o = run(
        &[
            "alert",
            "create",
            "bad",
            "--query",
            "SELECT last(usage) FROM cpu",
            "--op",
            ">",
            "--crit",
            "90",
            "--channel",
            "pagerduty:not a key",
        ],
        env,
        None,
    );
    assert!(!o.status.success());
    assert!(text(&o).1.contains("Events API v2"), "{:?}", text(&o));

    ok(&cpu_rule(&[&teams_channel, &pd_channel]), None);
    let listed: Value = serde_json::from_str(&ok(&["alert", "list", "--json"], None)).unwrap();
    let rule_id = listed[0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        listed[0]["notification"]["channels"],
        json!([
            format!("teams:{}/…", teams.trim_end_matches("/hook")),
            "pagerduty:…cdef"
        ]),
        "shown redacted"
    );
    for (i, want) in [teams_channel.as_str(), pd_channel.as_str()]
        .iter()
        .enumerate()
    {
        let account = listed[0]["channel_accounts"][i].as_str().unwrap();
        assert_eq!(ss.lookup("influxdesk", account).as_deref(), Some(*want));
    }

    // Test notifications: a MessageCard, and a PagerDuty trigger at info under a test key.
    let out = ok(&["alert", "test", "cpu"], None);
    assert_eq!(out.matches("delivered: HTTP 200").count(), 2, "{out}");
    let t = bodies(&teams_got, 1, "teams test").await;
    assert_eq!(
        timeless(t[0].clone()),
        json!({
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": "cpu is UNKNOWN",
            "themeColor": "6B7280",
            "title": "cpu is UNKNOWN",
            "text": "cpu: a test notification from influxdesk (no change of state)",
            "sections": [{"facts": [
                {"name": "Series", "value": "(all)"},
                {"name": "State", "value": "UNKNOWN (was UNKNOWN)"},
                {"name": "Value", "value": "none"},
            ]}],
        })
    );
    let p = bodies(&pd_got, 1, "pagerduty test").await;
    assert_eq!(
        timeless(p[0].clone()),
        json!({
            "routing_key": KEY,
            "event_action": "trigger",
            "dedup_key": format!("influxdesk:{rule_id}:test"),
            "payload": {
                "summary": "cpu: a test notification from influxdesk (no change of state)",
                "source": "influxdesk",
                "severity": "info",
                "component": "cpu",
                "custom_details": {
                    "alert": "cpu", "series": "", "status": "unknown", "previous": "unknown",
                    "value": null,
                },
            },
        })
    );

    // The evaluator: crit, then OK again once a low value is written.
    let mut serve = serve(env, Stdio::null());
    let p = bodies(&pd_got, 2, "pagerduty trigger").await;
    let series = p[1]["payload"]["custom_details"]["series"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(series.contains("host=web-01"), "{series}");
    let fired = timeless(p[1].clone());
    let message = fired["payload"]["summary"].as_str().unwrap().to_string();
    assert!(message.contains("CPU is high"), "{message}");
    assert_eq!(
        fired,
        json!({
            "routing_key": KEY,
            "event_action": "trigger",
            "dedup_key": format!("influxdesk:{rule_id}:{series}"),
            "payload": {
                "summary": message,
                "source": "influxdesk",
                "severity": "critical",
                "component": series,
                "custom_details": {
                    "alert": "cpu", "series": series, "status": "crit", "previous": "unknown",
                    "value": 97.0,
                },
            },
        })
    );
    let t = bodies(&teams_got, 2, "teams crit").await;
    assert_eq!(t[1]["title"], "cpu is CRIT");
    assert_eq!(t[1]["themeColor"], "DC2626");
    assert_eq!(
        t[1]["sections"][0]["facts"][1]["value"],
        "CRIT (was UNKNOWN)"
    );

    let now = chrono::Utc::now().timestamp();
    ok(
        &["write", "--bucket", "chan", "--precision", "s", "-"],
        Some(&format!("cpu,host=web-01 usage=20 {now}\n")),
    );
    let p = bodies(&pd_got, 3, "pagerduty resolve").await;
    let resolved = timeless(p[2].clone());
    assert_eq!(resolved["event_action"], "resolve");
    assert_eq!(
        resolved["dedup_key"],
        format!("influxdesk:{rule_id}:{series}"),
        "the same incident"
    );
    assert_eq!(resolved["payload"]["custom_details"]["status"], "ok");
    assert_eq!(resolved["payload"]["custom_details"]["value"], 20.0);
    let t = bodies(&teams_got, 3, "teams ok").await;
    assert_eq!(t[2]["themeColor"], "16A34A");
    serve.start_kill().unwrap();
    let _ = serve.wait().await;
    assert!(
        files_containing(config, "SECRET").is_empty(),
        "no channel secret in the config dir"
    );
}
