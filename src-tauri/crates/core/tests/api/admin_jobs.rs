//! Downsampling jobs beyond 1.x: InfluxDB 2.x tasks as a contract test against the v2 OSS spec
//! (no 2.x server exists here), and InfluxDB 3 processing-engine triggers and the admin surface
//! against the real 3 Core.

use influxdesk_core::api::admin::downsampling::{self, DownsampleReq};
use influxdesk_core::api::admin::retention::{self, ListRpReq};
use influxdesk_core::api::admin::tasks::{
    self, ListTasksReq, ListTriggersReq, SetTaskReq, TaskReq,
};
use influxdesk_core::api::buckets;
use influxdesk_core::model::*;
use influxdesk_core::{Actor, ErrorCode};
use influxdesk_testkit::influxdb3;
use influxdesk_testkit::spec_stub::{Spec, SpecStub};
use serde_json::{Value, json};

use crate::harness::{add, ctx, fields};

const TOKEN: &str = "tasks-contract-token";
const TASK_ID: &str = "0a0b0c0d0e0f0a0b";
const RUN_ID: &str = "0f0e0d0c0b0a0f0e";

#[tokio::test]
async fn v2_tasks_follow_the_spec_contract() {
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
    let task = json!({"id": TASK_ID, "orgID": "0123456789abcdef", "name": "downsample cpu",
        "status": "active", "every": "5m", "flux": "option task = {name: \"downsample cpu\", every: 5m}\nfrom(bucket: \"raw\")",
        "lastRunStatus": "success", "latestCompleted": "2026-11-30T09:00:00Z"});
    stub.respond(
        "GET",
        "/api/v2/tasks",
        200,
        "application/json",
        json!({"tasks": [task]}).to_string(),
    );
    let listed = tasks::list(&c, ListTasksReq::default()).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (
            listed[0].id.as_str(),
            listed[0].name.as_str(),
            listed[0].every.as_deref(),
            listed[0].last_run_status.as_deref()
        ),
        (TASK_ID, "downsample cpu", Some("5m"), Some("success"))
    );

    let mut off = task.clone();
    off["status"] = json!("inactive");
    stub.respond(
        "PATCH",
        &format!("/api/v2/tasks/{TASK_ID}"),
        200,
        "application/json",
        off.to_string(),
    );
    let t = tasks::set_enabled(
        &c,
        &Actor::User,
        SetTaskReq {
            profile: None,
            task: "downsample cpu".into(),
            enabled: false,
        },
    )
    .await
    .unwrap();
    assert_eq!(t.status, "inactive");
    let patch = stub
        .requests()
        .into_iter()
        .find(|r| r.method == "PATCH")
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&patch.body).unwrap(),
        json!({"status": "inactive"})
    );

    let run = json!({"id": RUN_ID, "taskID": TASK_ID, "status": "scheduled",
        "scheduledFor": "2026-11-30T09:05:00Z", "requestedAt": "2026-11-30T09:04:00Z"});
    stub.respond(
        "POST",
        &format!("/api/v2/tasks/{TASK_ID}/runs"),
        201,
        "application/json",
        run.to_string(),
    );
    let r = tasks::run_now(
        &c,
        &Actor::User,
        TaskReq {
            task: TASK_ID.into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!((r.id.as_str(), r.status.as_str()), (RUN_ID, "scheduled"));

    stub.respond(
        "GET",
        &format!("/api/v2/tasks/{TASK_ID}/runs"),
        200,
        "application/json",
        json!({"runs": [run]}).to_string(),
    );
    let runs = tasks::runs(
        &c,
        TaskReq {
            task: TASK_ID.into(),
            limit: Some(5),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(runs.len(), 1);
    let runs_req = stub
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/runs") && r.method == "GET")
        .unwrap();
    assert_eq!(runs_req.query_param("limit"), Some("5"));

    let events = json!({"events": [{"runID": RUN_ID, "time": "2026-11-30T09:05:01Z", "message": "Started task from script"},
        {"runID": RUN_ID, "time": "2026-11-30T09:05:02Z", "message": "Completed(success)"}]});
    stub.respond(
        "GET",
        &format!("/api/v2/tasks/{TASK_ID}/runs/{RUN_ID}/logs"),
        200,
        "application/json",
        events.to_string(),
    );
    let logs = tasks::logs(
        &c,
        TaskReq {
            task: TASK_ID.into(),
            run: Some(RUN_ID.into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        logs.iter().map(|l| l.message.as_str()).collect::<Vec<_>>(),
        vec!["Started task from script", "Completed(success)"]
    );

    let e = tasks::runs(
        &c,
        TaskReq {
            task: "no such task".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound);
    let e = downsampling::list(&c, Default::default())
        .await
        .unwrap_err();
    assert!(
        e.message().contains("exist on InfluxDB 1.x only"),
        "{}",
        e.message()
    );
    for r in stub.requests() {
        assert_eq!(
            r.header("authorization"),
            Some(format!("Token {TOKEN}").as_str())
        );
    }
    stub.assert_conforms();
}

#[tokio::test]
async fn v3_lists_triggers_and_says_what_it_lacks() {
    let Some(s) = influxdb3::open() else { return };
    let lease = s.database("trig").await;
    let db = lease.name.clone();
    let c = crate::v3::v3_ctx(s, &db).await;
    let made = buckets::create(
        &c,
        &Actor::User,
        CreateBucketReq {
            name: db.clone(),
            retention_period: Some("7d".into()),
            description: Some("sensors".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        made.notes,
        vec!["InfluxDB 3 databases have no description; ignored".to_string()]
    );
    // The real 3 Core answers system.processing_engine_triggers without a plugin directory.
    let t = tasks::triggers(
        &c,
        ListTriggersReq {
            profile: None,
            database: Some(db.clone()),
        },
    )
    .await
    .unwrap();
    assert!(t.is_empty(), "a new database has no triggers: {t:?}");
    let e = retention::list(
        &c,
        ListRpReq {
            profile: None,
            database: db.clone(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    let e = downsampling::downsample(
        &c,
        &Actor::User,
        DownsampleReq {
            database: db.clone(),
            measurement: "m".into(),
            fields: vec!["v".into()],
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(e.message().contains("InfluxDB 1.x only"), "{}", e.message());
    buckets::delete(
        &c,
        &Actor::User,
        DeleteBucketReq {
            profile: None,
            name: db.clone(),
        },
    )
    .await
    .unwrap();
    assert!(
        !buckets::list(&c, None)
            .await
            .unwrap()
            .iter()
            .any(|b| b.name == db),
        "a deleted database is gone from the list at once"
    );
}
