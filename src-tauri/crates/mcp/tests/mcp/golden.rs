//! `tools/list` is the contract with every MCP client: it is compared with a reviewed golden
//! file, so a change to a tool's name, schema or annotations shows up as a diff. Accept a
//! deliberate change with `UPDATE_GOLDEN=1 cargo test -p influxdesk-mcp --test mcp golden`.

use std::path::PathBuf;

use crate::harness::*;

#[tokio::test]
async fn tools_list_matches_the_golden_file() {
    let mcp = connect(&ctx()).await;
    let tools = mcp.client.list_all_tools().await.unwrap();
    let got = serde_json::to_string_pretty(&tools).unwrap() + "\n";
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/tools_list.json");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .expect("the golden file exists (create it with UPDATE_GOLDEN=1)");
    assert!(
        got == want,
        "tools/list changed; review the diff and accept it with UPDATE_GOLDEN=1:\n{got}"
    );
}

/// A tool's name and its read-only, destructive, idempotent and open-world hints.
type Hints = (
    String,
    Option<bool>,
    Option<bool>,
    Option<bool>,
    Option<bool>,
);

#[tokio::test]
async fn tool_names_and_annotations_are_the_seeds_and_honest() {
    let mcp = connect(&ctx()).await;
    let tools = mcp.client.list_all_tools().await.unwrap();
    let table: Vec<Hints> = tools
        .iter()
        .map(|t| {
            let a = t.annotations.clone().expect("every tool is annotated");
            (
                t.name.to_string(),
                a.read_only_hint,
                a.destructive_hint,
                a.idempotent_hint,
                a.open_world_hint,
            )
        })
        .collect();
    let s = |n: &str| n.to_string();
    let (t, f) = (Some(true), Some(false));
    assert_eq!(
        table,
        vec![
            // A note kept in a dashboard influxdesk keeps; the same call twice adds two.
            (s("add-annotation"), f, f, f, f),
            // Adds a cell to a dashboard influxdesk keeps (nothing on the server).
            (s("add-cell"), f, f, f, f),
            // Runs the rule's read-only query over past windows.
            (s("backtest-alert"), t, f, t, f),
            // Adds a rule; its notifications go to webhook/Slack URLs outside.
            (s("create-alerts"), f, f, f, t),
            // A new dashboard kept by influxdesk; the same name twice is a conflict.
            (s("create-dashboard"), f, f, f, f),
            // Removes rules; their recorded history stays.
            (s("delete-alerts"), f, t, t, f),
            // Deletes points or whole measurements (a dry run unless told otherwise); the same
            // delete twice removes nothing more.
            (s("delete-data"), f, t, t, f),
            (s("describe-measurement"), t, f, t, f),
            // Reads the definition; with image it runs the cells' read-only queries.
            (s("get-dashboard"), t, f, t, f),
            (s("get-metrics"), t, f, t, f),
            (s("health-check"), t, f, t, f),
            (s("investigate-database"), t, f, t, f),
            // Stops another client's query; a second kill finds nothing to stop (NotFound).
            (s("kill-query"), f, t, f, f),
            (s("list-alerts"), t, f, t, f),
            (s("list-annotations"), t, f, t, f),
            (s("list-dashboards"), t, f, t, f),
            (s("list-measurements"), t, f, t, f),
            (s("list-queries"), t, f, t, f),
            // A 2.x server's checks and notification rules, read only.
            (s("list-server-alerts"), t, f, t, f),
            // Deletes databases and all their data.
            (s("manage-buckets"), f, t, f, f),
            // Creates/drops retention policies and continuous queries, runs tasks.
            (s("manage-downsampling"), f, t, f, f),
            // Deletes tokens (whatever uses them stops working); create is refused.
            (s("manage-tokens"), f, t, f, f),
            // Drops users and revokes privileges.
            (s("manage-users"), f, t, f, f),
            // Only reads, under every policy (the statement classifier refuses the rest).
            (s("query-data"), t, f, t, f),
            // Removes a note from a dashboard; a second remove finds nothing (NotFound).
            (s("remove-annotation"), f, t, f, f),
            (s("render-chart"), t, f, t, f),
            // Really sends a notification to the alert's channels (webhooks outside).
            (s("test-alert-channel"), f, f, f, t),
            // Adds points. Not idempotent: a point without a timestamp gets the server's
            // clock, so a resend stores it again (only timestamped points replace values).
            // Sets the given fields of a cell: the same call twice leaves the same cell.
            (s("update-cell"), f, f, t, f),
            (s("write-metrics"), f, f, f, f),
        ]
    );
    for t in &tools {
        let data = [
            "query-data",
            "backtest-alert",
            "write-metrics",
            "manage-buckets",
            "manage-downsampling",
            "list-measurements",
            "describe-measurement",
            "create-alerts",
            "list-alerts",
            "delete-alerts",
            "test-alert-channel",
            "list-server-alerts",
            "get-metrics",
            "manage-users",
            "manage-tokens",
            "list-queries",
            "kill-query",
            "delete-data",
            "health-check",
            "investigate-database",
            "list-dashboards",
            "create-dashboard",
            "add-cell",
            "update-cell",
            "list-annotations",
            "add-annotation",
            "remove-annotation",
        ];
        assert_eq!(
            t.output_schema.is_some(),
            data.contains(&t.name.as_ref()),
            "{}: structured output where the result is data",
            t.name
        );
    }
    let seed = |tool: &str, params: &[&str]| {
        let t = tools.iter().find(|t| t.name == tool).unwrap();
        let props = t.input_schema["properties"].as_object().unwrap();
        for p in params {
            assert!(
                props.contains_key(*p),
                "{tool} keeps the seed's parameter {p}"
            );
        }
    };
    seed(
        "write-metrics",
        &[
            "bucket",
            "measurement",
            "tags",
            "fields",
            "timestamp",
            "precision",
            "points",
        ],
    );
    seed(
        "query-data",
        &[
            "query",
            "bucket",
            "time_range",
            "format",
            "language",
            "limit",
        ],
    );
    seed(
        "manage-buckets",
        &["action", "bucket_name", "retention_period", "description"],
    );
    seed(
        "create-alerts",
        &["alert_name", "query", "threshold", "notification"],
    );
    let create = tools.iter().find(|t| t.name == "create-alerts").unwrap();
    let defs = &create.input_schema["$defs"];
    for (def, props) in [
        ("ThresholdParams", ["operator", "value", "type"]),
        ("NotificationParams", ["channels", "message", "severity"]),
    ] {
        for p in props {
            assert!(
                defs[def]["properties"].get(p).is_some(),
                "create-alerts keeps the seed's {def}.{p}: {defs}"
            );
        }
    }
    seed("get-metrics", &["metric_type", "time_range"]);
}
