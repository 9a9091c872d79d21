//! `list-queries`, `kill-query` and `delete-data` through rmcp's client over the socket,
//! against the real influxd: a query held open by a client (testkit's `held_query`) is listed
//! and killed, and its client gets "query interrupted"; `delete-data` is a dry run unless told
//! otherwise, counts exactly, deletes under an allowing policy and is refused under a
//! read-only session (the dry run still answers there).

use std::time::Duration;

use influxdesk_core::model::AssistantPolicy;
use influxdesk_testkit::held_query::HeldQuery;
use serde_json::json;

use crate::harness::*;

#[tokio::test]
async fn a_held_query_is_listed_and_killed_by_the_assistant() {
    let ctx = ctx();
    let db = unique_db("mcp_kill");
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
    let pad = "x".repeat(200);
    for batch in 0..5i64 {
        let lines: Vec<String> = (0..10_000i64)
            .map(|i| {
                let n = batch * 10_000 + i;
                format!(
                    "big s=\"{pad}\",v={n}i {}",
                    (1_600_000_000 + n) * 1_000_000_000
                )
            })
            .collect();
        write_lp(&ctx, &db, &lines.join("\n")).await;
    }
    let mcp = connect(&ctx).await;
    let held = HeldQuery::start(&open_server().url, &db, "SELECT * FROM big").await;
    let mut id = None;
    for _ in 0..200 {
        let r = mcp.ok("list-queries", json!({})).await;
        if let Some(q) = r["queries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["database"] == db.as_str() && q["query"] == "SELECT * FROM big")
        {
            id = q["id"].as_str().map(str::to_string);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let id = id.expect("list-queries shows the held query");
    let r = mcp.ok("kill-query", json!({"id": id})).await;
    assert_eq!(r["killed"]["id"], id.as_str());
    assert!(held.finish().await.contains("query interrupted"));
    let e = mcp.err("kill-query", json!({"id": "x"})).await;
    assert!(e.starts_with("InvalidInput"), "{e}");
}

#[tokio::test]
async fn delete_data_is_a_dry_run_first_and_follows_the_policy() {
    let ctx = ctx();
    let db = unique_db("mcp_del");
    profile(
        &ctx,
        "local",
        &open_server().url,
        &db,
        AssistantPolicy::Allow,
        None,
    )
    .await;
    // Read-only first (as `influxdesk mcp --read-only`), then the profile's "allow".
    ctx.set_assistant_read_only(true);
    influxql(&ctx, None, &format!("CREATE DATABASE {db}")).await;
    let lines: Vec<String> = (0..6i64)
        .map(|i| {
            format!(
                "cpu,host={} v={i} {}",
                if i < 4 { "a" } else { "b" },
                i * 1_000_000_000
            )
        })
        .collect();
    write_lp(&ctx, &db, &lines.join("\n")).await;
    let mcp = connect(&ctx).await;
    let args = json!({"measurement": "cpu", "predicate": "host = \"a\""});
    let dry = mcp.ok("delete-data", args.clone()).await;
    assert_eq!(dry["deleted"], false, "a dry run unless told otherwise");
    assert_eq!(
        (dry["series"].as_u64(), dry["points"].as_u64()),
        (Some(1), Some(4))
    );
    assert_eq!(
        dry["statements"][0],
        "DROP SERIES FROM \"cpu\" WHERE \"host\" = 'a'"
    );
    let mut go = args.clone();
    go["dry_run"] = json!(false);
    let e = mcp.err("delete-data", go.clone()).await;
    assert!(e.starts_with("Forbidden"), "{e}");
    let e = mcp
        .err(
            "delete-data",
            json!({"measurement": "cpu", "predicate": "v = \"1\""}),
        )
        .await;
    assert!(
        e.starts_with("InvalidInput") && e.contains("not a tag"),
        "{e}"
    );

    ctx.set_assistant_read_only(false);
    let done = mcp.ok("delete-data", go).await;
    assert_eq!(done["deleted"], true);
    let left = influxql(&ctx, Some(&db), "SELECT count(v) FROM cpu GROUP BY host").await;
    let hosts: Vec<_> = left.frames.iter().map(|f| f.tags["host"].clone()).collect();
    assert_eq!(hosts, ["b"], "host a's series went, b's stayed");
}

#[tokio::test]
async fn health_check_reports_the_server() {
    let ctx = ctx();
    let db = unique_db("mcp_health");
    profile(
        &ctx,
        "local",
        &open_server().url,
        &db,
        AssistantPolicy::ReadOnly,
        None,
    )
    .await;
    let mcp = connect(&ctx).await;
    let r = mcp.ok("health-check", json!({})).await;
    assert_eq!(
        (r["reachable"].as_bool(), r["auth_ok"].as_bool()),
        (Some(true), Some(true)),
        "{r}"
    );
    assert_eq!(r["api"], "v1");
    assert!(r["version"].as_str().unwrap().starts_with("1.6"), "{r}");
    assert!(r["latency_ms"].as_f64().is_some(), "{r}");
}

/// `investigate-database` on the real influxd: the measurements it holds, their tags and
/// typed fields, and their newest rows when asked; bad bounds are InvalidInput.
#[tokio::test]
async fn investigate_database_describes_what_is_there() {
    let ctx = ctx();
    let db = unique_db("mcp_investigate");
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
    // Nanoseconds: what write_lp sends.
    let now = chrono::Utc::now().timestamp() * 1_000_000_000;
    write_lp(
        &ctx,
        &db,
        &format!(
            "cpu,host=a usage=1.5,cores=4i {}\ncpu,host=b usage=2.5,cores=8i {}\n\
             disk,path=/ used=10i,label=\"root\" {}",
            now - 20_000_000_000,
            now - 10_000_000_000,
            now - 5_000_000_000
        ),
    )
    .await;
    let mcp = connect(&ctx).await;
    let r = mcp
        .ok("investigate-database", json!({"sample_rows": 2}))
        .await;
    assert_eq!(r["database"], json!(db));
    assert_eq!(r["language"], "influxql");
    assert_eq!(r["total_measurements"], 2, "{r:#}");
    let cpu = &r["measurements"][0];
    assert_eq!(cpu["name"], "cpu");
    assert_eq!(cpu["tags"], json!(["host"]));
    let fields: Vec<(String, String)> = cpu["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().into(),
                f["kind"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        fields.contains(&("cores".into(), "integer".into())),
        "{fields:?}"
    );
    assert!(
        fields.contains(&("usage".into(), "float".into())),
        "{fields:?}"
    );
    let recent = cpu["recent"].as_array().unwrap();
    assert_eq!(recent.len(), 2, "{r:#}");
    assert_eq!(recent[0]["usage"], json!(2.5), "newest first: {r:#}");
    assert_eq!(r["measurements"][1]["fields"][0]["name"], "label");

    let small = mcp
        .ok("investigate-database", json!({"max_measurements": 1}))
        .await;
    assert_eq!(
        (
            small["left_out"].as_u64(),
            small["measurements"][0]["recent"].as_array().map(Vec::len)
        ),
        (Some(1), Some(0))
    );
    let e = mcp
        .err("investigate-database", json!({"sample_rows": 1000}))
        .await;
    assert!(
        e.starts_with("InvalidInput") && e.contains("at most 20"),
        "{e}"
    );
}
