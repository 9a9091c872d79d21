//! Administration against the real influxd 1.6.7 with auth on (as the admin user): databases
//! with retention, shard group duration and series; retention policies; continuous queries and
//! the downsample action (preview, backfill with exact values, never half-done).

use std::collections::BTreeMap;

use influxdesk_core::api::admin::downsampling::{
    self, CreateCqReq, DownsampleAggregate, DownsampleReq,
};
use influxdesk_core::api::admin::retention::{self, AlterRpReq, CreateRpReq, DropRpReq, ListRpReq};
use influxdesk_core::api::{buckets, query, write};
use influxdesk_core::model::*;
use influxdesk_core::{Actor, Ctx, ErrorCode};

use crate::harness::{self, ADMIN_PASSWORD, ADMIN_USER, add, ctx, fields, unique_db};

async fn admin_ctx() -> std::sync::Arc<Ctx> {
    let s = harness::auth_server();
    let c = ctx();
    let mut f = fields("secure", &s.url, ApiKind::V1);
    f.username = Some(ADMIN_USER.into());
    add(&c, f, Some(ADMIN_PASSWORD)).await;
    c
}

async fn create_db(c: &Ctx, name: &str, retention: &str) -> BucketChange {
    buckets::create(
        c,
        &Actor::User,
        CreateBucketReq {
            name: name.into(),
            retention_period: Some(retention.into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

async fn write_lines(c: &Ctx, db: &str, lines: &str) {
    let r = write::write(
        c,
        &Actor::User,
        WriteReq {
            profile: None,
            bucket: Some(db.into()),
            precision: Precision::Ns,
            lines: lines.into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(r.points, lines.lines().count(), "every point lands");
}

async fn rows(c: &Ctx, db: &str, q: &str) -> Vec<BTreeMap<String, serde_json::Value>> {
    let r = query::run(
        c,
        &Actor::User,
        RunQueryReq {
            profile: None,
            language: Some(QueryLanguage::Influxql),
            database: Some(db.into()),
            query: q.into(),
            row_limit: None,
            time_range: None,
            query_id: None,
        },
    )
    .await
    .unwrap();
    let mut out = Vec::new();
    for f in &r.frames {
        for i in 0..f.rows() {
            let mut row: BTreeMap<String, serde_json::Value> = f
                .tags
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::json!(v)))
                .collect();
            for col in &f.columns {
                row.insert(col.name.clone(), col.value(i));
            }
            out.push(row);
        }
    }
    out
}

#[tokio::test]
async fn database_with_7d_retention_is_listed_with_shard_group_series_and_size() {
    let c = admin_ctx().await;
    let db = unique_db("adm_db");
    let made = create_db(&c, &db, "7d").await;
    assert_eq!(made.bucket.retention, "7d");
    assert!(made.notes.is_empty());
    write_lines(&c, &db, "cpu,host=a v=1\ncpu,host=b v=2\nmem,host=a v=3").await;

    let listed = buckets::list(&c, None).await.unwrap();
    let b = listed.iter().find(|b| b.name == db).expect("listed");
    assert_eq!(
        (b.retention.as_str(), b.retention_seconds),
        ("7d", Some(604_800))
    );
    assert_eq!(
        b.shard_group_seconds,
        Some(86_400),
        "1.x picks 1d shard groups for a 7d policy"
    );
    assert_eq!(
        b.series,
        Some(3),
        "SHOW STATS counts the three series written"
    );
    assert!(
        b.size_bytes.is_some(),
        "SHOW STATS reports the shard's disk bytes"
    );
    let rp = &b.retention_policies[0];
    assert_eq!((rp.replication, rp.default), (Some(1), true));

    // A description (a seed parameter of manage-buckets) is reported, not refused.
    let other = unique_db("adm_desc");
    let r = buckets::create(
        &c,
        &Actor::User,
        CreateBucketReq {
            name: other.clone(),
            retention_period: Some("30d".into()),
            description: Some("team metrics".into()),
            shard_group_duration: Some("2d".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        r.notes,
        vec!["InfluxDB 1.x databases have no description; ignored".to_string()]
    );
    assert_eq!(r.bucket.shard_group_seconds, Some(172_800));
    let e = buckets::create(
        &c,
        &Actor::User,
        CreateBucketReq {
            name: unique_db("adm_sg"),
            shard_group_duration: Some("10m".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(e.message().contains("at least 1h"), "{}", e.message());
    for name in [db, other] {
        buckets::delete(
            &c,
            &Actor::User,
            DeleteBucketReq {
                profile: None,
                name,
            },
        )
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn retention_policies_create_alter_drop() {
    let c = admin_ctx().await;
    let db = unique_db("adm_rp");
    create_db(&c, &db, "inf").await;
    let rp = retention::create(
        &c,
        &Actor::User,
        CreateRpReq {
            database: db.clone(),
            name: "two days".into(),
            duration: Some("2d".into()),
            shard_group_duration: Some("1h".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (
            rp.duration_seconds,
            rp.shard_group_seconds,
            rp.default,
            rp.replication
        ),
        (Some(172_800), Some(3600), false, Some(1))
    );
    let e = retention::create(
        &c,
        &Actor::User,
        CreateRpReq {
            database: db.clone(),
            name: "two days".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);
    let e = retention::create(
        &c,
        &Actor::User,
        CreateRpReq {
            database: db.clone(),
            name: "short".into(),
            duration: Some("30m".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(e.message().contains("at least 1h"), "{}", e.message());

    let rp = retention::alter(
        &c,
        &Actor::User,
        AlterRpReq {
            database: db.clone(),
            name: "two days".into(),
            duration: Some("3d".into()),
            default: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!((rp.duration_seconds, rp.default), (Some(259_200), true));
    let b = buckets::list(&c, None).await.unwrap();
    let b = b.iter().find(|b| b.name == db).unwrap();
    assert_eq!(
        b.retention, "3d",
        "the database's retention is its default policy's"
    );

    let drop = |name: &str| DropRpReq {
        profile: None,
        database: db.clone(),
        name: name.into(),
    };
    let e = retention::drop(&c, &Actor::User, drop("two days"))
        .await
        .unwrap_err();
    assert!(e.message().contains("default"), "{}", e.message());
    retention::alter(
        &c,
        &Actor::User,
        AlterRpReq {
            database: db.clone(),
            name: "autogen".into(),
            default: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    retention::drop(&c, &Actor::User, drop("two days"))
        .await
        .unwrap();
    let left: Vec<String> = retention::list(
        &c,
        ListRpReq {
            profile: None,
            database: db.clone(),
        },
    )
    .await
    .unwrap()
    .into_iter()
    .map(|r| r.name)
    .collect();
    assert_eq!(left, vec!["autogen".to_string()]);
    let e = retention::drop(&c, &Actor::User, drop("two days"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound);
}

const MIN: i64 = 60_000_000_000;

#[tokio::test]
async fn downsample_previews_then_backfills_exact_means_and_the_cq_is_listed() {
    let c = admin_ctx().await;
    let db = unique_db("adm_ds");
    create_db(&c, &db, "inf").await;
    // 20 one-minute points per host, starting on a 5-minute boundary two hours ago (inside the
    // 1y policy the downsampled points go to).
    let now = chrono::Utc::now().timestamp_nanos_opt().unwrap();
    let t0 = (now - 120 * MIN) - (now - 120 * MIN).rem_euclid(5 * MIN);
    let mut lines = Vec::new();
    let mut expected: BTreeMap<(String, i64), (f64, f64)> = BTreeMap::new();
    for (h, host) in ["a", "b"].iter().enumerate() {
        for i in 0..20i64 {
            let a = (i * i) as f64 + h as f64 * 100.0;
            let b = i as f64 * 0.5 - h as f64;
            lines.push(format!("cpu,host={host} a={a},b={b} {}", t0 + i * MIN));
            let bucket = t0 + (i / 5) * 5 * MIN;
            let e = expected.entry((host.to_string(), bucket)).or_default();
            e.0 += a / 5.0;
            e.1 += b / 5.0;
        }
    }
    write_lines(&c, &db, &lines.join("\n")).await;

    let req = DownsampleReq {
        database: db.clone(),
        measurement: "cpu".into(),
        fields: vec!["a".into(), "b".into()],
        aggregate: DownsampleAggregate::Mean,
        every: Some("5m".into()),
        keep: Some("1y".into()),
        backfill: true,
        preview: true,
        ..Default::default()
    };
    let plan = downsampling::downsample(&c, &Actor::User, req.clone())
        .await
        .unwrap();
    assert!(!plan.executed);
    let target = format!("\"{db}\".\"keep_365d\".\"cpu\"");
    let source = format!("\"{db}\".\"autogen\".\"cpu\"");
    let select =
        format!("SELECT mean(\"a\") AS \"a\", mean(\"b\") AS \"b\" INTO {target} FROM {source}");
    assert_eq!(
        plan.statements,
        vec![
            format!(
                "CREATE RETENTION POLICY \"keep_365d\" ON \"{db}\" DURATION 31536000s REPLICATION 1"
            ),
            format!(
                "CREATE CONTINUOUS QUERY \"cpu_mean_5m\" ON \"{db}\" BEGIN {select} GROUP BY \
                 time(5m), * END"
            ),
            format!("{select} WHERE time >= {t0} AND time < now() GROUP BY time(5m), *"),
        ]
    );
    assert!(
        retention::list(
            &c,
            ListRpReq {
                profile: None,
                database: db.clone()
            }
        )
        .await
        .unwrap()
        .iter()
        .all(|r| r.name != "keep_365d"),
        "a preview runs nothing"
    );

    let plan = downsampling::downsample(
        &c,
        &Actor::User,
        DownsampleReq {
            preview: false,
            ..req
        },
    )
    .await
    .unwrap();
    assert!(plan.executed && plan.creates_rp);
    let got = rows(
        &c,
        &db,
        &format!(
            "SELECT * FROM {target} WHERE time >= {t0} AND time < {} GROUP BY host",
            t0 + 20 * MIN
        ),
    )
    .await;
    let got: BTreeMap<(String, i64), (f64, f64)> = got
        .iter()
        .map(|r| {
            (
                (
                    r["host"].as_str().unwrap().to_string(),
                    influxdesk_core::influx::parse::parse_time_ns(r["time"].as_str().unwrap())
                        .unwrap(),
                ),
                (r["a"].as_f64().unwrap(), r["b"].as_f64().unwrap()),
            )
        })
        .collect();
    assert_eq!(got.len(), expected.len(), "{got:?}");
    for (k, (a, b)) in &expected {
        let (ga, gb) = got[k];
        assert!(
            (ga - a).abs() < 1e-9 && (gb - b).abs() < 1e-9,
            "{k:?}: {ga},{gb} vs {a},{b}"
        );
    }

    let cqs = downsampling::list(
        &c,
        downsampling::ListCqReq {
            profile: None,
            database: Some(db.clone()),
        },
    )
    .await
    .unwrap();
    assert_eq!(cqs.len(), 1);
    assert_eq!(cqs[0].name, "cpu_mean_5m");
    let shown = rows(&c, &db, "SHOW CONTINUOUS QUERIES").await;
    assert!(
        shown
            .iter()
            .any(|r| r["name"] == "cpu_mean_5m" && r["query"].as_str().unwrap().contains("mean(a)")),
        "SHOW CONTINUOUS QUERIES lists it: {shown:?}"
    );
    downsampling::drop(
        &c,
        &Actor::User,
        downsampling::DropCqReq {
            profile: None,
            database: db.clone(),
            name: "cpu_mean_5m".into(),
        },
    )
    .await
    .unwrap();
    buckets::delete(
        &c,
        &Actor::User,
        DeleteBucketReq {
            profile: None,
            name: db,
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_failing_cq_leaves_no_retention_policy_behind() {
    let c = admin_ctx().await;
    let db = unique_db("adm_half");
    create_db(&c, &db, "inf").await;
    downsampling::create(
        &c,
        &Actor::User,
        CreateCqReq {
            database: db.clone(),
            name: "taken".into(),
            select: format!(
                "SELECT max(\"v\") AS \"v\" INTO \"{db}\".\"autogen\".\"other\" FROM \"cpu\" \
                 GROUP BY time(1h)"
            ),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let e = downsampling::downsample(
        &c,
        &Actor::User,
        DownsampleReq {
            database: db.clone(),
            measurement: "cpu".into(),
            fields: vec!["v".into()],
            keep: Some("30d".into()),
            cq_name: Some("taken".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(
        e.message().contains("while creating the continuous query")
            && e.message().contains("retention policy \"keep_30d\"")
            && e.message().contains("dropped again"),
        "{}",
        e.message()
    );
    let rps: Vec<String> = retention::list(
        &c,
        ListRpReq {
            profile: None,
            database: db.clone(),
        },
    )
    .await
    .unwrap()
    .into_iter()
    .map(|r| r.name)
    .collect();
    assert_eq!(rps, vec!["autogen".to_string()], "no policy left behind");
    buckets::delete(
        &c,
        &Actor::User,
        DeleteBucketReq {
            profile: None,
            name: db,
        },
    )
    .await
    .unwrap();
}

/// Answers every approval with `yes` and keeps what it was shown.
struct Shown(std::sync::Mutex<Vec<String>>, bool);

impl influxdesk_core::api::policy::Approver for Shown {
    fn approve<'a>(
        &'a self,
        _actor: &'a Actor,
        _p: &'a Profile,
        action: &'a str,
    ) -> influxdesk_core::api::policy::ApprovalFuture<'a> {
        self.0.lock().unwrap().push(action.to_string());
        Box::pin(std::future::ready(self.1))
    }
}

#[tokio::test]
async fn an_assistant_downsample_asks_with_the_exact_statements_and_a_no_changes_nothing() {
    let s = harness::auth_server();
    let c = ctx();
    let mut f = fields("asked", &s.url, ApiKind::V1);
    f.username = Some(ADMIN_USER.into());
    f.assistant_policy = Some(AssistantPolicy::Ask);
    add(&c, f, Some(ADMIN_PASSWORD)).await;
    let db = unique_db("adm_ask");
    create_db(&c, &db, "inf").await;
    let assistant = Actor::Assistant {
        client: "admin-test".into(),
    };
    let req = DownsampleReq {
        database: db.clone(),
        measurement: "cpu".into(),
        fields: vec!["v".into()],
        keep: Some("30d".into()),
        ..Default::default()
    };
    let no = std::sync::Arc::new(Shown(Default::default(), false));
    c.set_approver(no.clone());
    let e = downsampling::downsample(&c, &assistant, req.clone())
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden, "{}", e.message());
    let asked = no.0.lock().unwrap().clone();
    assert_eq!(asked.len(), 1);
    let lines: Vec<&str> = asked[0].lines().collect();
    assert_eq!(
        &lines[1..],
        &[
            format!(
                "CREATE RETENTION POLICY \"keep_30d\" ON \"{db}\" DURATION 2592000s REPLICATION 1"
            )
            .as_str(),
            format!(
                "CREATE CONTINUOUS QUERY \"cpu_mean_5m\" ON \"{db}\" BEGIN SELECT mean(\"v\") AS \
                 \"v\" INTO \"{db}\".\"keep_30d\".\"cpu\" FROM \"{db}\".\"autogen\".\"cpu\" GROUP \
                 BY time(5m), * END"
            )
            .as_str(),
        ],
        "the approval shows the exact statements: {asked:?}"
    );
    let rps = retention::list(
        &c,
        ListRpReq {
            profile: None,
            database: db.clone(),
        },
    )
    .await
    .unwrap();
    assert_eq!(rps.len(), 1, "refused: nothing created");
    c.set_approver(std::sync::Arc::new(Shown(Default::default(), true)));
    let plan = downsampling::downsample(&c, &assistant, req).await.unwrap();
    assert!(plan.executed);
    buckets::delete(
        &c,
        &Actor::User,
        DeleteBucketReq {
            profile: None,
            name: db,
        },
    )
    .await
    .unwrap();
}
