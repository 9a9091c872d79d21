//! The activity log: every tool call through rmcp's client lands in core's log (and its
//! `mcp.call` event) with the client's name, the tool, a secret-free argument summary, the
//! duration, rows or points, and the outcome with its error code.

use influxdesk_core::api::activity::{self, Outcome};
use influxdesk_core::model::{AssistantPolicy, QueryLanguage};
use serde_json::json;

use crate::harness::*;

#[tokio::test]
async fn every_tool_call_is_logged_without_secrets() {
    let ctx = ctx();
    let server = open_server();
    let db = unique_db("activity");
    profile(&ctx, "act", &server.url, &db, AssistantPolicy::Allow, None).await;
    influxql(&ctx, None, &format!("CREATE DATABASE {db}")).await;
    let mut events = ctx.subscribe();
    let mcp = connect(&ctx).await;

    mcp.ok(
        "write-metrics",
        json!({"measurement": "cpu", "tags": {"host": "a"}, "fields": {"v": 1.5},
               "points": [{"measurement": "cpu", "tags": {"host": "b"}, "fields": {"v": 2.5}}]}),
    )
    .await;
    mcp.ok("query-data", json!({"query": "SELECT v FROM cpu"}))
        .await;
    mcp.err("query-data", json!({"query": "SELEC nonsense"}))
        .await;
    let secret = "hooks-s3cret-7f1e";
    mcp.call(
        "create-alerts",
        json!({"alert_name": "x", "query": "SELECT last(v) FROM cpu",
               "threshold": {"operator": "greater", "value": 5, "type": "threshold"},
               "notification": {"channels": [format!("slack:https://hooks.slack.test/{secret}")]},
               "token": secret}),
    )
    .await;

    let log = activity::list(&ctx);
    let tools: Vec<&str> = log.iter().map(|e| e.tool.as_str()).collect();
    assert_eq!(
        tools,
        ["write-metrics", "query-data", "query-data", "create-alerts"],
        "one entry per call, oldest first"
    );
    assert!(
        log.iter().all(|e| e.client == CLIENT),
        "the client's name from initialize"
    );
    assert_eq!(log[0].rows, Some(2), "write-metrics counts its points");
    assert_eq!(log[0].outcome, Outcome::Ok);
    assert_eq!(log[0].query, None, "only query tools carry a query");

    let q = &log[1];
    assert_eq!(q.rows, Some(2), "query-data counts its rows");
    assert_eq!(q.outcome, Outcome::Ok);
    assert_eq!(q.query.as_deref(), Some("SELECT v FROM cpu"));
    assert_eq!(
        q.language,
        Some(QueryLanguage::Influxql),
        "the language it ran in, for Open in Explore"
    );
    assert!(q.duration_ms > 0.0, "timed: {}", q.duration_ms);
    assert!(
        q.args_summary.contains("query=SELECT v FROM cpu"),
        "{}",
        q.args_summary
    );
    match &log[2].outcome {
        Outcome::Error { code, message } => {
            assert_eq!(code.as_deref(), Some("QuerySyntax"), "{message}");
            assert!(!message.is_empty());
        }
        other => panic!("a failed query is an error: {other:?}"),
    }
    assert_eq!(log[2].rows, None);

    let everything = serde_json::to_string(&log).unwrap();
    assert!(
        !everything.contains(secret),
        "no webhook secret or token in the log: {everything}"
    );

    let mut seen = Vec::new();
    while let Ok(ev) = events.try_recv() {
        if ev.action == "mcp.call" {
            seen.push(ev.activity.expect("mcp.call events carry the entry"));
        }
    }
    assert_eq!(seen, log, "each entry is announced as it is logged");
}
