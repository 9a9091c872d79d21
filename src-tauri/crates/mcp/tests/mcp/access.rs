//! `manage-users` and `manage-tokens` through rmcp's client against the real influxd 1.6.7
//! with auth on: an assistant lists, creates (with a password nobody is told), grants, revokes
//! and drops users under the allow policy; read-only refuses; no password reaches a result, and
//! token creation is refused with where the user does it instead.

use influxdesk_core::model::AssistantPolicy;
use serde_json::json;

use crate::harness::{
    ADMIN_PASSWORD, ADMIN_USER, auth_server, connect, ctx, influxql, profile, unique_db,
};

#[tokio::test]
async fn an_assistant_manages_users_and_grants_but_never_sees_a_password() {
    let s = auth_server();
    let c = ctx();
    let db = unique_db("mcpacc");
    profile(
        &c,
        "admin",
        &s.url,
        &db,
        AssistantPolicy::Allow,
        Some((ADMIN_USER, ADMIN_PASSWORD)),
    )
    .await;
    influxql(&c, None, &format!("CREATE DATABASE \"{db}\"")).await;
    let mcp = connect(&c).await;
    let name = unique_db("bot_user");

    let r = mcp
        .ok("manage-users", json!({"action": "create", "name": name}))
        .await;
    assert_eq!(r["user"]["name"], name.as_str());
    assert_eq!(r["user"]["admin"], false);
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("influxdesk user passwd"),
        "{r}"
    );
    let r = mcp
        .ok(
            "manage-users",
            json!({"action": "grant", "name": name, "database": db, "privilege": "read"}),
        )
        .await;
    assert_eq!(
        r["user"]["grants"],
        json!([{"database": db, "privilege": "read"}])
    );
    let r = mcp.ok("manage-users", json!({"action": "list"})).await;
    let me = r["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == name.as_str())
        .cloned()
        .expect("listed");
    assert_eq!(me["grants"][0]["privilege"], "read");
    assert!(!r.to_string().contains(ADMIN_PASSWORD));

    let e = mcp
        .err(
            "manage-users",
            json!({"action": "grant", "name": name, "database": "no_such_db_q", "privilege": "write"}),
        )
        .await;
    assert!(e.starts_with("NotFound:"), "{e}");
    let e = mcp
        .err("manage-users", json!({"action": "grant", "name": name}))
        .await;
    assert!(
        e.starts_with("InvalidInput:") && e.contains("database"),
        "{e}"
    );

    let r = mcp
        .ok(
            "manage-users",
            json!({"action": "revoke", "name": name, "database": db, "privilege": "read"}),
        )
        .await;
    assert_eq!(r["user"]["grants"], json!([]));
    let r = mcp
        .ok(
            "manage-users",
            json!({"action": "set_admin", "name": name, "admin": true}),
        )
        .await;
    assert_eq!(r["user"]["admin"], true);
    mcp.ok("manage-users", json!({"action": "delete", "name": name}))
        .await;
    let r = mcp.ok("manage-users", json!({"action": "list"})).await;
    assert!(
        !r["users"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["name"] == name.as_str())
    );

    // Tokens: 1.x has none (it says so), and creating one is refused on every server.
    let e = mcp.err("manage-tokens", json!({"action": "list"})).await;
    assert!(e.starts_with("InvalidInput:") && e.contains("users"), "{e}");
    let e = mcp.err("manage-tokens", json!({"action": "create"})).await;
    assert!(
        e.starts_with("Forbidden:") && e.contains("influxdesk token create"),
        "{e}"
    );
}

#[tokio::test]
async fn read_only_refuses_user_changes_and_changes_nothing() {
    let s = auth_server();
    let c = ctx();
    let db = unique_db("mcpro");
    profile(
        &c,
        "admin",
        &s.url,
        &db,
        AssistantPolicy::ReadOnly,
        Some((ADMIN_USER, ADMIN_PASSWORD)),
    )
    .await;
    let mcp = connect(&c).await;
    let name = unique_db("refused_user");
    let e = mcp
        .err("manage-users", json!({"action": "create", "name": name}))
        .await;
    assert!(e.starts_with("Forbidden:"), "{e}");
    let r = mcp.ok("manage-users", json!({"action": "list"})).await;
    assert!(
        !r["users"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["name"] == name.as_str()),
        "read-only: nothing created"
    );
}
