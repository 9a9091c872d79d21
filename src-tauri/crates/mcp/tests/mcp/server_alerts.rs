//! `list-server-alerts` through rmcp's client, as a contract test against the v2 OSS spec (no
//! 2.x server exists here): a 2.x connection's checks and notification rules come back as
//! structured data with their state and last run, read-only; on a 1.x connection the tool
//! fails with what the server has instead.

use influxdesk_core::Actor;
use influxdesk_core::api::profiles;
use influxdesk_core::model::*;
use influxdesk_core::secrets::Secret;
use influxdesk_testkit::spec_stub::{Spec, SpecStub};
use serde_json::json;

use crate::harness::*;

const ORG_ID: &str = "9f8e7d6c5b4a3928";

#[tokio::test]
async fn server_checks_and_rules_are_listed_through_the_tool_contract() {
    let stub = SpecStub::start(Spec::V2).await;
    let c = ctx();
    profiles::add(
        &c,
        &Actor::User,
        AddProfileReq {
            fields: ProfileFields {
                name: "v2".into(),
                url: stub.url(),
                api: ApiKind::V2,
                org: Some("acme".into()),
                ..ProfileFields::default()
            },
            secret: SecretChange::Set(Secret::new("server-alerts-token")),
            activate: true,
        },
    )
    .await
    .unwrap();
    stub.respond(
        "GET",
        "/api/v2/orgs",
        200,
        "application/json",
        json!({"orgs": [{"id": ORG_ID, "name": "acme"}]}).to_string(),
    );
    let query = json!({"text": "from(bucket: \"telegraf\") |> range(start: -1m)"});
    stub.respond(
        "GET",
        "/api/v2/checks",
        200,
        "application/json",
        json!({"checks": [
            {"id": "0a0b0c0d0e0f0001", "orgID": ORG_ID, "name": "mem used", "type": "threshold",
             "query": query, "status": "active", "every": "1m",
             "thresholds": [{"type": "greater", "level": "CRIT", "value": 90.0}],
             "lastRunStatus": "success", "latestCompleted": "2026-11-30T09:00:00Z"}
        ]})
        .to_string(),
    );
    stub.respond(
        "GET",
        "/api/v2/notificationRules",
        200,
        "application/json",
        json!({"notificationRules": [
            {"id": "0a0b0c0d0e0f0003", "orgID": ORG_ID, "name": "page on crit",
             "type": "pagerduty", "status": "active", "every": "1m",
             "endpointID": "0a0b0c0d0e0f0004",
             "statusRules": [{"currentLevel": "CRIT", "previousLevel": "ANY"}],
             "tagRules": []}
        ]})
        .to_string(),
    );
    let mcp = connect(&c).await;
    let got = mcp.ok("list-server-alerts", json!({})).await;
    assert!(stub.violations().is_empty(), "{:?}", stub.violations());
    let check = &got["checks"][0];
    assert_eq!(
        (
            &check["name"],
            &check["kind"],
            &check["status"],
            &check["levels"]
        ),
        (
            &json!("mem used"),
            &json!("threshold"),
            &json!("active"),
            &json!(["CRIT above 90"])
        ),
        "{got:#}"
    );
    assert_eq!(check["last_run_status"], "success");
    let rule = &got["notification_rules"][0];
    assert_eq!(
        (&rule["name"], &rule["kind"], &rule["status"]),
        (
            &json!("page on crit"),
            &json!("pagerduty"),
            &json!("active")
        ),
        "{got:#}"
    );
    assert_eq!(got["checks"].as_array().unwrap().len(), 1);
    assert_eq!(got["notification_rules"].as_array().unwrap().len(), 1);

    // A 1.x connection has none to list: the error says what to use.
    let v1 = open_server();
    profile(&c, "old", &v1.url, "db", AssistantPolicy::default(), None).await;
    let e = mcp.err("list-server-alerts", json!({})).await;
    assert!(e.contains("InfluxDB 2"), "{e}");
}
