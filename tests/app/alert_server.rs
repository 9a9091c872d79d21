//! `influxdesk alert server-checks` against the InfluxDB 2.x API as the v2 OSS spec documents
//! it (the spec-checking stub: no 2.x server exists here): the checks and notification rules
//! with their state and last run, as text and as JSON; on 1.x it says there are none.

use influxdesk_testkit::secret_service::SecretService;
use influxdesk_testkit::spec_stub::{Spec, SpecStub};
use serde_json::json;

use crate::support::{influxd, run, scratch, text};

#[tokio::test(flavor = "multi_thread")]
async fn server_checks_lists_a_2x_servers_checks_and_rules_contract() {
    let ss = SecretService::start(true);
    let stub = SpecStub::start(Spec::V2).await;
    let config = scratch("alert-server-config-");
    let mut env = ss.env();
    env.push(("INFLUXDESK_CONFIG_DIR".into(), config.display().to_string()));
    let ok = |args: &[&str], stdin: Option<&str>| -> String {
        let o = run(args, &env, stdin);
        let (out, err) = text(&o);
        assert!(o.status.success(), "influxdesk {args:?} failed: {err}");
        out
    };
    ok(
        &[
            "profile",
            "add",
            "v2",
            "--url",
            &stub.url(),
            "--api",
            "v2",
            "--org",
            "acme",
            "--token-stdin",
        ],
        Some("server-checks-token\n"),
    );
    stub.respond(
        "GET",
        "/api/v2/orgs",
        200,
        "application/json",
        json!({"orgs": [{"id": "9f8e7d6c5b4a3928", "name": "acme"}]}).to_string(),
    );
    stub.respond(
        "GET",
        "/api/v2/checks",
        200,
        "application/json",
        json!({"checks": [{"id": "0a0b0c0d0e0f0001", "orgID": "9f8e7d6c5b4a3928",
            "name": "mem used", "type": "threshold", "status": "active", "every": "1m",
            "query": {"text": "from(bucket: \"telegraf\")"},
            "thresholds": [{"type": "greater", "level": "CRIT", "value": 90.0}],
            "lastRunStatus": "success", "latestCompleted": "2026-11-30T09:00:00Z"}]})
        .to_string(),
    );
    stub.respond(
        "GET",
        "/api/v2/notificationRules",
        200,
        "application/json",
        json!({"notificationRules": [{"id": "0a0b0c0d0e0f0003", "orgID": "9f8e7d6c5b4a3928",
            "name": "page on crit", "type": "pagerduty", "status": "inactive", "every": "1m",
            "endpointID": "0a0b0c0d0e0f0004",
            "statusRules": [{"currentLevel": "CRIT", "previousLevel": "ANY"}]}]})
        .to_string(),
    );
    let out = ok(&["alert", "server-checks"], None);
    assert!(
        out.contains("checks (1):")
            && out.contains("mem used")
            && out.contains("CRIT above 90")
            && out.contains("last run success at 2026-11-30T09:00:00Z"),
        "{out}"
    );
    assert!(
        out.contains("notification rules (1):")
            && out.contains("page on crit")
            && out.contains("inactive")
            && out.contains("on ANY -> CRIT")
            && out.contains("never ran"),
        "{out}"
    );
    let listed: serde_json::Value =
        serde_json::from_str(&ok(&["alert", "server-checks", "--json"], None)).unwrap();
    assert_eq!(listed["checks"][0]["levels"], json!(["CRIT above 90"]));
    assert_eq!(listed["notification_rules"][0]["kind"], "pagerduty");
    assert!(stub.violations().is_empty(), "{:?}", stub.violations());

    // A 1.x profile: there is nothing of the kind to list, and it says so.
    let server = influxd(None);
    ok(
        &[
            "profile",
            "add",
            "old",
            "--url",
            &server.url(),
            "--api",
            "v1",
            "--use",
        ],
        None,
    );
    let o = run(&["alert", "server-checks"], &env, None);
    assert!(!o.status.success());
    let (_, err) = text(&o);
    assert!(err.contains("InfluxDB 2.x only"), "{err}");
}
