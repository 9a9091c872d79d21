//! One state per series against the real influxd: a rule grouped by host goes warn -> crit ->
//! ok per host with exactly one notification per change (naming the series), a silence on one
//! host holds its notifications back but not its history, and the history lists the changes.

use chrono::{Duration, Utc};
use influxdesk_core::Actor;
use influxdesk_core::api::alerts::{
    self, AlertHistoryReq, AlertStatus, Operator, SilenceReq, Threshold,
};
use influxdesk_testkit::webhook::receiver;

use super::{allow_loopback, point, rule, setup};

#[tokio::test]
async fn each_series_has_its_state_silences_mute_and_history_records() {
    let (c, _) = setup().await;
    allow_loopback(&c).await;
    let (hook, got) = receiver().await;
    let now = Utc::now();
    let t = now.timestamp();
    let write = |a: f64, b: f64, at: i64| {
        let c = c.clone();
        async move {
            point(
                &c,
                format!("load,host=a v={a} {at}\nload,host=b v={b} {at}"),
            )
            .await
        }
    };
    write(50.0, 50.0, t - 40).await;
    let r = alerts::create(
        &c,
        &Actor::User,
        rule(
            "load",
            "SELECT last(v) FROM load GROUP BY host",
            Threshold {
                operator: Operator::Greater,
                warn: Some(70.0),
                crit: Some(90.0),
                ..Threshold::default()
            },
            vec![format!("webhook:{hook}")],
            "1m",
            "0s",
        ),
        now,
    )
    .await
    .unwrap();
    let e = alerts::evaluate(&c, &r, now).await.unwrap();
    assert_eq!(e.each.len(), 2, "{e:#?}");
    assert!(e.each.iter().all(|s| s.status == AlertStatus::Ok));

    // a: warn, b: ok.
    write(75.0, 40.0, t - 30).await;
    let r = alerts::list(&c).await.unwrap().remove(0);
    let e = alerts::evaluate(&c, &r, now + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!((e.status, e.transition), (AlertStatus::Warn, true));
    let hooks = got.lock().unwrap().clone();
    assert_eq!(hooks.len(), 1, "{hooks:?}");
    assert_eq!(hooks[0]["status"], "warn");
    assert_eq!(hooks[0]["series"], "load.last host=a", "{hooks:?}");
    assert_eq!(
        hooks[0]["message"],
        "load on load.last host=a: WARN (value 75, threshold > 70 warn, > 90 crit). check the web tier",
        "the text names the series by its key"
    );

    // Mute host b, then a: crit, b: crit.
    let r = alerts::list(&c).await.unwrap().remove(0);
    let b_key = r
        .series
        .iter()
        .find(|s| s.key.contains("host=b"))
        .unwrap()
        .key
        .clone();
    let silences = alerts::silence(
        &c,
        &Actor::User,
        SilenceReq {
            alert: "load".into(),
            series: Some(b_key.clone()),
            for_duration: Some("1h".into()),
            reason: "maintenance".into(),
            ..SilenceReq::default()
        },
        now,
    )
    .await
    .unwrap();
    assert_eq!(silences.len(), 1);
    write(95.0, 99.0, t - 20).await;
    let r = alerts::list(&c).await.unwrap().remove(0);
    let e = alerts::evaluate(&c, &r, now + Duration::minutes(2))
        .await
        .unwrap();
    assert_eq!(e.status, AlertStatus::Crit);
    let b = e.each.iter().find(|s| s.series == b_key).unwrap();
    assert!(b.transition && b.muted, "{b:?}");
    let hooks = got.lock().unwrap().clone();
    assert_eq!(hooks.len(), 2, "only host a notified: {hooks:?}");
    assert!(hooks[1]["series"].as_str().unwrap().contains("host=a"));

    // Both back to ok.
    write(10.0, 10.0, t - 10).await;
    let r = alerts::list(&c).await.unwrap().remove(0);
    let e = alerts::evaluate(&c, &r, now + Duration::minutes(3))
        .await
        .unwrap();
    assert_eq!((e.status, e.transition), (AlertStatus::Ok, true));
    assert_eq!(
        got.lock().unwrap().len(),
        3,
        "a's recovery notifies, b's is muted"
    );

    // History: every change, per series, muted ones marked.
    let all = alerts::history(
        &c,
        AlertHistoryReq {
            alert: "load".into(),
            range: Some("1h".into()),
            ..AlertHistoryReq::default()
        },
    )
    .await
    .unwrap();
    let for_b: Vec<_> = all.iter().filter(|h| h.series == b_key).collect();
    assert_eq!(all.len(), 5, "a: warn, crit, ok; b: crit, ok: {all:#?}");
    assert_eq!(for_b.len(), 2);
    assert!(for_b.iter().all(|h| h.muted));
    let crit = alerts::history(
        &c,
        AlertHistoryReq {
            alert: "load".into(),
            level: Some(AlertStatus::Crit),
            range: Some("1h".into()),
            ..AlertHistoryReq::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(crit.len(), 2);

    // Unmute per series: with the whole rule and host a muted too, unmuting host a ends only
    // its silence; "" ends only the whole rule's; host b stays muted.
    let a_key = b_key.replace("host=b", "host=a");
    for series in [None, Some(a_key.clone())] {
        alerts::silence(
            &c,
            &Actor::User,
            SilenceReq {
                alert: "load".into(),
                series,
                for_duration: Some("1h".into()),
                reason: "deploy".into(),
                ..SilenceReq::default()
            },
            now,
        )
        .await
        .unwrap();
    }
    let keys = |l: Vec<alerts::Silence>| l.into_iter().map(|s| s.series).collect::<Vec<_>>();
    let left = alerts::unsilence(&c, &Actor::User, "load", Some(&a_key))
        .await
        .unwrap();
    assert_eq!(
        keys(left),
        vec![Some(b_key.clone()), None],
        "only host a's silence ends"
    );
    let left = alerts::unsilence(&c, &Actor::User, "load", Some(""))
        .await
        .unwrap();
    assert_eq!(
        keys(left),
        vec![Some(b_key.clone())],
        "then the whole rule's"
    );
    let e = alerts::unsilence(&c, &Actor::User, "load", Some(&a_key))
        .await
        .unwrap_err();
    assert!(
        e.message().contains("no silence on series") && e.message().contains(&b_key),
        "{e}"
    );
    // Both go crit again: host a notifies, host b is still muted.
    write(95.0, 95.0, t - 5).await;
    let r = alerts::list(&c).await.unwrap().remove(0);
    let e = alerts::evaluate(&c, &r, now + Duration::minutes(4))
        .await
        .unwrap();
    let b = e.each.iter().find(|s| s.series == b_key).unwrap();
    assert!(b.transition && b.muted, "{b:?}");
    let hooks = got.lock().unwrap().clone();
    assert_eq!(hooks.len(), 4, "host a notifies again: {hooks:?}");
    assert_eq!(hooks[3]["series"], a_key.as_str());

    // Unmute all; a silence in the past or on an unknown series is refused.
    assert!(
        alerts::unsilence(&c, &Actor::User, "load", None)
            .await
            .unwrap()
            .is_empty()
    );
    let e = alerts::silence(
        &c,
        &Actor::User,
        SilenceReq {
            alert: "load".into(),
            series: Some("nope".into()),
            for_duration: Some("1h".into()),
            ..SilenceReq::default()
        },
        now,
    )
    .await
    .unwrap_err();
    assert!(e.message().contains("no series"), "{e}");
}
