//! "History only" against the real influxd: a rule whose one channel is `history` goes crit
//! and back to ok with both changes in its history, and notifies nobody (no desktop event, no
//! keychain entry); its test notification says nothing was sent; `history` beside another
//! channel is refused.

use chrono::{Duration, Utc};
use influxdesk_core::Actor;
use influxdesk_core::api::alerts::{
    self, AlertHistoryReq, AlertStatus, Operator, TestAlertReq, Threshold,
};

use super::{point, rule, setup};

#[tokio::test]
async fn a_history_only_rule_records_changes_and_notifies_nobody() {
    let (c, _) = setup().await;
    let mut events = c.subscribe();
    let now = Utc::now();
    let t = now.timestamp();
    let th = Threshold {
        operator: Operator::Greater,
        crit: Some(90.0),
        ..Threshold::default()
    };
    let e = alerts::create(
        &c,
        &Actor::User,
        rule(
            "quiet",
            "SELECT last(v) FROM quiet",
            th.clone(),
            vec!["history".into(), "desktop".into()],
            "1m",
            "0s",
        ),
        now,
    )
    .await
    .unwrap_err();
    assert!(e.message().contains("history only"), "{e}");

    let r = alerts::create(
        &c,
        &Actor::User,
        rule(
            "quiet",
            "SELECT last(v) FROM quiet",
            th,
            vec!["history".into()],
            "1m",
            "0s",
        ),
        now,
    )
    .await
    .unwrap();
    assert_eq!(r.notification.channels, vec!["history".to_string()]);
    assert_eq!(
        r.channel_accounts,
        vec![String::new()],
        "nothing in the keychain"
    );

    point(&c, format!("quiet v=95 {}", t - 20)).await;
    let e = alerts::evaluate(&c, &r, now).await.unwrap();
    assert_eq!((e.status, e.transition), (AlertStatus::Crit, true));
    point(&c, format!("quiet v=5 {}", t - 10)).await;
    let r = alerts::list(&c).await.unwrap().remove(0);
    let e = alerts::evaluate(&c, &r, now + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!((e.status, e.transition), (AlertStatus::Ok, true));

    let changes = alerts::history(
        &c,
        AlertHistoryReq {
            alert: "quiet".into(),
            range: Some("1h".into()),
            ..AlertHistoryReq::default()
        },
    )
    .await
    .unwrap();
    let levels: Vec<AlertStatus> = changes.iter().map(|h| h.status).collect();
    assert_eq!(
        levels,
        vec![AlertStatus::Ok, AlertStatus::Crit],
        "both changes, newest first: {changes:#?}"
    );
    let sent = alerts::test(
        &c,
        &Actor::User,
        TestAlertReq {
            alert: "quiet".into(),
            channel: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].ok && sent[0].status.is_none() && sent[0].message.contains("nothing is sent"),
        "{sent:?}"
    );
    while let Ok(ev) = events.try_recv() {
        assert_ne!(
            ev.action, "alert.notify",
            "nobody is notified: {}",
            ev.detail
        );
    }
}
