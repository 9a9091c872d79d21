//! `get-metrics` through rmcp's client over the socket, against the real influxd: system
//! numbers from SHOW STATS, per-database numbers that include the test database, and the
//! query log counting this client's own `query-data` calls under actor "assistant"; each with
//! structured output and a compact text table.

use serde_json::{Value, json};

use influxdesk_core::model::AssistantPolicy;

use crate::harness::*;

/// The value of the metric `name` whose labels include `labels`.
fn value(r: &Value, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    r["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| {
            m["name"] == name
                && labels
                    .iter()
                    .all(|(k, v)| m["labels"][*k].as_str() == Some(*v))
        })
        .and_then(|m| m["value"].as_f64())
}

#[tokio::test]
async fn get_metrics_reports_system_database_and_query_numbers() {
    let ctx = ctx();
    let db = unique_db("metrics");
    profile(
        &ctx,
        "local",
        &open_server().url,
        &db,
        AssistantPolicy::ReadOnly,
        None,
    )
    .await;
    influxql(&ctx, None, &format!("CREATE DATABASE {db}")).await;
    write_lp(
        &ctx,
        &db,
        "cpu,host=a usage=1 1700000000000000000\nmem,host=a used=2 1700000000000000000",
    )
    .await;
    let mcp = connect(&ctx).await;

    // system (the default type): the server's own numbers.
    let r = mcp.call("get-metrics", json!({})).await;
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    let s = r.structured_content.clone().unwrap();
    assert_eq!(s["metric_type"], "system");
    assert_eq!(s["source"], "SHOW STATS");
    let heap = value(&s, "heap_alloc_bytes", &[]).expect("heap_alloc_bytes");
    assert!(heap > 0.0, "{s}");
    assert!(value(&s, "goroutines", &[]).unwrap() > 0.0, "{s}");
    assert!(value(&s, "uptime", &[]).unwrap() > 0.0, "{s}");
    let table = text(&r);
    assert!(
        table.starts_with("system metrics from SHOW STATS\n")
            && table.contains("heap_alloc_bytes")
            && table.contains("bytes"),
        "a compact table is the text content: {table}"
    );
    assert!(
        !table.trim_start().starts_with('{'),
        "not JSON text: {table}"
    );

    // database: the test database has its measurements and series.
    let d = mcp
        .ok("get-metrics", json!({"metric_type": "database"}))
        .await;
    assert_eq!(d["metric_type"], "database");
    let labels = [("database", db.as_str())];
    assert_eq!(
        value(&d, "measurements", &labels),
        Some(2.0),
        "cpu and mem in {db}: {d}"
    );
    assert_eq!(value(&d, "series_cardinality", &labels), Some(2.0), "{d}");
    assert!(value(&d, "disk_bytes", &labels).is_some(), "{d}");

    // query: the log counts this client's own query-data calls as the assistant's.
    let before = mcp
        .ok(
            "get-metrics",
            json!({"metric_type": "query", "time_range": "-1h"}),
        )
        .await;
    assert_eq!(before["source"], "influxdesk query history");
    assert_eq!(
        value(&before, "queries", &[("actor", "assistant")]),
        Some(0.0),
        "get-metrics itself runs no logged query: {before}"
    );
    let user = value(&before, "queries", &[("actor", "user")]).unwrap();
    assert!(user >= 1.0, "the setup's CREATE DATABASE: {before}");
    for q in ["SELECT * FROM cpu", "SHOW MEASUREMENTS"] {
        mcp.ok("query-data", json!({"query": q, "time_range": "-1h"}))
            .await;
    }
    mcp.err("query-data", json!({"query": "SELEC usage FROM cpu"}))
        .await;
    let r = mcp
        .call("get-metrics", json!({"metric_type": "query"}))
        .await;
    let q = r.structured_content.clone().unwrap();
    let mine = [("actor", "assistant")];
    assert_eq!(value(&q, "queries", &mine), Some(3.0), "{q}");
    assert_eq!(value(&q, "errors", &mine), Some(1.0), "{q}");
    let p50 = value(&q, "latency_p50", &mine).unwrap();
    let p99 = value(&q, "latency_p99", &mine).unwrap();
    assert!(p50 > 0.0 && p99 >= p50, "p50 {p50} p99 {p99}");
    assert_eq!(
        value(&q, "queries", &[("actor", "all")]),
        Some(3.0 + user),
        "{q}"
    );
    assert!(text(&r).contains("actor=assistant"), "{}", text(&r));

    // Wrong parameters are clear tool errors.
    let e = mcp.err("get-metrics", json!({"metric_type": "disk"})).await;
    assert!(
        e.starts_with("InvalidInput: ") && e.contains("system, database or query"),
        "{e}"
    );
    let e = mcp
        .err(
            "get-metrics",
            json!({"metric_type": "query", "time_range": "yesterday"}),
        )
        .await;
    assert!(
        e.starts_with("InvalidInput: ") && e.contains("time_range"),
        "{e}"
    );
}
