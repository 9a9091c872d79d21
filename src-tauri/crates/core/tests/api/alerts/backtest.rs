//! Backtest against the real influxd: a rule with warn and crit levels, grouped by host, over
//! an hour of data the test writes (at fixed past times, so nothing depends on the clock),
//! fires exactly as a replay the test computes itself; per-series states and the hold apply.

use chrono::{DateTime, Duration, Utc};
use influxdesk_core::api::alerts::{self, AlertStatus, BacktestReq, Operator, Threshold};

use super::{point, setup};

/// The value of `host` at minute `m` (points every 30 s, at :00 and :30 of each minute).
fn value(host: usize, m: i64, half: bool) -> f64 {
    let base = [60.0, 75.0][host];
    // A pattern with rises into warn (>= 80) and crit (>= 90), different per host.
    let bump = match (m + 7 * host as i64) % 12 {
        3 | 4 => 25.0,
        5 => 35.0,
        8 => 18.0,
        _ => 0.0,
    };
    base + bump + if half { 1.0 } else { 0.0 }
}

fn level(v: f64) -> AlertStatus {
    if v >= 90.0 {
        AlertStatus::Crit
    } else if v >= 80.0 {
        AlertStatus::Warn
    } else {
        AlertStatus::Ok
    }
}

#[tokio::test]
async fn a_backtest_counts_what_a_replay_of_the_data_gives() {
    let (c, _) = setup().await;
    // A fixed "now" in the past: every query is an absolute window.
    let now: DateTime<Utc> = "2024-03-01T12:00:00Z".parse().unwrap();
    let start = now - Duration::minutes(70);
    let mut lines = Vec::new();
    for m in 0..=70 {
        for host in 0..2 {
            for half in [false, true] {
                let t = start + Duration::minutes(m) + Duration::seconds(if half { 30 } else { 0 });
                lines.push(format!(
                    "cpu,host=h{host} usage={} {}",
                    value(host, m, half),
                    t.timestamp()
                ));
            }
        }
    }
    point(&c, lines.join("\n")).await;

    let threshold = Threshold {
        operator: Operator::GreaterEqual,
        warn: Some(80.0),
        crit: Some(90.0),
        ..Threshold::default()
    };
    let bt = alerts::backtest(
        &c,
        BacktestReq {
            query: Some("SELECT last(usage) FROM cpu GROUP BY host".into()),
            threshold: Some(threshold),
            every: Some("1m".into()),
            for_duration: Some("0s".into()),
            range: Some("1h".into()),
            ..BacktestReq::default()
        },
        now,
    )
    .await
    .unwrap();

    // The replay: at each minute t of the hour, each host's last point in (t - 1m, t] is the
    // one at t itself (points at :00 and :30, the window's end is inclusive).
    let mut want = [0usize; 2]; // warn, crit
    let mut changes = 0;
    for host in 0..2 {
        let mut state = AlertStatus::Unknown;
        for k in 0..=60 {
            let m = 10 + k; // now - 60 min is minute 10 of the data
            let s = level(value(host, m, false));
            if s != state && !(state == AlertStatus::Unknown && s == AlertStatus::Ok) {
                changes += 1;
                match s {
                    AlertStatus::Warn => want[0] += 1,
                    AlertStatus::Crit => want[1] += 1,
                    _ => {}
                }
            }
            state = s;
        }
    }
    eprintln!("{}", bt.summary);
    assert_eq!(bt.steps, 61, "every minute of the hour, both ends");
    assert_eq!((bt.warn, bt.crit), (want[0], want[1]), "{bt:#?}");
    assert_eq!(bt.fired, want[0] + want[1]);
    assert_eq!(bt.changes.len(), changes, "every change, back to OK too");
    assert!(want[0] > 0 && want[1] > 0, "the data has both levels");
    assert_eq!(bt.series.len(), 2, "one state per host: {:?}", bt.series);
    assert!(
        bt.series.iter().all(|s| s.contains("host=h")),
        "{:?}",
        bt.series
    );
    assert!(
        bt.summary
            .starts_with(&format!("would have fired {} times", bt.fired))
    );
    // Windows: each opened by a firing change, closed by the next change of that series.
    assert!(bt.windows.iter().all(|w| w.status >= AlertStatus::Warn));

    // A hold of 2 minutes fires less: only bumps that last (minutes 3-5 of the pattern).
    let held = alerts::backtest(
        &c,
        BacktestReq {
            query: Some("SELECT last(usage) FROM cpu GROUP BY host".into()),
            threshold: Some(Threshold {
                operator: Operator::GreaterEqual,
                value: 80.0,
                ..Threshold::default()
            }),
            every: Some("1m".into()),
            for_duration: Some("2m".into()),
            range: Some("1h".into()),
            ..BacktestReq::default()
        },
        now,
    )
    .await
    .unwrap();
    assert!(held.fired > 0 && held.fired < bt.fired, "{}", held.summary);

    // Bad input: a query that writes, a range shorter than every.
    for (req, want) in [
        (
            BacktestReq {
                query: Some("SELECT * INTO x FROM cpu".into()),
                threshold: Some(Threshold::default()),
                ..BacktestReq::default()
            },
            "read",
        ),
        (
            BacktestReq {
                query: Some("SELECT last(usage) FROM cpu".into()),
                threshold: Some(Threshold::default()),
                every: Some("1h".into()),
                range: Some("10m".into()),
                ..BacktestReq::default()
            },
            "shorter",
        ),
    ] {
        let e = alerts::backtest(&c, req, now).await.unwrap_err();
        assert!(e.message().contains(want), "{e}");
    }
}
