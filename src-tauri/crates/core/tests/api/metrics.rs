//! get-metrics: v1 SHOW STATS against the real influxd, v2 /metrics against the spec, and the
//! app's own query log.

use chrono::Utc;
use influxdesk_core::Actor;
use influxdesk_core::api::metrics::{self, GetMetricsReq, MetricType, MetricsReport};
use influxdesk_core::api::{query, write};
use influxdesk_core::model::*;
use influxdesk_testkit::spec_stub::{Spec, SpecStub};

use crate::harness::{self, add, ctx, fields, unique_db};

fn value(r: &MetricsReport, name: &str, label: Option<(&str, &str)>) -> f64 {
    r.metrics
        .iter()
        .find(|m| {
            m.name == name
                && label.is_none_or(|(k, v)| m.labels.get(k).map(String::as_str) == Some(v))
        })
        .unwrap_or_else(|| panic!("metric {name} {label:?} in {:?}", r.metrics))
        .value
}

fn req(t: MetricType) -> GetMetricsReq {
    GetMetricsReq {
        metric_type: t,
        ..Default::default()
    }
}

#[tokio::test]
async fn v1_system_database_and_query_metrics() {
    let s = harness::open_server();
    let c = ctx();
    add(&c, fields("local", &s.url, ApiKind::V1), None).await;
    let db = unique_db("metrics");
    let q = |text: String| harness::query_req(&db, text, None);
    query::run(&c, &Actor::User, q(format!("CREATE DATABASE \"{db}\"")))
        .await
        .unwrap();
    write::write(
        &c,
        &Actor::User,
        WriteReq {
            profile: None,
            bucket: Some(db.clone()),
            precision: Precision::S,
            lines:
                "cpu,host=a v=1 1700000000\ncpu,host=b v=2 1700000000\nmem,host=a u=3 1700000000"
                    .into(),
        },
    )
    .await
    .unwrap();
    let _ = query::run(&c, &Actor::User, q("SELEC broken".into())).await;

    let sys = metrics::get(&c, req(MetricType::System), Utc::now())
        .await
        .unwrap();
    assert_eq!(sys.source, "SHOW STATS");
    assert!(value(&sys, "heap_alloc_bytes", None) > 0.0);
    assert!(value(&sys, "goroutines", None) > 0.0);
    assert!(
        value(&sys, "points_written", None) >= 3.0,
        "our three points"
    );
    assert!(value(&sys, "uptime", None) > 0.0);

    // numSeries/numMeasurements are sampled by the server's monitor every 10 s: wait for them.
    let mut db_report = None;
    for _ in 0..30 {
        let r = metrics::get(&c, req(MetricType::Database), Utc::now())
            .await
            .unwrap();
        if r.metrics.iter().any(|m| {
            m.labels.get("database") == Some(&db)
                && m.name == "series_cardinality"
                && m.value == 3.0
        }) {
            db_report = Some(r);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    let r = db_report.expect("the database's stats appear");
    assert_eq!(value(&r, "measurements", Some(("database", &db))), 2.0);
    assert_eq!(
        value(&r, "series_cardinality", Some(("database", &db))),
        3.0
    );

    let qm = metrics::get(&c, req(MetricType::Query), Utc::now())
        .await
        .unwrap();
    assert_eq!(
        value(&qm, "queries", Some(("actor", "user"))),
        2.0,
        "CREATE and the broken one"
    );
    assert_eq!(value(&qm, "errors", Some(("actor", "all"))), 1.0);
    assert!(
        value(&qm, "latency_p99", Some(("actor", "all")))
            >= value(&qm, "latency_p50", Some(("actor", "all")))
    );
    assert_eq!(value(&qm, "queries", Some(("actor", "assistant"))), 0.0);
    let e = metrics::get(
        &c,
        GetMetricsReq {
            time_range: Some("a while".into()),
            ..req(MetricType::Query)
        },
        Utc::now(),
    )
    .await
    .unwrap_err();
    assert!(e.message().starts_with("time_range:"), "{}", e.message());
}

#[tokio::test]
async fn v2_system_metrics_parse_prometheus_contract() {
    let stub = SpecStub::start(Spec::V2).await;
    let c = ctx();
    add(
        &c,
        ProfileFields {
            org: Some("acme".into()),
            ..fields("v2", &stub.url(), ApiKind::V2)
        },
        Some("tok"),
    )
    .await;
    stub.respond(
        "GET",
        "/metrics",
        200,
        "text/plain",
        "# TYPE go_goroutines gauge\ngo_goroutines 57\nhttp_api_requests_total{path=\"/api/v2/query\"} 10\nhttp_api_requests_total{path=\"/api/v2/write\"} 5\n",
    );
    let r = metrics::get(&c, req(MetricType::System), Utc::now())
        .await
        .unwrap();
    assert_eq!(r.source, "/metrics");
    assert_eq!(value(&r, "go_goroutines", None), 57.0);
    assert_eq!(
        value(&r, "http_api_requests_total", None),
        15.0,
        "summed over labels"
    );
    stub.assert_conforms();
}
