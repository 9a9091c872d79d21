//! `manage-buckets` (update, notes for what 1.x cannot store, retention policies) and
//! `manage-downsampling` (downsample preview and run, continuous queries) through rmcp's client
//! against the real influxd.

use std::sync::Arc;

use influxdesk_core::Ctx;
use influxdesk_core::model::AssistantPolicy;
use serde_json::{Value, json};

use crate::harness::*;

async fn setup(prefix: &str) -> (Arc<Ctx>, String) {
    let ctx = ctx();
    let db = unique_db(prefix);
    profile(
        &ctx,
        "local",
        &open_server().url,
        &db,
        AssistantPolicy::Allow,
        None,
    )
    .await;
    influxql(&ctx, None, &format!("CREATE DATABASE {db}")).await;
    (ctx, db)
}

#[tokio::test]
async fn manage_buckets_reports_a_description_and_manages_retention_policies() {
    let (ctx, db) = setup("mcp_rp").await;
    let mcp = connect(&ctx).await;
    let name = unique_db("mcp_desc");
    let r = mcp
        .ok(
            "manage-buckets",
            json!({"action": "create", "bucket_name": name, "retention_period": "7d",
                   "description": "from the seed's schema"}),
        )
        .await;
    assert_eq!(r["bucket"]["retention"], "7d");
    assert_eq!(
        r["notes"],
        json!(["InfluxDB 1.x databases have no description; ignored"]),
        "reported, not refused: {r}"
    );
    let r = mcp
        .ok(
            "manage-buckets",
            json!({"action": "update", "bucket_name": name, "retention_period": "14d",
                   "shard_group_duration": "2d"}),
        )
        .await;
    assert_eq!(
        (
            &r["bucket"]["retention"],
            &r["bucket"]["shard_group_duration"]
        ),
        (&json!("14d"), &json!("2d"))
    );

    let r = mcp
        .ok(
            "manage-buckets",
            json!({"action": "create_retention_policy", "bucket_name": db,
                   "retention_policy": "a_year", "retention_period": "52w"}),
        )
        .await;
    assert_eq!(r["retention_policy"]["duration"], "364d");
    let r = mcp
        .ok(
            "manage-buckets",
            json!({"action": "list_retention_policies", "bucket_name": db}),
        )
        .await;
    let names: Vec<&str> = r["retention_policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["autogen", "a_year"]);
    let r = mcp
        .ok(
            "manage-buckets",
            json!({"action": "delete_retention_policy", "bucket_name": db,
                   "retention_policy": "a_year"}),
        )
        .await;
    assert_eq!(r["deleted"], "a_year");
    let e = mcp
        .err(
            "manage-buckets",
            json!({"action": "create_retention_policy", "bucket_name": db}),
        )
        .await;
    assert!(
        e.starts_with("InvalidInput: ") && e.contains("retention_policy"),
        "{e}"
    );
    mcp.ok(
        "manage-buckets",
        json!({"action": "delete", "bucket_name": name}),
    )
    .await;
}

#[tokio::test]
async fn manage_downsampling_previews_then_creates_the_policy_and_the_cq() {
    let (ctx, db) = setup("mcp_ds").await;
    let mcp = connect(&ctx).await;
    let args = json!({"action": "downsample", "database": db, "measurement": "cpu",
                      "fields": ["usage"], "aggregate": "max", "every": "10m", "keep": "30d",
                      "preview": true});
    let r = mcp.ok("manage-downsampling", args.clone()).await;
    let plan = &r["plan"];
    assert_eq!(plan["executed"], false);
    assert_eq!(
        plan["statements"],
        json!([
            format!(
                "CREATE RETENTION POLICY \"keep_30d\" ON \"{db}\" DURATION 2592000s REPLICATION 1"
            ),
            format!(
                "CREATE CONTINUOUS QUERY \"cpu_max_10m\" ON \"{db}\" BEGIN SELECT max(\"usage\") AS \"usage\" INTO \"{db}\".\"keep_30d\".\"cpu\" FROM \"{db}\".\"autogen\".\"cpu\" GROUP BY time(10m), * END"
            ),
        ])
    );
    let mut run = args;
    run["preview"] = json!(false);
    let r = mcp.ok("manage-downsampling", run).await;
    assert_eq!(r["plan"]["executed"], true);
    let r = mcp
        .ok(
            "manage-downsampling",
            json!({"action": "list", "database": db}),
        )
        .await;
    let cqs: &Value = &r["continuous_queries"];
    assert_eq!(cqs[0]["name"], "cpu_max_10m", "{r}");
    let e = mcp
        .err("manage-downsampling", json!({"action": "list_tasks"}))
        .await;
    assert!(e.contains("InfluxDB 2.x only"), "{e}");
    let r = mcp
        .ok(
            "manage-downsampling",
            json!({"action": "drop", "database": db, "name": "cpu_max_10m"}),
        )
        .await;
    assert_eq!(r["dropped"], "cpu_max_10m");
}
