//! The server overview against the real influxd 1.x: version, databases, heap, series and
//! disk from SHOW STATS (what get-metrics reads), and queries per second from two samples.

use chrono::Utc;
use influxdesk_core::Actor;
use influxdesk_core::api::admin::overview::{self, OverviewChartReq, OverviewReq, RateSample};
use influxdesk_core::api::query;
use influxdesk_core::model::*;

use crate::admin_queries::run_req;
use crate::harness::{self, add, ctx, fields, unique_db};

#[tokio::test]
async fn two_samples_give_rates_and_the_numbers_are_the_servers() {
    let s = harness::open_server();
    let c = ctx();
    add(&c, fields("local", &s.url, ApiKind::V1), None).await;
    let db = unique_db("overview");
    query::run(
        &c,
        &Actor::User,
        run_req(&db, &format!("CREATE DATABASE \"{db}\"")),
    )
    .await
    .unwrap();
    let first = overview::get(&c, OverviewReq::default(), Utc::now())
        .await
        .unwrap();
    assert!(first.version.starts_with("1.6"), "{first:?}");
    assert!(
        first.databases >= 1 && first.heap_bytes.unwrap_or(0.0) > 0.0,
        "{first:?}"
    );
    assert!(
        first.uptime_seconds.is_some(),
        "SHOW DIAGNOSTICS gives the uptime"
    );
    assert_eq!(first.queries_per_second, None, "one sample has no rate");
    for _ in 0..5 {
        query::run(&c, &Actor::User, run_req(&db, "SHOW MEASUREMENTS"))
            .await
            .unwrap();
    }
    // A later clock for the second sample: the rate is over the counters' difference.
    let later = Utc::now() + chrono::Duration::seconds(5);
    let second = overview::get(
        &c,
        OverviewReq {
            profile: None,
            previous: Some(first.counters),
        },
        later,
    )
    .await
    .unwrap();
    let (q0, q1) = (
        first.counters.queries.unwrap(),
        second.counters.queries.unwrap(),
    );
    assert!(
        q1 >= q0 + 5.0,
        "the five queries were counted: {q0} -> {q1}"
    );
    let qps = second.queries_per_second.expect("two samples give a rate");
    let secs = (second.counters.at_ms - first.counters.at_ms) as f64 / 1000.0;
    assert!((qps - (q1 - q0) / secs).abs() < 1e-9, "{qps}");
    let svg = overview::chart(&OverviewChartReq {
        samples: vec![
            RateSample {
                at_ms: first.counters.at_ms,
                queries_per_second: Some(0.0),
                writes_per_second: None,
            },
            RateSample {
                at_ms: second.counters.at_ms,
                queries_per_second: Some(qps),
                writes_per_second: second.writes_per_second,
            },
        ],
        width: 600,
        height: 200,
        ..Default::default()
    })
    .unwrap()
    .svg;
    assert!(svg.contains("queries/s"), "the legend names the line");
}
