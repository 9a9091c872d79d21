//! The dashboard tools through rmcp's client over the socket, against the real influxd: an
//! assistant creates a dashboard with a variable and a cell, adds and changes cells, lists
//! them and gets the dashboard back as its definition and as one PNG; the user sees exactly
//! that in core; it annotates a dashboard, lists and removes the annotation; a read-only
//! session reads dashboards but cannot change them.

use influxdesk_core::Actor;
use influxdesk_core::api::dashboards::{self, DashboardReq};
use influxdesk_core::model::AssistantPolicy;
use serde_json::json;

use crate::harness::*;

#[tokio::test]
async fn an_assistant_builds_a_dashboard_the_user_sees() {
    let ctx = ctx();
    let db = unique_db("mcp_dash");
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
    let now = chrono::Utc::now().timestamp();
    let lines: Vec<String> = (1..=20)
        .flat_map(|i| {
            [
                format!("mem,host=a used={} {}000000000", i, now - i * 60),
                format!("mem,host=b used={} {}000000000", 100 + i, now - i * 60),
            ]
        })
        .collect();
    write_lp(&ctx, &db, &lines.join("\n")).await;

    let mcp = connect(&ctx).await;
    let d = mcp
        .ok(
            "create-dashboard",
            json!({
                "name": "Memory",
                "variables": [{"name": "host", "kind": "custom", "values": ["a", "b"]}],
                "cells": [{
                    "title": "Used",
                    "language": "influxql",
                    "query": "SELECT used FROM mem WHERE host = ${host} AND $timeFilter"
                }]
            }),
        )
        .await;
    assert_eq!(d["name"], "Memory");
    let first = d["cells"][0]["id"].as_str().unwrap().to_string();
    let note = mcp
        .ok(
            "add-cell",
            json!({"dashboard": "Memory", "cell": {"kind": "note", "title": "About", "note": "Used **memory** per host"}}),
        )
        .await;
    assert_eq!(
        (note["x"].as_u64(), note["y"].as_u64()),
        (Some(6), Some(0)),
        "placed beside the first"
    );
    let moved = mcp
        .ok(
            "update-cell",
            json!({"dashboard": "Memory", "cell": first, "w": 12, "y": 4, "chart": {"chart_type": "area", "unit": "MB"}}),
        )
        .await;
    assert_eq!(
        (moved["w"].as_u64(), moved["y"].as_u64()),
        (Some(12), Some(4))
    );
    let e = mcp
        .err(
            "update-cell",
            json!({"dashboard": "Memory", "cell": first, "x": 3}),
        )
        .await;
    assert!(e.starts_with("InvalidInput") && e.contains("x + w"), "{e}");
    let e = mcp.err("create-dashboard", json!({"name": "memory"})).await;
    assert!(e.starts_with("Conflict"), "{e}");

    // The user's view of it, in core: what the assistant made.
    let seen = dashboards::get(
        &ctx,
        &Actor::User,
        DashboardReq {
            profile: None,
            dashboard: "Memory".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(seen.cells.len(), 2);
    assert_eq!(seen.cells[0].chart.unit.as_deref(), Some("MB"));

    let list = mcp.ok("list-dashboards", json!({})).await;
    assert_eq!(list["dashboards"][0]["name"], "Memory");
    assert_eq!(list["dashboards"][0]["cells"], 2);

    let r = mcp
        .call(
            "get-dashboard",
            json!({"dashboard": "Memory", "image": true, "values": {"host": "b"}, "width": 900}),
        )
        .await;
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    assert_eq!(
        r.structured_content.as_ref().unwrap()["cells"][0]["title"],
        "Used"
    );
    let png = r
        .content
        .iter()
        .find_map(|c| c.as_image().cloned())
        .expect("the dashboard as an image");
    assert_eq!(png.mime_type, "image/png");
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&png.data)
        .unwrap();
    assert_eq!(&bytes[1..4], b"PNG");
    let t = text(&r);
    assert!(
        t.contains("## Used") && t.contains("20 points, min 101 MB, max 120 MB"),
        "host b's numbers (101..120) in text: {t}"
    );
    let plain = mcp
        .call("get-dashboard", json!({"dashboard": "Memory"}))
        .await;
    assert!(
        !plain.content.iter().any(|c| c.as_image().is_some()),
        "no image unless asked"
    );

    // Annotations: added, listed, removed; the user sees them in core.
    let a = mcp
        .ok(
            "add-annotation",
            json!({"dashboard": "Memory", "time": "2026-11-30T12:00:00+01:00", "text": "deploy v2.3"}),
        )
        .await;
    let anns = a["annotations"].as_array().unwrap();
    assert_eq!(anns.len(), 1);
    assert_eq!(
        (anns[0]["time"].as_str(), anns[0]["text"].as_str()),
        (Some("2026-11-30T11:00:00.000Z"), Some("deploy v2.3")),
        "the time in UTC"
    );
    let id = anns[0]["id"].as_str().unwrap().to_string();
    let listed = mcp
        .ok("list-annotations", json!({"dashboard": "Memory"}))
        .await;
    assert_eq!(listed["annotations"], a["annotations"]);
    let e = mcp
        .err(
            "add-annotation",
            json!({"dashboard": "Memory", "time": "yesterday", "text": "x"}),
        )
        .await;
    assert!(
        e.starts_with("InvalidInput") && e.contains("RFC 3339"),
        "{e}"
    );
    let seen = dashboards::list_annotations(
        &ctx,
        &Actor::User,
        DashboardReq {
            profile: None,
            dashboard: "Memory".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].text, "deploy v2.3");
    let left = mcp
        .ok(
            "remove-annotation",
            json!({"dashboard": "Memory", "annotation": id}),
        )
        .await;
    assert_eq!(left["annotations"], json!([]));
    let e = mcp
        .err(
            "remove-annotation",
            json!({"dashboard": "Memory", "annotation": id}),
        )
        .await;
    assert!(
        e.starts_with("NotFound") && e.contains("It has no annotations"),
        "{e}"
    );

    // A read-only session reads but does not change.
    ctx.set_assistant_read_only(true);
    mcp.ok("list-dashboards", json!({})).await;
    mcp.ok("list-annotations", json!({"dashboard": "Memory"}))
        .await;
    let e = mcp
        .err(
            "add-annotation",
            json!({"dashboard": "Memory", "time": "2026-11-30T12:00:00Z", "text": "x"}),
        )
        .await;
    assert!(e.starts_with("Forbidden"), "{e}");
    let e = mcp
        .err(
            "add-cell",
            json!({"dashboard": "Memory", "cell": {"query": "SELECT 1"}}),
        )
        .await;
    assert!(e.starts_with("Forbidden"), "{e}");
}
