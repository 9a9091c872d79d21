//! The Data Explorer's and the app's other read paths against the real InfluxDB 3 Core: time
//! ranges on SQL and InfluxQL, cancel, exports, alert evaluation and metrics. Skipped with a
//! notice when the `influxdb3` binary is absent.

use std::time::Duration;

use chrono::Utc;
use influxdesk_core::Actor;
use influxdesk_core::ErrorCode;
use influxdesk_core::api::metrics::{self, GetMetricsReq, MetricType};
use influxdesk_core::api::{export, query};
use influxdesk_core::model::*;
use influxdesk_testkit::influxdb3;

use crate::v3::{influxql, seeded, sql, strings, v3_ctx, write_lines};

#[tokio::test]
async fn time_ranges_bound_sql_and_influxql() {
    let Some(s) = influxdb3::open() else { return };
    let lease = s.database("range").await;
    let db = lease.name.clone();
    let c = v3_ctx(s, &db).await;
    let base = seeded(&c, &db).await;
    let last_hour = Some(TimeRange::Relative {
        duration: "1h".into(),
    });
    let usage = |r: &QueryResult| -> Vec<f64> {
        r.frames
            .iter()
            .filter_map(|f| f.column("usage"))
            .flat_map(|c| c.values.iter().filter_map(|v| v.as_f64()))
            .collect()
    };
    let r = query::run(
        &c,
        &Actor::User,
        RunQueryReq {
            time_range: last_hour.clone(),
            ..sql(
                &db,
                "SELECT usage FROM cpu WHERE host = 'web-01' ORDER BY time",
            )
        },
    )
    .await
    .unwrap();
    assert!(r.executed_query.contains("now()"), "{}", r.executed_query);
    assert_eq!(
        usage(&r),
        vec![14.5, 13.5, 12.5, 11.5, 10.5],
        "the 2-day-old 99.5 is outside the hour"
    );
    let r = query::run(
        &c,
        &Actor::User,
        RunQueryReq {
            time_range: last_hour,
            ..influxql(&db, "SELECT usage FROM cpu WHERE host = 'web-01'")
        },
    )
    .await
    .unwrap();
    assert_eq!(usage(&r), vec![14.5, 13.5, 12.5, 11.5, 10.5]);

    let at = |t: i64| chrono::DateTime::from_timestamp(t, 0).unwrap().to_rfc3339();
    let r = query::run(
        &c,
        &Actor::User,
        RunQueryReq {
            time_range: Some(TimeRange::Absolute {
                from: at(base - 1),
                to: at(base + 1),
            }),
            ..sql(
                &db,
                "SELECT host, usage FROM cpu WHERE $timeFilter ORDER BY host",
            )
        },
    )
    .await
    .unwrap();
    assert_eq!(
        strings(&r, "host"),
        vec!["db-01", "web-01"],
        "exactly the two at base"
    );
    let r = query::run(
        &c,
        &Actor::Assistant {
            client: "test".into(),
        },
        sql(&db, "SELECT usage FROM cpu ORDER BY usage DESC LIMIT 1"),
    )
    .await
    .unwrap();
    assert_eq!(
        usage(&r),
        vec![24.5],
        "an assistant's unbounded query gets the last hour"
    );
    let r = query::run(
        &c,
        &Actor::User,
        RunQueryReq {
            time_range: Some(TimeRange::Relative {
                duration: "7d".into(),
            }),
            ..sql(&db, "SELECT usage FROM cpu ORDER BY usage DESC LIMIT 1")
        },
    )
    .await
    .unwrap();
    assert_eq!(usage(&r), vec![99.5], "7 days reach the old point");
}

#[tokio::test]
async fn cancel_stops_a_long_sql_query() {
    let Some(s) = influxdb3::open() else { return };
    let lease = s.database("slow").await;
    let db = lease.name.clone();
    let c = v3_ctx(s, &db).await;
    write_lines(&c, &db, Precision::S, "m v=1".into()).await;
    // Billions of rows from DataFusion's generate_series: runs for many seconds.
    let slow = "SELECT count(*) AS n FROM generate_series(1, 20000000000)";
    let mut req = sql(&db, slow);
    req.query_id = Some("slow-v3".into());
    let c2 = c.clone();
    let running = tokio::spawn(async move { query::run(&c2, &Actor::User, req).await });
    // Wait until the server has it (system.queries), not a fixed time.
    let mut seen = false;
    for _ in 0..200 {
        let r = query::run(
            &c,
            &Actor::User,
            sql(&db, "SELECT query_text FROM system.queries"),
        )
        .await
        .unwrap();
        if strings(&r, "query_text").iter().any(|t| t == slow) {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(seen, "the slow query reached the server");
    assert!(
        query::cancel(&c, &Actor::User, "slow-v3").await.unwrap(),
        "the query was running"
    );
    let e = tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("cancel returns promptly")
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Cancelled);
    assert!(
        !query::cancel(&c, &Actor::User, "slow-v3").await.unwrap(),
        "nothing left to cancel"
    );
    // The server still answers at once.
    let r = query::run(&c, &Actor::User, sql(&db, "SELECT v FROM m"))
        .await
        .unwrap();
    assert_eq!(r.rows, 1);
}

#[tokio::test]
async fn exports_of_a_sql_result() {
    let Some(s) = influxdb3::open() else { return };
    let lease = s.database("export").await;
    let db = lease.name.clone();
    let c = v3_ctx(s, &db).await;
    seeded(&c, &db).await;
    let mut req = sql(&db, "SELECT time, host, usage FROM cpu ORDER BY time, host");
    req.query_id = Some("tab-v3".into());
    req.time_range = Some(TimeRange::Relative {
        duration: "1h".into(),
    });
    let r = query::run(&c, &Actor::User, req).await.unwrap();
    assert_eq!(r.rows, 10);
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("out.csv");
    let e = export::result(
        &c,
        &Actor::User,
        export::ExportReq {
            query_id: "tab-v3".into(),
            format: ExportFormat::Csv,
            path: Some(csv_path.display().to_string()),
        },
    )
    .await
    .unwrap();
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    assert_eq!(e.bytes, csv.len());
    assert!(csv.contains("time,host,usage"), "{csv}");
    assert_eq!(csv.lines().count(), 11, "header + 10 rows");
    let json_out = export::result(
        &c,
        &Actor::User,
        export::ExportReq {
            query_id: "tab-v3".into(),
            format: ExportFormat::Json,
            path: None,
        },
    )
    .await
    .unwrap();
    assert!(json_out.bytes > 0);
}

#[tokio::test]
async fn alerts_evaluate_a_sql_rule() {
    use influxdesk_core::api::alerts::{
        self, AlertStatus, CreateAlertReq, Notification, Operator, Severity, Threshold,
        ThresholdKind,
    };
    let Some(s) = influxdb3::open() else { return };
    let lease = s.database("alerts").await;
    let db = lease.name.clone();
    let c = v3_ctx(s, &db).await;
    let (hook, got) = influxdesk_testkit::webhook::receiver().await;
    crate::alerts::allow_loopback(&c).await;
    let now = Utc::now();
    let t = now.timestamp();
    write_lines(
        &c,
        &db,
        Precision::S,
        format!("cpu,host=web-01 usage=20 {}", t - 30),
    )
    .await;
    let r = alerts::create(
        &c,
        &Actor::User,
        CreateAlertReq {
            profile: None,
            alert_name: "cpu high".into(),
            query: "SELECT time, usage FROM cpu WHERE host = 'web-01' ORDER BY time".into(),
            language: None,
            database: None,
            threshold: Threshold {
                operator: Operator::Greater,
                value: 50.0,
                kind: ThresholdKind::Threshold,
                ..Default::default()
            },
            notification: Notification {
                channels: vec![format!("webhook:{hook}")],
                message: "check the web tier".into(),
                severity: Severity::Critical,
            },
            every: Some("1m".into()),
            for_duration: Some("0s".into()),
        },
        now,
    )
    .await
    .unwrap();
    let e = alerts::evaluate(&c, &r, now).await.unwrap();
    assert_eq!((e.status, e.value), (AlertStatus::Ok, Some(20.0)));
    write_lines(
        &c,
        &db,
        Precision::S,
        format!("cpu,host=web-01 usage=80 {}", t - 5),
    )
    .await;
    let r = alerts::list(&c).await.unwrap().remove(0);
    let e = alerts::evaluate(&c, &r, now + chrono::Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(
        (e.status, e.previous, e.transition, e.value),
        (AlertStatus::Crit, AlertStatus::Ok, true, Some(80.0))
    );
    let hooks = got.lock().unwrap().clone();
    assert_eq!(hooks.len(), 1, "{hooks:?}");
    assert_eq!(hooks[0]["status"], "crit");
    // Every evaluation is a status point in the profile's database.
    let st = query::run(
        &c,
        &Actor::User,
        sql(
            &db,
            "SELECT status FROM influxdesk_alerts WHERE alert = 'cpu high' ORDER BY time",
        ),
    )
    .await
    .unwrap();
    assert_eq!(strings(&st, "status"), vec!["ok", "crit"]);
}

#[tokio::test]
async fn metrics_count_tables_and_read_prometheus() {
    let Some(s) = influxdb3::open() else { return };
    let lease = s.database("metrics").await;
    let db = lease.name.clone();
    let c = v3_ctx(s, &db).await;
    seeded(&c, &db).await;
    let req = |t| GetMetricsReq {
        metric_type: t,
        ..Default::default()
    };
    let r = metrics::get(&c, req(MetricType::Database), Utc::now())
        .await
        .unwrap();
    let m = r
        .metrics
        .iter()
        .find(|m| m.name == "measurements" && m.labels.get("database") == Some(&db))
        .unwrap_or_else(|| panic!("measurements of {db} in {:?}", r.metrics));
    assert_eq!(m.value, 2.0, "cpu and iot");
    let sys = metrics::get(&c, req(MetricType::System), Utc::now())
        .await
        .unwrap();
    assert_eq!(sys.source, "/metrics");
    assert!(
        sys.metrics
            .iter()
            .any(|m| m.name == "metric_families_exposed" && m.value > 0.0),
        "{:?}",
        sys.metrics
    );
}
