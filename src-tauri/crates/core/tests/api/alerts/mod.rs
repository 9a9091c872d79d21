//! Alerts against the real influxd: thresholds cross and a local webhook receiver gets the
//! notification, `for` delays firing, deadman fires when data stops, and every evaluation's
//! status is a point in `influxdesk_alerts`. `channels`: where notifications may go;
//! `scheduling`: concurrency, time budgets and one evaluator across processes.

mod backtest;
mod channels;
mod history_only;
mod scheduled;
mod scheduling;
mod series;
mod server;
mod view;

use std::sync::Arc;

use chrono::{Duration, Utc};
use influxdesk_core::api::alerts::{
    self, AlertStatus, AllowHostReq, CreateAlertReq, Notification, Operator, Severity, Threshold,
    ThresholdKind,
};
use influxdesk_core::api::{query, write};
use influxdesk_core::model::*;
use influxdesk_core::{Actor, ErrorCode};
use influxdesk_testkit::webhook::receiver;
use serde_json::Value;

use crate::harness::{self, add, ctx, fields, unique_db};

pub(super) async fn setup() -> (Arc<influxdesk_core::Ctx>, String) {
    setup_with(ctx()).await
}

/// A profile "local" on the shared influxd with a fresh database, in context `c`.
pub(super) async fn setup_with(
    c: Arc<influxdesk_core::Ctx>,
) -> (Arc<influxdesk_core::Ctx>, String) {
    let s = harness::open_server();
    let db = unique_db("alerts");
    add(
        &c,
        ProfileFields {
            database: Some(db.clone()),
            ..fields("local", &s.url, ApiKind::V1)
        },
        None,
    )
    .await;
    query::run(
        &c,
        &Actor::User,
        RunQueryReq {
            profile: None,
            language: None,
            database: None,
            query: format!("CREATE DATABASE \"{db}\""),
            row_limit: None,
            time_range: None,
            query_id: None,
        },
    )
    .await
    .unwrap();
    (c, db)
}

/// Let alert channels reach the local webhook receivers (127.0.0.1): the setting under test.
pub(super) async fn allow_loopback(c: &influxdesk_core::Ctx) {
    alerts::allow_host(
        c,
        &Actor::User,
        AllowHostReq {
            host: "127.0.0.1".into(),
            allow: true,
        },
    )
    .await
    .expect("the user may allow a host");
}

pub(super) async fn point(c: &influxdesk_core::Ctx, line: String) {
    write::write(
        c,
        &Actor::User,
        WriteReq {
            profile: None,
            bucket: None,
            precision: Precision::S,
            lines: line,
        },
    )
    .await
    .unwrap();
}

pub(super) fn th(operator: Operator, value: f64, kind: ThresholdKind) -> Threshold {
    Threshold {
        operator,
        value,
        kind,
        ..Default::default()
    }
}

pub(super) fn rule(
    name: &str,
    q: &str,
    threshold: Threshold,
    channels: Vec<String>,
    every: &str,
    hold: &str,
) -> CreateAlertReq {
    CreateAlertReq {
        profile: None,
        alert_name: name.into(),
        query: q.into(),
        language: None,
        database: None,
        threshold,
        notification: Notification {
            channels,
            message: "check the web tier".into(),
            severity: Severity::Critical,
        },
        every: Some(every.into()),
        for_duration: Some(hold.into()),
    }
}

#[tokio::test]
async fn a_crossed_threshold_notifies_the_webhook_and_writes_status_points() {
    let (c, db) = setup().await;
    allow_loopback(&c).await;
    let (hook, got) = receiver().await;
    let now = Utc::now();
    let t = now.timestamp();
    point(&c, format!("cpu,host=web-01 usage=20 {}", t - 30)).await;
    let r = alerts::create(
        &c,
        &Actor::User,
        rule(
            "cpu high",
            "SELECT last(usage) FROM cpu WHERE host = 'web-01'",
            th(Operator::Greater, 50.0, ThresholdKind::Threshold),
            vec![format!("webhook:{hook}")],
            "1m",
            "0s",
        ),
        now,
    )
    .await
    .unwrap();
    let e = alerts::evaluate(&c, &r, now).await.unwrap();
    assert_eq!(
        (e.status, e.transition, e.value),
        (AlertStatus::Ok, false, Some(20.0)),
        "below the threshold: OK, and unknown->ok is no transition"
    );
    assert!(got.lock().unwrap().is_empty());

    point(&c, format!("cpu,host=web-01 usage=80 {}", t - 5)).await;
    let r = alerts::list(&c).await.unwrap().remove(0);
    let e = alerts::evaluate(&c, &r, now + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(
        (e.status, e.previous, e.transition),
        (AlertStatus::Crit, AlertStatus::Ok, true)
    );
    let hooks = got.lock().unwrap().clone();
    assert_eq!(hooks.len(), 1, "one notification per transition: {hooks:?}");
    assert_eq!(hooks[0]["alert"], "cpu high");
    assert_eq!(hooks[0]["status"], "crit");
    assert_eq!(hooks[0]["previous"], "ok");
    assert_eq!(hooks[0]["value"], 80.0);
    assert!(
        hooks[0]["message"]
            .as_str()
            .unwrap()
            .contains("check the web tier")
    );

    // Still above: no new notification.
    let r = alerts::list(&c).await.unwrap().remove(0);
    let e = alerts::evaluate(&c, &r, now + Duration::minutes(2))
        .await
        .unwrap();
    assert!(!e.transition);
    assert_eq!(got.lock().unwrap().len(), 1);

    let status = query::run(
        &c,
        &Actor::User,
        RunQueryReq {
            profile: None,
            language: None,
            database: Some(db),
            query:
                "SELECT status, value, transition FROM influxdesk_alerts WHERE alert = 'cpu high'"
                    .into(),
            row_limit: None,
            time_range: Some(TimeRange::Relative {
                duration: "1h".into(),
            }),
            query_id: None,
        },
    )
    .await
    .unwrap();
    let f = &status.frames[0];
    assert_eq!(
        f.column("status").unwrap().values,
        vec![Value::from("ok"), Value::from("crit"), Value::from("crit")],
        "every evaluation is a point"
    );
    assert_eq!(
        f.column("transition").unwrap().values,
        vec![Value::from(false), Value::from(true), Value::from(false)]
    );
}

#[tokio::test]
async fn for_duration_delays_firing_and_deadman_fires_when_data_stops() {
    let (c, _) = setup().await;
    let now = Utc::now();
    let t = now.timestamp();
    point(&c, format!("temp,room=lab v=30 {}", t - 10)).await;
    let r = alerts::create(
        &c,
        &Actor::User,
        rule(
            "hot lab",
            "SELECT last(v) FROM temp",
            th(Operator::GreaterEqual, 25.0, ThresholdKind::Threshold),
            vec![],
            "1m",
            "5m",
        ),
        now,
    )
    .await
    .unwrap();
    let e = alerts::evaluate(&c, &r, now).await.unwrap();
    assert_eq!(
        e.status,
        AlertStatus::Ok,
        "the condition holds but not for 5m yet"
    );
    let r = alerts::list(&c).await.unwrap().remove(0);
    let e = alerts::evaluate(&c, &r, now + Duration::minutes(5))
        .await
        .unwrap();
    assert_eq!(
        (e.status, e.transition),
        (AlertStatus::Crit, true),
        "held for 5m: fires"
    );

    // Deadman: the last heartbeat is 10 minutes old, the window is 2 minutes.
    point(&c, format!("heartbeat,svc=api up=1 {}", t - 600)).await;
    let d = alerts::create(
        &c,
        &Actor::User,
        rule(
            "api silent",
            "SELECT last(up) FROM heartbeat",
            th(Operator::Equal, 0.0, ThresholdKind::Deadman),
            vec!["desktop".into()],
            "2m",
            "0s",
        ),
        now,
    )
    .await
    .unwrap();
    let mut events = c.subscribe();
    let e = alerts::evaluate(&c, &d, now).await.unwrap();
    assert_eq!(
        (e.status, e.value),
        (AlertStatus::Crit, None),
        "no data in the window: deadman fires"
    );
    assert!(e.message.contains("no data for 2m"), "{}", e.message);
    let mut notified = false;
    while let Ok(ev) = events.try_recv() {
        notified |= ev.action == "alert.notify" && ev.detail.contains("api silent");
    }
    assert!(notified, "the desktop channel is an event for the GUI");
    point(&c, format!("heartbeat,svc=api up=1 {}", t)).await;
    let d = alerts::list(&c)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.name == "api silent")
        .unwrap();
    let e = alerts::evaluate(&c, &d, now + Duration::minutes(2))
        .await
        .unwrap();
    assert_eq!(
        (e.status, e.transition),
        (AlertStatus::Ok, true),
        "data is back: OK again"
    );

    // Scheduling: due only every `every`.
    let due = alerts::evaluate_due(&c, now + Duration::minutes(2) + Duration::seconds(30))
        .await
        .unwrap();
    assert!(
        due.iter().all(|e| e.alert != "api silent"),
        "evaluated 30 s ago, every 2m: not due"
    );
}

#[tokio::test]
async fn bad_rules_are_refused_with_what_to_do() {
    let (c, _) = setup().await;
    let now = Utc::now();
    let mut bad = rule(
        "x",
        "SELECT last(v) FROM m",
        th(Operator::Greater, 1.0, ThresholdKind::Threshold),
        vec!["sms:+15550100".into()],
        "1m",
        "0s",
    );
    let e = alerts::create(&c, &Actor::User, bad.clone(), now)
        .await
        .unwrap_err();
    assert!(e.message().contains("webhook:https://"), "{}", e.message());
    // An email channel needs the SMTP account first.
    bad.notification.channels = vec!["email:ops@example.com".into()];
    let e = alerts::create(&c, &Actor::User, bad.clone(), now)
        .await
        .unwrap_err();
    assert!(
        e.message().contains("influxdesk alert smtp --host"),
        "{}",
        e.message()
    );
    bad.notification.channels = vec!["slack:https://hooks.slack.com/services/T/B/X".into()];
    bad.every = Some("soon".into());
    assert_eq!(
        alerts::create(&c, &Actor::User, bad.clone(), now)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::InvalidInput
    );
    bad.every = Some("1m".into());
    alerts::create(&c, &Actor::User, bad.clone(), now)
        .await
        .unwrap();
    assert_eq!(
        alerts::create(&c, &Actor::User, bad.clone(), now)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::Conflict
    );
    let mut writer = bad.clone();
    writer.alert_name = "writer".into();
    writer.query = "SELECT mean(v) INTO other FROM m GROUP BY time(1m)".into();
    let e = alerts::create(&c, &Actor::User, writer, now)
        .await
        .unwrap_err();
    assert!(
        e.message()
            .contains("only reads, and this InfluxQL query is not a read"),
        "an unattended query never writes: {}",
        e.message()
    );
    alerts::delete(&c, &Actor::User, "x").await.unwrap();
    assert_eq!(
        alerts::delete(&c, &Actor::User, "x")
            .await
            .unwrap_err()
            .code(),
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn evaluations_stay_out_of_the_users_history() {
    let (c, _) = setup().await;
    let now = Utc::now();
    point(&c, format!("load v=1 {}", now.timestamp())).await;
    let r = alerts::create(
        &c,
        &Actor::User,
        rule(
            "load",
            "SELECT last(v) FROM load",
            th(Operator::Greater, 5.0, ThresholdKind::Threshold),
            vec![],
            "1m",
            "0s",
        ),
        now,
    )
    .await
    .unwrap();
    alerts::evaluate(&c, &r, now).await.unwrap();
    let h = influxdesk_core::api::history::list(&c, ListHistoryReq::default())
        .await
        .unwrap();
    assert!(
        h.iter().all(|e| !e.query.contains("FROM load")),
        "the evaluator's query is not the user's: {h:?}"
    );
}

#[tokio::test]
async fn slack_channels_get_a_slack_message() {
    let (c, _) = setup().await;
    allow_loopback(&c).await;
    let (hook, got) = receiver().await;
    let now = Utc::now();
    point(
        &c,
        format!("q,queue=jobs depth=900 {}", now.timestamp() - 5),
    )
    .await;
    let r = alerts::create(
        &c,
        &Actor::User,
        rule(
            "queue deep",
            "SELECT last(depth) FROM q",
            th(Operator::GreaterEqual, 500.0, ThresholdKind::Threshold),
            vec![format!("slack:{hook}")],
            "1m",
            "0s",
        ),
        now,
    )
    .await
    .unwrap();
    let e = alerts::evaluate(&c, &r, now).await.unwrap();
    assert_eq!((e.status, e.transition), (AlertStatus::Crit, true));
    let msgs = got.lock().unwrap().clone();
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    let text = msgs[0]["text"]
        .as_str()
        .expect("Slack's incoming-webhook format: {\"text\": ...}");
    assert!(
        text.contains("*queue deep* is CRIT") && text.contains("value 900"),
        "{text}"
    );
    assert_eq!(msgs[0].as_object().unwrap().len(), 1, "only the text field");
}
