//! Annotations on a dashboard, against the real influxd: one added at a time is kept in the
//! dashboard's JSON (its time normalised to UTC) and drawn on the dashboard's time chart as a
//! labelled vertical marker, together with the profile's alert rule's change into crit (from
//! the alert history the evaluator wrote); bad input is refused and nothing is kept; removing
//! it takes its marker away.

use chrono::{Duration, Utc};
use influxdesk_core::api::alerts::{
    self, CreateAlertReq, Notification, Operator, Severity, Threshold, ThresholdKind,
};
use influxdesk_core::api::dashboards::{self, *};
use influxdesk_core::model::*;
use influxdesk_core::{Actor, ErrorCode};

use crate::harness::{self};

#[tokio::test]
async fn annotations_and_alert_changes_are_drawn_on_every_time_chart() {
    let (c, db) = harness::profile_with_db("dann", None).await;
    let now = Utc::now();
    // One a minute over the last 30 minutes, and one 5 s ago (the rule's query reads the
    // last minute).
    let mut lines: Vec<String> = (1..=30i64)
        .map(|i| format!("cpu,host=a usage={} {}", 50 + i, now.timestamp() - i * 60))
        .collect();
    lines.push(format!("cpu,host=a usage=99 {}", now.timestamp() - 5));
    crate::harness::write_s(&c, &db, &lines).await;
    let u = Actor::User;
    dashboards::create(
        &c,
        &u,
        CreateDashboardReq {
            name: "Ops".into(),
            cells: vec![
                NewCell {
                    title: "CPU".into(),
                    query: "SELECT usage FROM cpu WHERE $timeFilter".into(),
                    language: Some(QueryLanguage::Influxql),
                    ..NewCell::default()
                },
                NewCell {
                    title: "More CPU".into(),
                    query: "SELECT max(usage) FROM cpu WHERE $timeFilter GROUP BY time(5m)".into(),
                    language: Some(QueryLanguage::Influxql),
                    ..NewCell::default()
                },
            ],
            time_range: Some(TimeRange::Relative {
                duration: "1h".into(),
            }),
            ..Default::default()
        },
    )
    .await
    .unwrap();

    // An alert rule on the same profile that goes from unknown to crit 12 minutes ago.
    let rule = alerts::create(
        &c,
        &u,
        CreateAlertReq {
            profile: None,
            alert_name: "cpu hot".into(),
            query: "SELECT last(usage) FROM cpu".into(),
            language: None,
            database: None,
            threshold: Threshold {
                operator: Operator::Greater,
                value: 10.0,
                kind: ThresholdKind::Threshold,
                ..Default::default()
            },
            notification: Notification {
                channels: vec![],
                message: "hot".into(),
                severity: Severity::Critical,
            },
            every: Some("1m".into()),
            for_duration: Some("0s".into()),
        },
        now - Duration::minutes(12),
    )
    .await
    .unwrap();
    let e = alerts::evaluate(&c, &rule, now - Duration::minutes(12))
        .await
        .unwrap();
    assert!(e.transition, "the rule changed state: {e:?}");

    // Annotate 10 minutes ago (given in +02:00: kept in UTC).
    let at = (now - Duration::minutes(10))
        .with_timezone(&chrono::FixedOffset::east_opt(2 * 3600).unwrap());
    let d = dashboards::add_annotation(
        &c,
        &u,
        AddAnnotationReq {
            dashboard: "Ops".into(),
            time: at.to_rfc3339(),
            text: "deploy v2".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(d.annotations.len(), 1);
    let a = d.annotations[0].clone();
    assert!(a.time.ends_with('Z'), "kept in UTC: {}", a.time);
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(&a.time)
            .unwrap()
            .timestamp(),
        at.timestamp(),
        "the same instant"
    );

    // Bad input: refused, nothing kept.
    for (time, text, want) in [
        ("noon", "x", "RFC 3339"),
        ("2026-11-30T12:00:00Z", "  ", "needs a text"),
        ("2026-11-30T12:00:00Z", "two\nlines", "one line"),
    ] {
        let e = dashboards::add_annotation(
            &c,
            &u,
            AddAnnotationReq {
                dashboard: "Ops".into(),
                time: time.into(),
                text: text.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput);
        assert!(e.message().contains(want), "{e}");
    }

    let run = || {
        let c = c.clone();
        async move {
            dashboards::run(
                &c,
                &Actor::User,
                RunDashboardReq {
                    dashboard: "Ops".into(),
                    width: Some(1200),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
        }
    };
    let r = run().await;
    assert_eq!(r.dashboard.annotations, vec![a.clone()], "kept in the JSON");
    for cell in &r.cells {
        assert!(cell.error.is_none(), "{:?}", cell.error);
        let svg = cell.svg.as_deref().unwrap();
        assert!(
            svg.contains("deploy v2"),
            "the annotation on every cell ({})",
            cell.title
        );
        assert!(
            svg.contains("cpu hot: crit"),
            "the alert's change on every cell ({})",
            cell.title
        );
    }

    // Removed: its marker goes; the alert's stays.
    let d = dashboards::remove_annotation(
        &c,
        &u,
        RemoveAnnotationReq {
            dashboard: "Ops".into(),
            annotation: a.id.clone(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(d.annotations.is_empty());
    let r = run().await;
    let svg = r.cells[0].svg.as_deref().unwrap();
    assert!(!svg.contains("deploy v2") && svg.contains("cpu hot: crit"));
}
