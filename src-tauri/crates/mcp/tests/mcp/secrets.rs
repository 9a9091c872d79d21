//! No secret in anything an assistant sees: against an auth-on influxd with a password
//! profile, every tool (success and failure), every resource and every prompt is scanned for
//! the password.

use influxdesk_core::model::AssistantPolicy;
use rmcp::model::{GetPromptRequestParams, ReadResourceRequestParams};
use serde_json::json;

use crate::harness::*;

#[tokio::test]
async fn no_password_in_any_tool_result_resource_or_prompt() {
    let ctx = ctx();
    let server = auth_server();
    let db = unique_db("secret");
    profile(
        &ctx,
        "secure",
        &server.url,
        &db,
        AssistantPolicy::Allow,
        Some((ADMIN_USER, ADMIN_PASSWORD)),
    )
    .await;
    influxql(&ctx, None, &format!("CREATE DATABASE {db}")).await;
    let mcp = connect(&ctx).await;
    let mut seen = Vec::new();

    let calls = [
        (
            "write-metrics",
            json!({"measurement": "cpu", "tags": {"host": "a"}, "fields": {"v": 1.5}}),
        ),
        (
            "write-metrics",
            json!({"measurement": "cpu", "fields": {"v": "text"}}),
        ),
        ("query-data", json!({"query": "SELECT * FROM cpu"})),
        (
            "query-data",
            json!({"query": "SELECT * FROM cpu", "format": "csv"}),
        ),
        (
            "query-data",
            json!({"query": "SHOW USERS", "format": "table"}),
        ),
        ("query-data", json!({"query": "SELEC nonsense"})),
        ("manage-buckets", json!({"action": "list"})),
        (
            "manage-buckets",
            json!({"action": "create", "bucket_name": unique_db("s")}),
        ),
        (
            "manage-buckets",
            json!({"action": "delete", "bucket_name": "no_such_db_x"}),
        ),
        ("list-measurements", json!({})),
        ("describe-measurement", json!({"measurement": "cpu"})),
        ("describe-measurement", json!({"measurement": "nope"})),
        (
            "render-chart",
            json!({"query": "SELECT v FROM cpu", "chart_type": "table"}),
        ),
    ];
    for (tool, args) in calls {
        let r = mcp.call(tool, args).await;
        seen.push(serde_json::to_string(&r).unwrap());
    }
    // A wrong password must not echo the right one, nor itself.
    let wrong = ctx_with_wrong_password(&server.url, &db).await;
    let r = wrong
        .call("query-data", json!({"query": "SHOW DATABASES"}))
        .await;
    assert_eq!(r.is_error, Some(true), "a wrong password fails");
    assert!(text(&r).starts_with("Unauthorized: "), "{}", text(&r));
    assert!(!text(&r).contains("wrong-pw-31d"), "{}", text(&r));
    seen.push(serde_json::to_string(&r).unwrap());

    for uri in ["influxdesk://connection", "influxdesk://buckets"] {
        let r = mcp
            .client
            .read_resource(ReadResourceRequestParams::new(uri))
            .await
            .unwrap();
        seen.push(serde_json::to_string(&r).unwrap());
    }
    for p in ["query-help", "line-protocol-guide"] {
        let r = mcp
            .client
            .get_prompt(GetPromptRequestParams::new(p))
            .await
            .unwrap();
        seen.push(serde_json::to_string(&r).unwrap());
    }
    seen.push(serde_json::to_string(&mcp.client.list_all_tools().await.unwrap()).unwrap());

    assert!(seen.len() > 15, "everything was scanned");
    for s in &seen {
        assert!(!s.contains(ADMIN_PASSWORD), "the password leaked: {s}");
    }
    let connection = &seen[seen.len() - 5];
    assert!(
        connection.contains(ADMIN_USER) && connection.contains("secure"),
        "the connection resource is the real profile: {connection}"
    );
}

async fn ctx_with_wrong_password(url: &str, db: &str) -> Mcp {
    let ctx = ctx();
    profile(
        &ctx,
        "wrong",
        url,
        db,
        AssistantPolicy::ReadOnly,
        Some((ADMIN_USER, "wrong-pw-31d")),
    )
    .await;
    connect(&ctx).await
}
