//! Conditions over time against the real influxd: a deadman fires through the scheduler's own
//! tick for the one series that stopped writing (the other, still writing, stays OK; the
//! notification and the history name the series); a relative change fires on the change
//! against a period ago, in % and absolute, not on the level.

use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, Utc};
use influxdesk_core::Actor;
use influxdesk_core::api::alerts::{
    self, AlertHistoryReq, AlertStatus, Operator, Threshold, ThresholdKind, Tick,
};

use super::{point, rule, setup, th};

#[tokio::test]
async fn a_deadman_fires_through_the_scheduler_for_the_series_that_stopped() {
    let (c, _) = setup().await;
    let start = Utc::now();
    let t = start.timestamp();
    // b's last beat is 50 s old: inside the 1-minute window now, outside it soon.
    point(
        &c,
        format!("beat,svc=a up=1 {}\nbeat,svc=b up=1 {}", t - 1, t - 50),
    )
    .await;
    alerts::create(
        &c,
        &Actor::User,
        rule(
            "beats",
            "SELECT last(up) FROM beat GROUP BY svc",
            th(Operator::Equal, 0.0, ThresholdKind::Deadman),
            vec!["desktop".into()],
            "10s",
            "0s",
        ),
        start,
    )
    .await
    .unwrap();
    let mut events = c.subscribe();
    let Tick::Evaluated(first) = alerts::tick(&c, "deadman test", start).await.unwrap() else {
        panic!("this process leads");
    };
    let e = first
        .iter()
        .find(|e| e.alert == "beats")
        .expect("due at once");
    assert_eq!(e.each.len(), 2, "{e:#?}");
    assert!(e.each.iter().all(|s| s.status == AlertStatus::Ok), "{e:#?}");

    // a keeps writing, b has stopped: each tick (the rule is due every 10 s of the
    // scheduler's clock) until b's last beat leaves the window.
    let waited = Instant::now();
    let mut k = 1;
    let fired = loop {
        point(&c, format!("beat,svc=a up=1 {}", Utc::now().timestamp())).await;
        let Tick::Evaluated(ev) =
            alerts::tick(&c, "deadman test", start + Duration::seconds(10 * k))
                .await
                .unwrap()
        else {
            panic!("this process leads");
        };
        k += 1;
        if let Some(e) = ev.iter().find(|e| e.alert == "beats")
            && e.each.iter().any(|s| s.status == AlertStatus::Crit)
        {
            break e.clone();
        }
        assert!(
            waited.elapsed() < StdDuration::from_secs(90),
            "b's beat should leave the 1-minute window"
        );
        tokio::time::sleep(StdDuration::from_millis(500)).await;
    };
    let by = |key: &str| fired.each.iter().find(|s| s.series.contains(key)).unwrap();
    assert_eq!(
        (by("svc=a").status, by("svc=a").transition),
        (AlertStatus::Ok, false)
    );
    let b = by("svc=b");
    assert_eq!(
        (b.status, b.previous, b.transition, b.value),
        (AlertStatus::Crit, AlertStatus::Ok, true, None)
    );
    assert!(b.message.contains("no data for 1m"), "{}", b.message);
    let mut notified = Vec::new();
    while let Ok(ev) = events.try_recv() {
        if ev.action == "alert.notify" {
            notified.push(ev.detail);
        }
    }
    assert_eq!(notified.len(), 1, "one notification, for b: {notified:?}");
    assert!(notified[0].contains("svc=b"), "{notified:?}");
    let h = alerts::history(
        &c,
        AlertHistoryReq {
            alert: "beats".into(),
            level: Some(AlertStatus::Crit),
            ..AlertHistoryReq::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(h.len(), 1, "{h:#?}");
    assert!(h[0].series.contains("svc=b"));
}

#[tokio::test]
async fn a_relative_change_fires_on_the_change_not_the_level() {
    let (c, _) = setup().await;
    let now = Utc::now();
    // Every minute for 80 minutes: a goes from 100 to 160 (+60%) 10 minutes ago, b from 100
    // to 105 (+5%); b's level is always above a's earlier level, which does not matter.
    let mut lines = Vec::new();
    for k in 0..=80 {
        let at = (now - Duration::minutes(k)).timestamp();
        let (a, b) = if k < 10 {
            (160.0, 205.0)
        } else {
            (100.0, 195.238)
        };
        lines.push(format!(
            "cpu,host=a usage={a} {at}\ncpu,host=b usage={b} {at}"
        ));
    }
    point(&c, lines.join("\n")).await;
    let cases = [
        ("pct", Some(true), Some(20.0), Some(50.0), AlertStatus::Crit),
        (
            "abs",
            Some(false),
            Some(50.0),
            Some(70.0),
            AlertStatus::Warn,
        ),
    ];
    for (name, percent, warn, crit, a_level) in cases {
        let r = alerts::create(
            &c,
            &Actor::User,
            rule(
                name,
                "SELECT usage FROM cpu GROUP BY host",
                Threshold {
                    kind: ThresholdKind::Relative,
                    operator: Operator::Greater,
                    period: Some("1h".into()),
                    percent,
                    warn,
                    crit,
                    ..Threshold::default()
                },
                vec![],
                "1m",
                "0s",
            ),
            now,
        )
        .await
        .unwrap();
        let e = alerts::evaluate(&c, &r, now).await.unwrap();
        let by = |key: &str| e.each.iter().find(|s| s.series.contains(key)).unwrap();
        // a: +60 (+60%); b: +9.762 (+5%).
        assert_eq!(by("host=a").status, a_level, "{name}: {e:#?}");
        assert_eq!(by("host=b").status, AlertStatus::Ok, "{name}: {e:#?}");
        assert_eq!(
            by("host=a").value,
            Some(160.0),
            "the value is the level, checked by its change"
        );
    }
}
