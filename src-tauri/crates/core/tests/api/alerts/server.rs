//! The server's own alerting as a contract test against the v2 OSS spec (no 2.x server exists
//! here): checks and notification rules are listed from `/api/v2/checks` and
//! `/api/v2/notificationRules` with the organization's ID, each with its state and last run;
//! a 1.x profile is told there is nothing of the kind to list.

use influxdesk_core::api::alerts::{self, ServerAlertingReq};
use influxdesk_core::model::*;
use influxdesk_core::{Actor, ErrorCode};
use influxdesk_testkit::spec_stub::{Spec, SpecStub};
use serde_json::json;

use crate::harness::{add, ctx, fields};

const TOKEN: &str = "checks-contract-token";
const ORG_ID: &str = "9f8e7d6c5b4a3928";

#[tokio::test]
async fn v2_checks_and_notification_rules_are_listed_with_their_state_contract() {
    let stub = SpecStub::start(Spec::V2).await;
    let c = ctx();
    add(
        &c,
        ProfileFields {
            org: Some("acme".into()),
            ..fields("v2", &stub.url(), ApiKind::V2)
        },
        Some(TOKEN),
    )
    .await;
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
             "thresholds": [
                 {"type": "greater", "level": "CRIT", "value": 90.0},
                 {"type": "range", "level": "WARN", "min": 10.0, "max": 80.0, "within": false}
             ],
             "lastRunStatus": "success", "latestCompleted": "2026-11-30T09:00:00Z"},
            {"id": "0a0b0c0d0e0f0002", "orgID": ORG_ID, "name": "agent alive", "type": "deadman",
             "query": query, "status": "inactive", "every": "30s", "timeSince": "5m",
             "staleTime": "10m", "level": "CRIT", "reportZero": false,
             "lastRunStatus": "failed", "lastRunError": "could not find bucket \"telegraf\""}
        ]})
        .to_string(),
    );
    stub.respond(
        "GET",
        "/api/v2/notificationRules",
        200,
        "application/json",
        json!({"notificationRules": [
            {"id": "0a0b0c0d0e0f0003", "orgID": ORG_ID, "name": "page on crit", "type": "pagerduty",
             "status": "active", "every": "1m", "endpointID": "0a0b0c0d0e0f0004",
             "messageTemplate": "${ r._check_name } is ${ r._level }",
             "statusRules": [{"currentLevel": "CRIT", "previousLevel": "ANY"}],
             "tagRules": [{"key": "host", "value": "web-01", "operator": "equal"}],
             "lastRunStatus": "success", "latestCompleted": "2026-11-30T09:01:00Z"}
        ]})
        .to_string(),
    );
    let s = alerts::server_alerting(&c, &Actor::User, ServerAlertingReq::default())
        .await
        .unwrap();
    assert!(stub.violations().is_empty(), "{:?}", stub.violations());
    for path in ["/api/v2/checks", "/api/v2/notificationRules"] {
        let r = stub
            .requests()
            .into_iter()
            .find(|r| r.path == path)
            .unwrap_or_else(|| panic!("{path} was asked"));
        assert!(
            r.query.contains(&("orgID".into(), ORG_ID.into())),
            "{path}: the organization's ID: {:?}",
            r.query
        );
        assert!(
            r.headers
                .iter()
                .any(|(k, v)| k == "authorization" && v == &format!("Token {TOKEN}")),
            "{path}: token auth"
        );
    }
    let names: Vec<&str> = s.checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["agent alive", "mem used"], "sorted by name");
    let alive = &s.checks[0];
    assert_eq!(
        (
            alive.kind.as_str(),
            alive.status.as_str(),
            alive.levels.clone()
        ),
        (
            "deadman",
            "inactive",
            vec!["CRIT no data for 5m".to_string()]
        )
    );
    assert_eq!(alive.last_run_status.as_deref(), Some("failed"));
    assert_eq!(
        alive.last_run_error.as_deref(),
        Some("could not find bucket \"telegraf\"")
    );
    let mem = &s.checks[1];
    assert_eq!(
        mem.levels,
        ["CRIT above 90", "WARN outside 10..80"],
        "each level in words"
    );
    assert_eq!(
        mem.latest_completed.as_deref(),
        Some("2026-11-30T09:00:00Z")
    );
    let rule = &s.notification_rules[0];
    assert_eq!(
        (
            rule.name.as_str(),
            rule.kind.as_str(),
            rule.status.as_str(),
            rule.status_rules.clone(),
            rule.tag_rules.clone()
        ),
        (
            "page on crit",
            "pagerduty",
            "active",
            vec!["ANY -> CRIT".to_string()],
            vec!["host == web-01".to_string()]
        )
    );

    // A 1.x profile has no server alerting to list (Kapacitor is a server of its own).
    let v1 = crate::harness::open_server();
    add(&c, fields("old", &v1.url, ApiKind::V1), None).await;
    let e = alerts::server_alerting(
        &c,
        &Actor::User,
        ServerAlertingReq {
            profile: Some("old".into()),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert!(e.message().contains("InfluxDB 2"), "{e}");
}
