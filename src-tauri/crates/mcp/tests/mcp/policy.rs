//! The assistant policy as MCP clients meet it: read-only profiles refuse writes and bucket
//! changes with a Forbidden tool error; query tools refuse writing or schema-changing
//! statements in every language before anything reaches the server; "ask" without a window
//! refuses unless the session approves writes; a read-only session overrides the profile.

use std::sync::Arc;

use influxdesk_core::api::policy::Headless;
use influxdesk_core::model::AssistantPolicy;
use serde_json::json;

use crate::harness::*;

async fn databases(ctx: &influxdesk_core::Ctx) -> Vec<String> {
    let r = influxql(ctx, None, "SHOW DATABASES").await;
    r.frames[0].columns[0]
        .values
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_read_only_profile_refuses_writes_and_bucket_changes() {
    let ctx = ctx();
    let db = unique_db("ro");
    profile(
        &ctx,
        "ro",
        &open_server().url,
        &db,
        AssistantPolicy::ReadOnly,
        None,
    )
    .await;
    influxql(&ctx, None, &format!("CREATE DATABASE {db}")).await;
    let mcp = connect(&ctx).await;

    let e = mcp
        .err(
            "write-metrics",
            json!({"measurement": "cpu", "fields": {"v": 1}}),
        )
        .await;
    assert!(
        e.starts_with("Forbidden: ")
            && e.contains(CLIENT)
            && e.contains("read-only")
            && e.contains("Connections > edit"),
        "the refusal names the client, the rule and how to change it: {e}"
    );
    let other = unique_db("ro_new");
    for (args, what) in [
        (json!({"action": "create", "bucket_name": other}), "create"),
        (
            json!({"action": "update", "bucket_name": db, "retention_period": "2h"}),
            "change",
        ),
        (json!({"action": "delete", "bucket_name": db}), "delete"),
    ] {
        let e = mcp.err("manage-buckets", args).await;
        assert!(e.starts_with("Forbidden: ") && e.contains(what), "{e}");
    }
    let dbs = databases(&ctx).await;
    assert!(
        dbs.contains(&db) && !dbs.contains(&other),
        "nothing changed: {dbs:?}"
    );
    let r = influxql(&ctx, Some(&db), "SELECT * FROM cpu").await;
    assert!(r.frames.is_empty(), "nothing was written");

    // Reading still works.
    mcp.ok("manage-buckets", json!({"action": "list"})).await;
    mcp.ok("query-data", json!({"query": "SHOW MEASUREMENTS"}))
        .await;
}

#[tokio::test]
async fn writing_statements_are_refused_in_every_language() {
    let ctx = ctx();
    let db = unique_db("guard");
    profile(
        &ctx,
        "ro",
        &open_server().url,
        &db,
        AssistantPolicy::ReadOnly,
        None,
    )
    .await;
    influxql(&ctx, None, &format!("CREATE DATABASE {db}")).await;
    write_lp(&ctx, &db, "m v=1 1700000000000000000").await;
    let mcp = connect(&ctx).await;
    for (query, language, kind) in [
        (format!("DROP DATABASE {db}"), None, "DROP DATABASE"),
        ("DROP MEASUREMENT m".to_string(), None, "DROP MEASUREMENT m"),
        ("DELETE FROM m".into(), None, "DELETE FROM"),
        ("SELECT v INTO m2 FROM m WHERE time > 0".into(), None, "SELECT ... INTO"),
        (
            "CREATE RETENTION POLICY r ON x DURATION 1d REPLICATION 1".into(),
            None,
            "CREATE RETENTION POLICY r",
        ),
        ("SHOW DATABASES; DROP SERIES FROM m".into(), None, "DROP SERIES"),
        (
            format!("SELECT max(/'|x/) FROM m; DROP DATABASE {db}; SELECT 'x' FROM m"),
            None,
            "DROP DATABASE",
        ),
        (
            format!("from(bucket: \"{db}\") |> range(start: -1h) |> to(bucket: \"copy\")"),
            None,
            "to()",
        ),
        (
            "import \"experimental\"\nfrom(bucket: \"b\") |> range(start: -1h) |> experimental.to(bucket: \"c\")".into(),
            Some("flux"),
            "experimental.to()",
        ),
        ("CREATE TABLE t (a INT)".into(), Some("sql"), "CREATE TABLE t"),
        ("INSERT INTO m (v) VALUES (1)".into(), Some("sql"), "INSERT INTO m"),
        ("SELECT * INTO t2 FROM m".into(), Some("sql"), "SELECT ... INTO"),
    ] {
        let mut args = json!({"query": query});
        if let Some(l) = language {
            args["language"] = json!(l);
        }
        let e = mcp.err("query-data", args).await;
        assert!(
            e.starts_with("Forbidden: query-data only reads") && e.contains(&format!("it has {kind}")),
            "{query}: {e}"
        );
    }
    assert!(databases(&ctx).await.contains(&db), "the database survived");
    let r = influxql(&ctx, Some(&db), "SELECT count(v) FROM m WHERE time > 0").await;
    assert_eq!(rows(&r)[0][1], json!(1), "the data survived");
    let e = mcp
        .err("render-chart", json!({"query": "SELECT v INTO m3 FROM m"}))
        .await;
    assert!(e.starts_with("Forbidden: "), "charts never write: {e}");
    // A read that merely mentions those words passes.
    mcp.ok(
        "query-data",
        json!({"query": "SELECT v FROM m WHERE time > 0 AND \"note\" = 'drop; delete'"}),
    )
    .await;
}

#[tokio::test]
async fn query_data_only_reads_even_when_writes_are_allowed() {
    let ctx = ctx();
    let db = unique_db("allow");
    profile(
        &ctx,
        "rw",
        &open_server().url,
        &db,
        AssistantPolicy::Allow,
        None,
    )
    .await;
    let mcp = connect(&ctx).await;
    let e = mcp
        .err(
            "query-data",
            json!({"query": format!("CREATE DATABASE {db}")}),
        )
        .await;
    assert!(e.starts_with("Forbidden: query-data only reads"), "{e}");
    assert!(!databases(&ctx).await.contains(&db), "nothing was created");
    // Creating a database is manage-buckets' work, which "allow" lets through.
    mcp.ok(
        "manage-buckets",
        json!({"action": "create", "bucket_name": db}),
    )
    .await;
    assert!(databases(&ctx).await.contains(&db), "allow means allow");
}

#[tokio::test]
async fn ask_without_a_window_needs_allow_writes() {
    let ctx = ctx();
    let db = unique_db("ask");
    profile(
        &ctx,
        "ask",
        &open_server().url,
        &db,
        AssistantPolicy::Ask,
        None,
    )
    .await;
    influxql(&ctx, None, &format!("CREATE DATABASE {db}")).await;
    let mcp = connect(&ctx).await;
    let point = json!({"measurement": "cpu", "fields": {"v": 1}});
    let e = mcp.err("write-metrics", point.clone()).await;
    assert!(
        e.starts_with("Forbidden: ") && e.contains("--allow-writes"),
        "headless ask refuses and says how to approve: {e}"
    );
    ctx.set_approver(Arc::new(Headless { allow_writes: true }));
    mcp.ok("write-metrics", point.clone()).await;

    ctx.set_assistant_read_only(true);
    let e = mcp.err("write-metrics", point).await;
    assert!(
        e.starts_with("Forbidden: ") && e.contains("--read-only"),
        "{e}"
    );
    let e = mcp
        .err(
            "query-data",
            json!({"query": format!("DROP DATABASE {db}")}),
        )
        .await;
    assert!(e.starts_with("Forbidden: "), "{e}");
}

/// "Allow writes, ask for admin": points go in, database changes wait for an approval that a
/// headless session without --allow-writes never gives; reads can be turned off on their own.
#[tokio::test]
async fn reads_writes_and_administration_have_separate_levels() {
    use influxdesk_core::api::profiles;
    use influxdesk_core::model::{ProfileFields, ReadPolicy, UpdateProfileReq};
    let ctx = ctx();
    let db = unique_db("levels");
    let p = profile(
        &ctx,
        "levels",
        &open_server().url,
        &db,
        AssistantPolicy::Allow,
        None,
    )
    .await;
    let edit = |fields: ProfileFields| UpdateProfileReq {
        profile: p.id.clone(),
        fields,
        secret: Default::default(),
    };
    profiles::update(
        &ctx,
        &influxdesk_core::Actor::User,
        edit(ProfileFields {
            assistant_admin: Some(AssistantPolicy::Ask),
            ..p.fields()
        }),
    )
    .await
    .unwrap();
    influxql(&ctx, None, &format!("CREATE DATABASE {db}")).await;
    let mcp = connect(&ctx).await;

    mcp.ok(
        "write-metrics",
        json!({"measurement": "cpu", "fields": {"v": 1}, "timestamp": "2024-01-01T00:00:00Z"}),
    )
    .await;
    let other = unique_db("levels_new");
    let e = mcp
        .err(
            "manage-buckets",
            json!({"action": "create", "bucket_name": other}),
        )
        .await;
    assert!(
        e.starts_with("Forbidden: ") && e.contains("administration"),
        "{e}"
    );
    assert!(!databases(&ctx).await.contains(&other));
    let r = influxql(&ctx, Some(&db), "SELECT count(v) FROM cpu").await;
    assert_eq!(rows(&r)[0][1], json!(1), "the write landed");

    // Reads off: every reading tool is refused, nothing else changes.
    let current = profiles::list(&ctx).await.unwrap().profiles;
    let now = current.iter().find(|x| x.id == p.id).unwrap();
    profiles::update(
        &ctx,
        &influxdesk_core::Actor::User,
        edit(ProfileFields {
            assistant_read: Some(ReadPolicy::Off),
            ..now.fields()
        }),
    )
    .await
    .unwrap();
    for (tool, args) in [
        (
            "query-data",
            json!({"query": "SELECT * FROM cpu", "time_range": "30000d"}),
        ),
        ("list-measurements", json!({})),
        ("get-metrics", json!({"metric_type": "database"})),
    ] {
        let e = mcp.err(tool, args).await;
        assert!(
            e.starts_with("Forbidden: ") && e.contains("read"),
            "{tool}: {e}"
        );
    }
}
