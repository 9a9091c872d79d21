//! The Alerts screen's views against the real influxd: a backtest's chart draws the rule's
//! levels as labelled dashed lines and shades exactly the firing windows the backtest found;
//! the rules list names the connection, the next evaluation and a silence, and filters.

use chrono::{DateTime, Duration, Utc};
use influxdesk_core::Actor;
use influxdesk_core::api::alerts::{
    self, AlertRowsReq, AlertStatus, BacktestChartReq, BacktestReq, Operator, SilenceReq,
    Threshold, ThresholdKind,
};

use super::{point, rule, setup};

/// 50, with a crit bump (95) 40 to 30 minutes before `now` and a warn bump (85) 20 to 10
/// minutes before; points every 30 s.
fn data(now: DateTime<Utc>) -> String {
    (0..=140)
        .map(|k| {
            let t = now - Duration::minutes(70) + Duration::seconds(30 * k);
            let before = (now - t).num_seconds();
            let v = match before {
                1800..2400 => 95.0,
                600..1200 => 85.0,
                _ => 50.0,
            };
            format!("cpu,host=h1 usage={v} {}", t.timestamp())
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn the_backtest_chart_shows_the_levels_and_the_firing_windows() {
    let (c, _) = setup().await;
    let now: DateTime<Utc> = "2024-05-01T12:00:00Z".parse().unwrap();
    point(&c, data(now)).await;
    let levels = Threshold {
        operator: Operator::GreaterEqual,
        warn: Some(80.0),
        crit: Some(90.0),
        ..Threshold::default()
    };
    let req = BacktestReq {
        query: Some("SELECT last(usage) FROM cpu GROUP BY host".into()),
        threshold: Some(levels.clone()),
        every: Some("1m".into()),
        range: Some("1h".into()),
        ..BacktestReq::default()
    };
    let view = alerts::backtest_chart(
        &c,
        BacktestChartReq {
            backtest: req.clone(),
            width: Some(800),
            height: Some(300),
            ..BacktestChartReq::default()
        },
        now,
    )
    .await
    .unwrap();
    let bt = &view.backtest;
    assert_eq!(
        bt,
        &alerts::backtest(&c, req, now).await.unwrap(),
        "the same replay"
    );
    assert_eq!((bt.warn, bt.crit, bt.fired), (1, 1, 2), "{}", bt.summary);
    assert_eq!(bt.windows.len(), 2, "{:?}", bt.windows);
    let chart = view.chart.expect("a chart");
    // The series checked: one value per instant, all of them.
    let s = &chart.summary.series;
    assert_eq!(s.len(), 1, "{s:?}");
    assert_eq!(s[0].points, bt.steps);
    assert_eq!((s[0].min, s[0].max), (50.0, 95.0));
    for label in ["warn 80", "crit 90"] {
        assert!(chart.svg.contains(label), "the {label} line is labelled");
    }
    // Two dashed lines (many short segments each) and two shaded windows, in their tones.
    assert!(
        chart.svg.matches("#DC2626").count() > 2,
        "crit line and band"
    );
    assert!(chart.svg.contains("#E09A00"), "warn line and band");
    let shaded = chart.svg.matches("opacity=\"0.16\"").count();
    assert_eq!(shaded, 2, "one shaded span per firing window");
    assert!(view.note.is_none());

    // Deadman and relative say what the chart shows; nothing to chart says so.
    let relative = alerts::backtest_chart(
        &c,
        BacktestChartReq {
            backtest: BacktestReq {
                query: Some("SELECT last(usage) FROM cpu GROUP BY host".into()),
                threshold: Some(Threshold {
                    kind: ThresholdKind::Relative,
                    period: Some("10m".into()),
                    percent: Some(true),
                    operator: Operator::Greater,
                    crit: Some(50.0),
                    ..Threshold::default()
                }),
                range: Some("1h".into()),
                ..BacktestReq::default()
            },
            ..BacktestChartReq::default()
        },
        now,
    )
    .await
    .unwrap();
    assert!(relative.note.unwrap().contains("change against 10m ago"));
    assert!(relative.chart.is_some());
    let empty = alerts::backtest_chart(
        &c,
        BacktestChartReq {
            backtest: BacktestReq {
                query: Some("SELECT last(usage) FROM nothing_here".into()),
                threshold: Some(levels),
                range: Some("1h".into()),
                ..BacktestReq::default()
            },
            ..BacktestChartReq::default()
        },
        now,
    )
    .await
    .unwrap();
    assert!(empty.chart.is_none());
    assert!(empty.note.unwrap().contains("nothing to chart"));
}

#[tokio::test]
async fn the_rules_list_names_the_connection_the_next_run_and_a_silence() {
    let (c, _) = setup().await;
    let now = Utc::now();
    point(&c, format!("mem,host=a used=10 {}", now.timestamp() - 5)).await;
    let threshold = Threshold {
        operator: Operator::Greater,
        value: 90.0,
        ..Threshold::default()
    };
    for name in ["mem-a", "disk-b"] {
        alerts::create(
            &c,
            &Actor::User,
            rule(
                name,
                "SELECT last(used) FROM mem GROUP BY host",
                threshold.clone(),
                vec![],
                "30s",
                "0s",
            ),
            now,
        )
        .await
        .unwrap();
    }
    let all = alerts::rows(&c, AlertRowsReq::default(), now)
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|r| r.connection == "local"));
    // Never evaluated: due now.
    let mem = all.iter().find(|r| r.rule.name == "mem-a").unwrap();
    assert_eq!(
        mem.next_eval.as_deref(),
        Some(
            now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                .as_str()
        )
    );

    let r = mem.rule.clone();
    let e = alerts::evaluate(&c, &r, now).await.unwrap();
    assert_eq!(e.status, AlertStatus::Ok);
    alerts::silence(
        &c,
        &Actor::User,
        SilenceReq {
            alert: "mem-a".into(),
            for_duration: Some("2h".into()),
            reason: "maintenance".into(),
            ..SilenceReq::default()
        },
        now,
    )
    .await
    .unwrap();
    let only = alerts::rows(
        &c,
        AlertRowsReq {
            filter: Some("MEM-".into()),
        },
        now,
    )
    .await
    .unwrap();
    assert_eq!(only.len(), 1, "the filter ignores case");
    let mem = &only[0];
    let next = DateTime::parse_from_rfc3339(mem.next_eval.as_deref().unwrap()).unwrap();
    let last = DateTime::parse_from_rfc3339(mem.rule.last_eval.as_deref().unwrap()).unwrap();
    assert_eq!(
        next - last,
        Duration::seconds(30),
        "last evaluation + every"
    );
    let until = DateTime::parse_from_rfc3339(mem.muted_until.as_deref().unwrap()).unwrap();
    assert_eq!(
        until.with_timezone(&Utc).timestamp(),
        (now + Duration::hours(2)).timestamp()
    );
    // By series text and by status too; a rule switched off has no next evaluation.
    let by_series = alerts::rows(
        &c,
        AlertRowsReq {
            filter: Some("host=a".into()),
        },
        now,
    )
    .await
    .unwrap();
    assert_eq!(by_series.len(), 1);
    alerts::update(
        &c,
        &Actor::User,
        alerts::UpdateAlertReq {
            alert: "disk-b".into(),
            enabled: Some(false),
            ..Default::default()
        },
        now,
    )
    .await
    .unwrap();
    let off = alerts::rows(
        &c,
        AlertRowsReq {
            filter: Some("disk".into()),
        },
        now,
    )
    .await
    .unwrap();
    assert_eq!(off[0].next_eval, None);
}
