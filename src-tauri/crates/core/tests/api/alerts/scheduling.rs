//! Scheduling against the real influxd: rules are evaluated concurrently, so a server that
//! accepts and never answers delays no other rule, and its rule gives up within its budget;
//! `every` is at least 10 s; and over one config dir only one process evaluates (a file lock),
//! the other naming it, until it steps down.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use influxdesk_core::api::alerts::{self, AlertStatus, Operator, ThresholdKind, Tick};
use influxdesk_core::model::*;
use influxdesk_core::secrets::SecretStore;
use influxdesk_core::{Actor, Ctx, CtxOptions, ErrorCode};
use influxdesk_testkit::webhook::receiver;
use tokio::io::AsyncReadExt;

use super::{allow_loopback, point, rule, setup, setup_with, th};
use crate::harness::{self, add, fields};

/// A server that accepts connections and never answers. Counts connections accepted and
/// connections the client closed.
struct Hung {
    url: String,
    accepted: Arc<AtomicUsize>,
    closed: Arc<AtomicUsize>,
}

async fn hung() -> Hung {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (accepted, closed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (a, c) = (accepted.clone(), closed.clone());
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            a.fetch_add(1, Ordering::SeqCst);
            let c = c.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                while matches!(sock.read(&mut buf).await, Ok(n) if n > 0) {}
                c.fetch_add(1, Ordering::SeqCst);
            });
        }
    });
    Hung {
        url,
        accepted,
        closed,
    }
}

/// Wait (up to a minute, checking often) until `cond` holds.
async fn until(what: &str, cond: impl Fn() -> bool) {
    for _ in 0..3000 {
        if cond() {
            return;
        }
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
    panic!("waited a minute for {what}");
}

#[tokio::test]
async fn a_hung_server_delays_no_other_rule_and_its_rule_gives_up() {
    let (c, _db) = setup().await;
    allow_loopback(&c).await;
    let (hook, got) = receiver().await;
    let now = Utc::now();
    point_on_local(&c, now).await;
    let stuck = hung().await;
    add(&c, fields("stuck", &stuck.url, ApiKind::V1), None).await;
    // The hung server's rule first, so an evaluator that went one by one would wait on it.
    let mut a = rule(
        "on the hung server",
        "SELECT last(usage) FROM cpu",
        th(Operator::Greater, 50.0, ThresholdKind::Threshold),
        vec![],
        "1m",
        "0s",
    );
    a.profile = Some("stuck".into());
    alerts::create(&c, &Actor::User, a, now).await.unwrap();
    let mut b = rule(
        "on the good server",
        "SELECT last(usage) FROM cpu",
        th(Operator::Greater, 50.0, ThresholdKind::Threshold),
        vec![format!("webhook:{hook}")],
        "1m",
        "0s",
    );
    b.profile = Some("local".into());
    alerts::create(&c, &Actor::User, b, now).await.unwrap();

    // With a budget far longer than the test, the good rule notifies while the hung server
    // still holds the other rule's open request.
    let batch = tokio::spawn({
        let c = c.clone();
        async move { alerts::evaluate_due_within(&c, now, StdDuration::from_secs(3600)).await }
    });
    until("the good rule's notification", || {
        got.lock().unwrap().len() == 1
    })
    .await;
    assert_eq!(got.lock().unwrap()[0]["alert"], "on the good server");
    assert_eq!(
        (
            stuck.accepted.load(Ordering::SeqCst),
            stuck.closed.load(Ordering::SeqCst)
        ),
        (1, 0),
        "the hung rule's request was still open when the good rule had finished"
    );
    batch.abort();

    // With a short budget the hung rule gives up: unknown, saying why; the other is unharmed.
    let later = now + Duration::minutes(1);
    let evals = alerts::evaluate_due_within(&c, later, StdDuration::from_secs(1))
        .await
        .unwrap();
    let stuck_eval = evals
        .iter()
        .find(|e| e.alert == "on the hung server")
        .expect("the hung rule is evaluated (and gives up)");
    assert_eq!(stuck_eval.status, AlertStatus::Unknown);
    assert!(
        stuck_eval.message.contains("did not answer within 1 s"),
        "{}",
        stuck_eval.message
    );
    let good = evals
        .iter()
        .find(|e| e.alert == "on the good server")
        .unwrap();
    assert_eq!(good.status, AlertStatus::Crit);
    let stored = alerts::list(&c).await.unwrap();
    let hung_rule = stored
        .iter()
        .find(|r| r.name == "on the hung server")
        .unwrap();
    assert_eq!(
        hung_rule.last_eval.as_deref(),
        Some(
            later
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                .as_str()
        ),
        "a rule that gave up is not retried before its next `every`"
    );
}

async fn point_on_local(c: &Ctx, now: chrono::DateTime<Utc>) {
    point(c, format!("cpu usage=90 {}", now.timestamp() - 5)).await;
}

#[tokio::test]
async fn every_is_at_least_ten_seconds() {
    let (c, _) = setup().await;
    let now = Utc::now();
    for every in ["1ms", "9s", "9999ms", "0s"] {
        let e = alerts::create(
            &c,
            &Actor::User,
            rule(
                "fast",
                "SELECT last(v) FROM m",
                th(Operator::Greater, 1.0, ThresholdKind::Threshold),
                vec![],
                every,
                "0s",
            ),
            now,
        )
        .await
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput, "{every}");
        assert!(
            e.message().contains("at most every 10s") && e.message().contains("\"10s\" or more"),
            "{every}: {e}"
        );
    }
    for (every, hold) in [("99999999999999999w", "0s"), ("1m", "99999999999w")] {
        let e = alerts::create(
            &c,
            &Actor::User,
            rule(
                "huge",
                "SELECT last(v) FROM m",
                th(Operator::Greater, 1.0, ThresholdKind::Threshold),
                vec![],
                every,
                hold,
            ),
            now,
        )
        .await
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput, "no overflow: {e}");
    }
    alerts::create(
        &c,
        &Actor::User,
        rule(
            "fast",
            "SELECT last(v) FROM m",
            th(Operator::Greater, 1.0, ThresholdKind::Threshold),
            vec![],
            "10s",
            "0s",
        ),
        now,
    )
    .await
    .expect("10s is the minimum, and allowed");
}

#[tokio::test]
async fn one_evaluator_across_processes_and_the_other_names_it() {
    // Two contexts over one config dir and one keychain: what the app and `influxdesk serve`
    // are to each other.
    let keychain = SecretStore::memory();
    let (app, _db) = setup_with(harness::ctx_with(keychain.clone())).await;
    let serve = Ctx::new(CtxOptions {
        config_dir: app.config_dir().to_path_buf(),
        data_dir: app.data_dir().to_path_buf(),
        secrets: keychain,
        env_profile: None,
    });
    allow_loopback(&app).await;
    let (hook, got) = receiver().await;
    let now = Utc::now();
    point(&app, format!("cpu usage=90 {}", now.timestamp() - 5)).await;
    alerts::create(
        &app,
        &Actor::User,
        rule(
            "cpu",
            "SELECT last(usage) FROM cpu",
            th(Operator::Greater, 50.0, ThresholdKind::Threshold),
            vec![format!("webhook:{hook}")],
            "1m",
            "0s",
        ),
        now,
    )
    .await
    .unwrap();
    assert!(
        alerts::evaluator_status(&app).unwrap().evaluator.is_none(),
        "nobody evaluates yet"
    );

    let Tick::Evaluated(evals) = alerts::tick(&app, "the app", now).await.unwrap() else {
        panic!("the first process takes the lease");
    };
    assert_eq!((evals.len(), evals[0].transition), (1, true));
    assert_eq!(got.lock().unwrap().len(), 1);

    // The data changes, and a minute later the rule is due with a transition to send: the
    // second process stands by, naming the evaluator, and evaluates nothing.
    point(&app, format!("cpu usage=10 {}", now.timestamp() + 1)).await;
    let later = now + Duration::minutes(1) + Duration::seconds(5);
    match alerts::tick(&serve, "influxdesk serve", later)
        .await
        .unwrap()
    {
        Tick::Standby { evaluator } => assert!(
            evaluator.starts_with("the app (pid ") && evaluator.ends_with(')'),
            "{evaluator}"
        ),
        other => panic!("a second evaluator ran: {other:?}"),
    }
    assert_eq!(
        got.lock().unwrap().len(),
        1,
        "one notification per due rule"
    );
    let s = alerts::evaluator_status(&serve).unwrap();
    assert!(
        !s.here && s.message.contains("evaluated by the app (pid"),
        "{s:?}"
    );
    assert!(alerts::evaluator_status(&app).unwrap().here);

    // When the app stops evaluating, the other takes over and the due rule runs once.
    alerts::step_down(&app);
    let Tick::Evaluated(evals) = alerts::tick(&serve, "influxdesk serve", later)
        .await
        .unwrap()
    else {
        panic!("the lease is free: serve takes it");
    };
    assert_eq!(
        (evals.len(), evals[0].status, evals[0].transition),
        (1, AlertStatus::Ok, true)
    );
    assert_eq!(got.lock().unwrap().len(), 2);
    assert!(matches!(
        alerts::tick(&app, "the app", later).await.unwrap(),
        Tick::Standby { .. }
    ));
    let s = alerts::evaluator_status(&app).unwrap();
    assert!(s.message.contains("influxdesk serve (pid"), "{s:?}");
}

#[tokio::test]
async fn the_scheduler_starts_each_due_rule_without_waiting_for_a_hung_one() {
    let (c, _db) = setup().await;
    allow_loopback(&c).await;
    let (hook, got) = receiver().await;
    let now = Utc::now();
    point_on_local(&c, now).await;
    let stuck = hung().await;
    add(&c, fields("stuck", &stuck.url, ApiKind::V1), None).await;
    for (name, profile, channels) in [
        ("hung", "stuck", vec![]),
        ("good", "local", vec![format!("webhook:{hook}")]),
    ] {
        let mut r = rule(
            name,
            "SELECT last(usage) FROM cpu",
            th(Operator::Greater, 50.0, ThresholdKind::Threshold),
            channels,
            "1m",
            "0s",
        );
        r.profile = Some(profile.into());
        alerts::create(&c, &Actor::User, r, now).await.unwrap();
    }
    // The real loop, on the real clock: both rules are due at once (never evaluated).
    let scheduler = tokio::spawn(alerts::run(c.clone(), "the test scheduler".into()));
    until("the good rule's notification", || {
        got.lock().unwrap().len() == 1
    })
    .await;
    assert_eq!(
        (
            stuck.accepted.load(Ordering::SeqCst),
            stuck.closed.load(Ordering::SeqCst)
        ),
        (1, 0),
        "the hung rule was still in flight"
    );
    let s = alerts::evaluator_status(&c).unwrap();
    assert!(
        s.here && s.message.contains("the test scheduler (pid"),
        "the loop took the lease: {s:?}"
    );
    scheduler.abort();
    alerts::step_down(&c);
}
