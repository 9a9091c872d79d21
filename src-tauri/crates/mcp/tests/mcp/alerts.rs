//! `create-alerts`, `list-alerts` and `delete-alerts` through rmcp's client over the socket,
//! against the real influxd: a rule on data written with `write-metrics` crosses its threshold
//! and a local webhook receiver gets the notification, `list-alerts` shows CRIT, the status
//! points are queryable with `query-data`, `delete-alerts` removes the rule; bad parameters are
//! `InvalidInput`, a read-only profile refuses with `Forbidden`. The scheduler only runs inside
//! the app, so the tests evaluate through core's `alerts::evaluate_due` on the shared context.

use std::sync::Arc;

use chrono::{Duration, SecondsFormat, Utc};
use influxdesk_core::api::alerts::{
    self, AlertStatus, AllowHostReq, CreateAlertReq, Notification, Operator, Severity, Threshold,
    ThresholdKind,
};
use influxdesk_core::model::AssistantPolicy;
use influxdesk_core::{Actor, Ctx};
use influxdesk_testkit::webhook::receiver;
use serde_json::{Value, json};

use crate::harness::*;

/// Let alert channels reach the local webhook receiver (only the user can).
async fn allow_loopback(ctx: &Ctx) {
    alerts::allow_host(
        ctx,
        &Actor::User,
        AllowHostReq {
            host: "127.0.0.1".into(),
            allow: true,
        },
    )
    .await
    .unwrap();
}

async fn setup(prefix: &str, policy: AssistantPolicy) -> (Arc<Ctx>, String) {
    let ctx = ctx();
    let db = unique_db(prefix);
    profile(&ctx, "local", &open_server().url, &db, policy, None).await;
    influxql(&ctx, None, &format!("CREATE DATABASE {db}")).await;
    (ctx, db)
}

fn rfc3339(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[tokio::test]
async fn an_alert_fires_notifies_the_webhook_records_its_status_and_is_deleted() {
    let (ctx, db) = setup("alerts_mcp", AssistantPolicy::Allow).await;
    allow_loopback(&ctx).await;
    let (hook, got) = receiver().await;
    let mcp = connect(&ctx).await;
    let now = Utc::now();
    let usage = |v: f64, ago: i64| {
        json!({"measurement": "cpu", "tags": {"host": "web-1"}, "fields": {"usage": v},
               "timestamp": rfc3339(now - Duration::seconds(ago))})
    };
    mcp.ok("write-metrics", usage(20.0, 30)).await;

    let created = mcp
        .ok(
            "create-alerts",
            json!({
                "alert_name": "cpu high",
                "query": "SELECT last(usage) FROM cpu WHERE host = 'web-1'",
                "threshold": {"operator": "greater", "value": 50, "type": "threshold"},
                "notification": {"channels": [format!("webhook:{hook}")],
                                 "message": "check the web tier", "severity": "crit"},
                "every": "1m", "for": "0s"
            }),
        )
        .await;
    let a = &created["alert"];
    assert_eq!(a["alert_name"], "cpu high");
    assert_eq!(a["status"], "unknown", "not evaluated yet");
    assert_eq!(a["last_evaluation"], Value::Null);
    assert_eq!(a["database"], json!(db), "the connection's database");
    assert_eq!(
        a["threshold"],
        json!({"operator": "greater", "value": 50.0, "type": "threshold"})
    );
    assert_eq!(
        a["notification"],
        json!({"channels": [format!("webhook:{}/…", hook.trim_end_matches("/hook"))],
               "message": "check the web tier", "severity": "critical"}),
        "\"crit\" is taken as critical; the URL's path is not shown"
    );
    assert!(!created.to_string().contains("/hook"), "{created}");
    assert_eq!((&a["every"], &a["for"]), (&json!("1m"), &json!("0s")));
    assert!(
        created["note"]
            .as_str()
            .unwrap()
            .contains("influxdesk_alerts"),
        "{created}"
    );

    // Below the threshold: OK, and unknown -> ok is no transition, so no notification.
    let evals = alerts::evaluate_due(&ctx, now).await.unwrap();
    assert_eq!(evals.len(), 1);
    assert_eq!(evals[0].status, AlertStatus::Ok);
    assert!(got.lock().unwrap().is_empty());
    let l = mcp.ok("list-alerts", json!({})).await;
    assert_eq!(l["alerts"][0]["status"], "ok");
    assert_eq!(l["alerts"][0]["last_value"], 20.0);

    // Crossed: CRIT, and the webhook hears about it.
    mcp.ok("write-metrics", usage(90.0, 5)).await;
    let later = now + Duration::seconds(61);
    let evals = alerts::evaluate_due(&ctx, later).await.unwrap();
    assert_eq!(
        (evals.len(), evals[0].status, evals[0].transition),
        (1, AlertStatus::Crit, true)
    );
    let hooks = got.lock().unwrap().clone();
    assert_eq!(hooks.len(), 1, "one notification per transition: {hooks:?}");
    assert_eq!(hooks[0]["alert"], "cpu high");
    assert_eq!(hooks[0]["status"], "crit");
    assert_eq!(hooks[0]["previous"], "ok");
    assert_eq!(hooks[0]["value"], 90.0);
    assert_eq!(hooks[0]["severity"], "critical");
    assert!(
        hooks[0]["message"]
            .as_str()
            .unwrap()
            .contains("check the web tier"),
        "{hooks:?}"
    );

    let l = mcp
        .ok("list-alerts", json!({"alert_name": "cpu high"}))
        .await;
    let a = &l["alerts"][0];
    assert_eq!(a["status"], "crit", "list-alerts shows CRIT: {l}");
    assert_eq!(a["last_value"], 90.0);
    assert_eq!(a["last_evaluation"], json!(rfc3339(later)));
    assert_eq!(
        a["since"],
        json!(rfc3339(later)),
        "since the change of state"
    );
    assert!(
        l["history"]
            .as_str()
            .unwrap()
            .contains("SELECT * FROM influxdesk_alerts"),
        "{l}"
    );

    // Every evaluation is a point in influxdesk_alerts, queryable by the assistant.
    let range = format!(
        "{}..{}",
        rfc3339(now - Duration::minutes(5)),
        rfc3339(now + Duration::minutes(5))
    );
    let q = mcp
        .ok(
            "query-data",
            json!({"query": "SELECT * FROM influxdesk_alerts", "time_range": range}),
        )
        .await;
    assert_eq!(q["rows"], 2, "{q}");
    let t = &q["tables"][0];
    let col = |name: &str| {
        let i = t["columns"]
            .as_array()
            .unwrap()
            .iter()
            .position(|c| c == name)
            .unwrap_or_else(|| panic!("no column {name}: {t}"));
        t["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r[i].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(col("alert"), [json!("cpu high"), json!("cpu high")]);
    assert_eq!(col("status"), [json!("ok"), json!("crit")]);
    assert_eq!(col("transition"), [json!(false), json!(true)]);
    assert_eq!(col("value"), [json!(20), json!(90)]);
    assert_eq!(col("level"), [json!(1), json!(4)], "ok = 1, crit = 4");
    let times: Vec<_> = col("time")
        .iter()
        .map(|t| chrono::DateTime::parse_from_rfc3339(t.as_str().unwrap()).unwrap())
        .collect();
    assert_eq!(times, [now, later], "stamped with the evaluation's time");

    // "Send test notification": the webhook answers 200, and hears a test, not a change.
    let t = mcp
        .ok("test-alert-channel", json!({"alert_name": "cpu high"}))
        .await;
    assert_eq!(t["alert_name"], "cpu high");
    assert_eq!(t["channels"][0]["status"], 200, "{t}");
    assert_eq!(t["channels"][0]["ok"], true, "{t}");
    assert!(!t.to_string().contains("/hook"), "{t}");
    let hooks = got.lock().unwrap().clone();
    assert_eq!(hooks.len(), 2, "{hooks:?}");
    assert!(
        hooks[1]["message"]
            .as_str()
            .unwrap()
            .contains("test notification"),
        "{hooks:?}"
    );
    let e = mcp
        .err("test-alert-channel", json!({"alert_name": "nope"}))
        .await;
    assert!(e.starts_with("NotFound: "), "{e}");
    // An assistant cannot reach a private address by naming it.
    let e = mcp
        .err(
            "create-alerts",
            json!({"alert_name": "peek", "query": "SELECT last(usage) FROM cpu",
                   "threshold": {"operator": "greater", "value": 1},
                   "notification": {"channels": ["webhook:http://169.254.169.254/latest/x"]}}),
        )
        .await;
    assert!(
        e.starts_with("Forbidden: ") && e.contains("cloud metadata") && !e.contains("/latest"),
        "{e}"
    );

    // Delete it; deleting it again is NotFound.
    let d = mcp
        .ok("delete-alerts", json!({"alert_name": "cpu high"}))
        .await;
    assert_eq!(d, json!({"deleted": ["cpu high"]}));
    let l = mcp.ok("list-alerts", json!({})).await;
    assert_eq!(l["alerts"], json!([]));
    assert!(alerts::list(&ctx).await.unwrap().is_empty());
    let e = mcp
        .err("delete-alerts", json!({"alert_name": "cpu high"}))
        .await;
    assert!(
        e.starts_with("NotFound: ") && e.contains("list-alerts"),
        "{e}"
    );
    assert!(
        alerts::evaluate_due(&ctx, later + Duration::minutes(5))
            .await
            .unwrap()
            .is_empty(),
        "a deleted rule is not evaluated"
    );
}

#[tokio::test]
async fn deadman_rules_lists_of_names_and_bad_parameters() {
    let (ctx, _db) = setup("alerts_args", AssistantPolicy::Allow).await;
    let mcp = connect(&ctx).await;
    let base = |name: &str| {
        json!({"alert_name": name, "query": "SELECT last(v) FROM beat",
               "threshold": {"operator": "less", "value": 1}})
    };

    // Deadman: no operator or value needed; no data -> it fires at the severity (warn default).
    let d = mcp
        .ok(
            "create-alerts",
            json!({"alert_name": "heartbeat", "query": "SELECT last(v) FROM beat",
                   "threshold": {"type": "deadman"}, "every": "30s"}),
        )
        .await;
    assert_eq!(d["alert"]["threshold"]["type"], "deadman");
    assert_eq!(d["alert"]["notification"]["severity"], "warning");
    let evals = alerts::evaluate_due(&ctx, Utc::now()).await.unwrap();
    assert_eq!(evals[0].status, AlertStatus::Warn, "{evals:?}");
    let l = mcp.ok("list-alerts", json!({})).await;
    assert_eq!(l["alerts"][0]["status"], "warn");

    mcp.ok("create-alerts", base("second")).await;
    let e = mcp.err("create-alerts", base("Second")).await;
    assert!(e.starts_with("Conflict: "), "names are unique: {e}");

    for (args, want) in [
        (
            json!({"alert_name": "x", "query": "SELECT last(v) FROM beat",
                   "threshold": {"operator": "above", "value": 1}}),
            "not an operator",
        ),
        (
            json!({"alert_name": "x", "query": "SELECT last(v) FROM beat",
                   "threshold": {"value": 1}}),
            "threshold.operator is needed",
        ),
        (
            json!({"alert_name": "x", "query": "SELECT last(v) FROM beat",
                   "threshold": {"operator": "greater", "value": "lots"}}),
            "must be a number",
        ),
        (
            json!({"alert_name": "x", "query": "SELECT last(v) FROM beat",
                   "threshold": {"operator": "greater", "value": 1},
                   "notification": {"severity": "page me"}}),
            "not a severity",
        ),
        (
            json!({"alert_name": "x", "query": "SELECT last(v) FROM beat",
                   "threshold": {"operator": "greater", "value": 1},
                   "notification": {"channels": ["sms:+15550100"]}}),
            "is not a channel",
        ),
        (
            json!({"alert_name": "x", "query": "SELECT last(v) FROM beat",
                   "threshold": {"operator": "greater", "value": 1},
                   "notification": {"channels": ["email:me@example.com"]}}),
            "email alerts need an SMTP account",
        ),
        (
            json!({"alert_name": "x", "query": "SELECT last(v) FROM beat",
                   "threshold": {"operator": "greater", "value": 1},
                   "notification": {"channels": ["history", "desktop"]}}),
            "history only",
        ),
        (
            json!({"alert_name": "x", "query": "SELECT last(v) FROM beat",
                   "threshold": {"operator": "greater", "value": 1}, "every": "often"}),
            "is not a duration",
        ),
        (
            json!({"alert_name": "x", "query": "SELECT v INTO copy FROM beat",
                   "threshold": {"operator": "greater", "value": 1}}),
            "only reads, and this InfluxQL query is not a read",
        ),
        (
            json!({"alert_name": "x", "query": "DROP MEASUREMENT beat",
                   "threshold": {"operator": "greater", "value": 1}}),
            "only reads, and this InfluxQL query is not a read",
        ),
        (
            json!({"alert_name": " ", "query": "SELECT last(v) FROM beat",
                   "threshold": {"operator": "greater", "value": 1}}),
            "name",
        ),
    ] {
        let e = mcp.err("create-alerts", args.clone()).await;
        assert!(
            e.starts_with("InvalidInput: ") && e.contains(want),
            "{args}: {e}"
        );
    }
    assert_eq!(alerts::list(&ctx).await.unwrap().len(), 2, "nothing else");

    // A list of names: all must exist, else nothing is deleted.
    let e = mcp
        .err(
            "delete-alerts",
            json!({"alert_name": ["heartbeat", "nope"]}),
        )
        .await;
    assert!(e.starts_with("NotFound: ") && e.contains("\"nope\""), "{e}");
    assert_eq!(alerts::list(&ctx).await.unwrap().len(), 2);
    let d = mcp
        .ok(
            "delete-alerts",
            json!({"alert_name": ["heartbeat", "SECOND"]}),
        )
        .await;
    assert_eq!(d, json!({"deleted": ["heartbeat", "second"]}));
    assert!(alerts::list(&ctx).await.unwrap().is_empty());
    let e = mcp.err("delete-alerts", json!({"alert_name": []})).await;
    assert!(e.starts_with("InvalidInput: "), "{e}");
}

#[tokio::test]
async fn a_read_only_profile_refuses_alert_changes_but_lists_them() {
    let (ctx, _db) = setup("alerts_ro", AssistantPolicy::ReadOnly).await;
    // The user made one in the app.
    alerts::create(
        &ctx,
        &Actor::User,
        CreateAlertReq {
            profile: None,
            alert_name: "users rule".into(),
            query: "SELECT last(v) FROM m".into(),
            language: None,
            database: None,
            threshold: Threshold {
                operator: Operator::Greater,
                value: 1.0,
                kind: ThresholdKind::Threshold,
                ..Default::default()
            },
            notification: Notification {
                channels: vec!["slack:https://hooks.slack.com/services/T000/B000/SECRETxyz".into()],
                message: String::new(),
                severity: Severity::Info,
            },
            every: None,
            for_duration: None,
        },
        Utc::now(),
    )
    .await
    .unwrap();
    let mcp = connect(&ctx).await;
    let e = mcp
        .err(
            "create-alerts",
            json!({"alert_name": "mine", "query": "SELECT last(v) FROM m",
                   "threshold": {"operator": "greater", "value": 1}}),
        )
        .await;
    assert!(
        e.starts_with("Forbidden: ")
            && e.contains(CLIENT)
            && e.contains("create alert \"mine\"")
            && e.contains("read-only"),
        "{e}"
    );
    let e = mcp
        .err("delete-alerts", json!({"alert_name": "users rule"}))
        .await;
    assert!(
        e.starts_with("Forbidden: ") && e.contains("delete alert"),
        "{e}"
    );
    let names: Vec<String> = alerts::list(&ctx)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["users rule"], "nothing changed");

    let r = mcp.call("list-alerts", json!({})).await;
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    let l = r.structured_content.clone().unwrap();
    assert_eq!(l["alerts"][0]["alert_name"], "users rule");
    assert_eq!(l["alerts"][0]["every"], "1m", "core's default schedule");
    assert_eq!(
        l["alerts"][0]["notification"]["channels"],
        json!(["slack:https://hooks.slack.com/…"]),
        "a Slack webhook URL is a secret"
    );
    let all = serde_json::to_string(&r).unwrap();
    assert!(!all.contains("SECRETxyz"), "{all}");
    let e = mcp.err("list-alerts", json!({"alert_name": "nope"})).await;
    assert!(e.starts_with("NotFound: "), "{e}");
    let e = mcp
        .err("test-alert-channel", json!({"alert_name": "users rule"}))
        .await;
    assert!(
        e.starts_with("Forbidden: ") && e.contains("send a test notification"),
        "sending is not reading: {e}"
    );
    assert!(
        l["evaluator"]
            .as_str()
            .unwrap()
            .contains("no influxdesk process evaluates alerts"),
        "{l}"
    );
}

/// warn/crit levels per host through `create-alerts`, `list-alerts` showing each series'
/// state, and `backtest-alert` over data written in stretches of one level each (10 minutes
/// long, so the count does not depend on where the minute grid falls).
#[tokio::test]
async fn levels_per_series_and_a_backtest_through_the_tools() {
    let (ctx, _db) = setup("alerts_levels", AssistantPolicy::Allow).await;
    let mcp = connect(&ctx).await;
    let now = Utc::now();
    // host a: crit 35..20 min ago, warn 20..10, ok after; host b: ok throughout.
    let mut points = Vec::new();
    for s in (0..=35 * 60).step_by(10) {
        let a = match s {
            s if s > 20 * 60 => 95.0,
            s if s > 10 * 60 => 85.0,
            _ => 50.0,
        };
        let ts = rfc3339(now - Duration::seconds(s));
        points.push(json!({"measurement": "cpu", "tags": {"host": "a"},
                           "fields": {"usage": a}, "timestamp": ts}));
        points.push(json!({"measurement": "cpu", "tags": {"host": "b"},
                           "fields": {"usage": 40.0}, "timestamp": ts}));
    }
    mcp.ok("write-metrics", json!({"points": points})).await;
    let rule = json!({
        "query": "SELECT last(usage) FROM cpu GROUP BY host",
        "threshold": {"operator": ">=", "warn": 80, "crit": 90},
        "every": "1m",
    });
    let mut args = rule.clone();
    args["range"] = json!("30m");
    let bt = mcp.ok("backtest-alert", args).await;
    assert_eq!(
        (
            bt["crit"].as_u64(),
            bt["warn"].as_u64(),
            bt["fired"].as_u64()
        ),
        (Some(1), Some(1), Some(2)),
        "{bt:#}"
    );
    assert_eq!(bt["series"].as_array().unwrap().len(), 2, "{bt:#}");
    assert!(
        bt["summary"]
            .as_str()
            .unwrap()
            .contains("would have fired 2 times")
    );

    let mut args = rule.clone();
    args["alert_name"] = json!("cpu levels");
    let created = mcp.ok("create-alerts", args).await;
    assert_eq!(created["alert"]["threshold"]["warn"], json!(80.0));
    assert_eq!(created["alert"]["threshold"]["crit"], json!(90.0));
    // The saved rule backtests the same.
    let again = mcp
        .ok(
            "backtest-alert",
            json!({"alert_name": "cpu levels", "range": "30m"}),
        )
        .await;
    assert_eq!(again["fired"], bt["fired"]);

    alerts::evaluate_due(&ctx, Utc::now()).await.unwrap();
    let list = mcp.ok("list-alerts", json!({})).await;
    let series = list["alerts"][0]["series"].as_array().unwrap().clone();
    assert_eq!(series.len(), 2, "one state per host: {list:#}");
    assert!(series.iter().all(|s| s["status"] == "ok"), "{list:#}");

    // Bad input names what to give.
    let e = mcp
        .err(
            "backtest-alert",
            json!({"query": "SELECT last(usage) FROM cpu", "threshold": {"type": "inside", "low": 5}}),
        )
        .await;
    assert!(e.starts_with("InvalidInput") && e.contains("high"), "{e}");
}
