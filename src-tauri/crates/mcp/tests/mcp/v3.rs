//! Every tool through rmcp's client over the socket against a real InfluxDB 3 Core (3.10,
//! auth on, the admin token in the profile): query-data in SQL and InfluxQL, list- and
//! describe-measurement, render-chart, write-metrics, manage-buckets with retention reported
//! back as the server keeps it, get-metrics per database. Skipped with a notice when the
//! `influxdb3` binary is absent (see `influxdesk_testkit::influxdb3`).

use std::sync::Arc;

use base64::Engine as _;
use influxdesk_core::Ctx;
use influxdesk_core::api::profiles;
use influxdesk_core::model::*;
use influxdesk_core::secrets::Secret;
use influxdesk_testkit::influxdb3::{self, Database, Influxdb3};
use serde_json::{Value, json};

use crate::harness::*;

/// A context with an "allow" v3 profile (the admin token when auth is on) on database `db`.
/// The database is reserved for the test (3 Core allows 5) and deleted when `_lease` drops.
async fn setup(s: &Influxdb3, prefix: &str) -> (Arc<Ctx>, String, Database) {
    let ctx = ctx();
    let lease = s.database(prefix).await;
    let db = lease.name.clone();
    profiles::add(
        &ctx,
        &influxdesk_core::Actor::User,
        AddProfileReq {
            fields: ProfileFields {
                name: "core3".into(),
                url: s.url.clone(),
                api: ApiKind::V3,
                database: Some(db.clone()),
                assistant_policy: Some(AssistantPolicy::Allow),
                ..ProfileFields::default()
            },
            secret: s
                .token
                .as_deref()
                .map(|t| SecretChange::Set(Secret::new(t)))
                .unwrap_or_default(),
            activate: true,
        },
    )
    .await
    .unwrap();
    (ctx, db, lease)
}

/// The RFC 3339 time `secs_ago` whole seconds before now.
fn ago(secs_ago: i64) -> String {
    let t = chrono::Utc::now().timestamp() - secs_ago;
    chrono::DateTime::from_timestamp(t, 0)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[tokio::test]
async fn write_metrics_then_query_data_in_sql_and_influxql() {
    let Some(s) = influxdb3::auth() else { return };
    let (ctx, db, _lease) = setup(s, "mcp-exact").await;
    let mcp = connect(&ctx).await;
    let at = ago(60);
    let w = mcp
        .ok(
            "write-metrics",
            json!({
                "bucket": db, "measurement": "cpu", "tags": {"host": "web-1"},
                "fields": {"usage": 0.5, "count": 3, "state": "ok", "up": true},
                "timestamp": at, "precision": "s"
            }),
        )
        .await;
    assert_eq!(w["points"], 1);
    assert_eq!(w["bucket"], db.as_str());

    let q = mcp
        .ok(
            "query-data",
            json!({"query": "SELECT time, count, host, state, up, usage FROM cpu"}),
        )
        .await;
    assert_eq!(q["language"], "sql", "SQL is the v3 profile's language");
    assert_eq!(q["rows"], 1);
    assert_eq!(
        q["tables"][0]["rows"],
        json!([[at, 3.0, "web-1", "ok", true, 0.5]]),
        "the point comes back exactly as written (a JSON number 3 is a float field)"
    );
    assert!(
        q["executed_query"].as_str().unwrap().contains("now()"),
        "an assistant's query gets the last hour: {q}"
    );

    let q = mcp
        .ok(
            "query-data",
            json!({"query": "SELECT usage, host FROM cpu", "language": "influxql"}),
        )
        .await;
    assert_eq!(q["language"], "influxql");
    assert_eq!(q["tables"][0]["name"], "cpu");
    assert_eq!(q["rows"], 1);
    let r = mcp
        .call(
            "query-data",
            json!({"query": "SELECT host, usage FROM cpu", "format": "csv"}),
        )
        .await;
    assert_eq!(
        text(&r),
        "name,host,usage\n,web-1,0.5\n",
        "csv of the SQL result"
    );

    let e = mcp.err("query-data", json!({"query": "SELEC x"})).await;
    assert!(e.starts_with("QuerySyntax: "), "{e}");
}

#[tokio::test]
async fn schema_tools_list_and_describe() {
    let Some(s) = influxdb3::auth() else { return };
    let (ctx, db, _lease) = setup(s, "mcp-schema").await;
    let mcp = connect(&ctx).await;
    mcp.ok(
        "write-metrics",
        json!({"measurement": "cpu", "tags": {"host": "a", "region": "eu"},
               "fields": {"usage": 0.5, "state": "ok", "up": true}}),
    )
    .await;
    write_lp(&ctx, &db, "jobs done=1i").await;
    let m = mcp.ok("list-measurements", json!({})).await;
    assert_eq!(m, json!({"bucket": db, "measurements": ["cpu", "jobs"]}));
    let d = mcp
        .ok(
            "describe-measurement",
            json!({"measurement": "cpu", "bucket": db}),
        )
        .await;
    assert_eq!(
        d,
        json!({
            "bucket": db, "measurement": "cpu", "tag_keys": ["host", "region"],
            "field_keys": [
                {"name": "state", "type": "string"},
                {"name": "up", "type": "boolean"},
                {"name": "usage", "type": "float"}
            ]
        })
    );
    let d = mcp
        .ok("describe-measurement", json!({"measurement": "jobs"}))
        .await;
    assert_eq!(
        d["field_keys"],
        json!([{"name": "done", "type": "integer"}])
    );
    let e = mcp
        .err("describe-measurement", json!({"measurement": "nope"}))
        .await;
    assert!(e.starts_with("NotFound: "), "{e}");
}

#[tokio::test]
async fn render_chart_draws_a_sql_series() {
    let Some(s) = influxdb3::auth() else { return };
    let (ctx, _db, _lease) = setup(s, "mcp-chart").await;
    let mcp = connect(&ctx).await;
    let points: Vec<Value> = (0..10)
        .map(|i| {
            json!({"measurement": "temp", "tags": {"room": "lab"}, "fields": {"v": 20 + i},
                   "timestamp": ago(600 - i * 60)})
        })
        .collect();
    mcp.ok("write-metrics", json!({"points": points})).await;
    let r = mcp
        .call(
            "render-chart",
            json!({"query": "SELECT time, v FROM temp ORDER BY time", "time_range": "1h",
                   "chart_type": "line", "title": "Lab", "width": 640, "height": 320}),
        )
        .await;
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    let image = r
        .content
        .iter()
        .find_map(|c| c.as_image())
        .expect("an image content");
    assert_eq!(image.mime_type, "image/png");
    let png = base64::engine::general_purpose::STANDARD
        .decode(&image.data)
        .unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a real PNG");
    let summary = text(&r);
    assert!(
        summary.contains("10 points, min 20") && summary.contains("max 29"),
        "{summary}"
    );
}

#[tokio::test]
async fn manage_buckets_keeps_the_retention_it_was_given() {
    let Some(s) = influxdb3::auth() else { return };
    let (ctx, _db, _lease) = setup(s, "mcp-buckets").await;
    let mcp = connect(&ctx).await;
    let made = s.database("made").await;
    let name = made.name.clone();
    let r = mcp
        .ok(
            "manage-buckets",
            json!({"action": "create", "bucket_name": name, "retention_period": "7d"}),
        )
        .await;
    assert_eq!(r["bucket"]["name"], name.as_str());
    assert_eq!(
        r["bucket"]["retention"], "7d",
        "reported back as the server keeps it"
    );
    assert_eq!(r["bucket"]["retention_seconds"], 604_800);
    let names = |r: &Value| -> Vec<String> {
        r["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["name"].as_str().unwrap().to_string())
            .collect()
    };
    let list = mcp.ok("manage-buckets", json!({"action": "list"})).await;
    let mine = list["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == name.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("{name} listed: {list}"));
    assert_eq!(mine["retention"], "7d");
    let r = mcp
        .ok(
            "manage-buckets",
            json!({"action": "update", "bucket_name": name, "retention_period": "3h"}),
        )
        .await;
    assert_eq!(r["bucket"]["retention"], "3h");
    mcp.ok(
        "manage-buckets",
        json!({"action": "delete", "bucket_name": name}),
    )
    .await;
    let list = mcp.ok("manage-buckets", json!({"action": "list"})).await;
    assert!(
        !names(&list).iter().any(|n| n.starts_with(&name)),
        "deleted (soft on the server) is not listed: {list}"
    );
    let e = mcp
        .err(
            "manage-buckets",
            json!({"action": "create", "bucket_name": "no_underscores"}),
        )
        .await;
    assert!(
        e.starts_with("InvalidInput: ") && e.contains("hyphens"),
        "{e}"
    );
}

#[tokio::test]
async fn get_metrics_counts_the_database_tables() {
    let Some(s) = influxdb3::auth() else { return };
    let (ctx, db, _lease) = setup(s, "mcp-metrics").await;
    write_lp(&ctx, &db, "cpu,host=a usage=1\nmem,host=a used=2").await;
    let mcp = connect(&ctx).await;
    let r = mcp
        .ok("get-metrics", json!({"metric_type": "database"}))
        .await;
    let m = r["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "measurements" && m["labels"]["database"] == db.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("measurements of {db}: {r}"));
    assert_eq!(m["value"], 2.0, "cpu and mem");
    let r = mcp.ok("get-metrics", json!({})).await;
    assert_eq!(r["source"], "/metrics");
}

#[tokio::test]
async fn a_missing_token_says_to_use_an_admin_token() {
    let Some(s) = influxdb3::auth() else { return };
    let ctx = ctx();
    profiles::add(
        &ctx,
        &influxdesk_core::Actor::User,
        AddProfileReq {
            fields: ProfileFields {
                name: "no-token".into(),
                url: s.url.clone(),
                api: ApiKind::V3,
                database: Some("anything".into()),
                ..ProfileFields::default()
            },
            secret: SecretChange::default(),
            activate: true,
        },
    )
    .await
    .unwrap();
    let mcp = connect(&ctx).await;
    let e = mcp.err("list-measurements", json!({})).await;
    assert!(
        e.starts_with("Unauthorized: ") && e.contains("create token --admin"),
        "{e}"
    );
}
