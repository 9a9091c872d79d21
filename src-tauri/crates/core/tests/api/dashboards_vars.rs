//! Multi-select variables and variables that depend on others, against the real influxd: a
//! host variable narrowed by the chosen region (its tag values asked again, in dependency
//! order, whatever order the variables are listed in), several hosts chosen at once and
//! written into a cell's regex, and the refusals: a circle of dependencies, several values for
//! a single-value variable, a value the narrowed choices do not have. And on the real
//! InfluxDB 3 Core: the narrowed tag values from SQL, several values as a SQL list.

use std::collections::BTreeMap;
use std::sync::Arc;

use influxdesk_core::api::dashboards::{self, *};
use influxdesk_core::model::*;
use influxdesk_core::{Actor, Ctx, ErrorCode};

use crate::harness::{self};

/// A profile with a database of cpu points: hosts eu-1, eu-2 (region eu) and us-1 (region us).
async fn seeded() -> (Arc<Ctx>, String) {
    let (c, db, _) = harness::seeded_minutes("dvars", None, 10, |i, t| {
        vec![
            format!("cpu,region=eu,host=eu-1 usage={i} {t}"),
            format!("cpu,region=eu,host=eu-2 usage={} {t}", 100 + i),
            format!("cpu,region=us,host=us-1 usage={} {t}", 200 + i),
        ]
    })
    .await;
    (c, db)
}

fn tag_var(name: &str, tag: &str) -> Variable {
    Variable {
        name: name.into(),
        kind: VariableKind::Query,
        measurement: Some("cpu".into()),
        tag_key: Some(tag.into()),
        ..Variable::default()
    }
}

fn choices(vals: &[(&str, &[&str])]) -> BTreeMap<String, Choice> {
    vals.iter()
        .map(|(k, v)| {
            let c = match v {
                [one] => Choice::from(*one),
                many => Choice::Many(many.iter().map(|s| s.to_string()).collect()),
            };
            (k.to_string(), c)
        })
        .collect()
}

#[tokio::test]
async fn dependent_and_multi_select_variables() {
    let (c, _db) = seeded().await;
    let u = Actor::User;
    // Listed before the variable it depends on: resolved after it all the same.
    let host = Variable {
        multi: true,
        depends_on: vec![TagDependency {
            tag: "region".into(),
            variable: "region".into(),
        }],
        ..tag_var("host", "host")
    };
    dashboards::create(
        &c,
        &u,
        CreateDashboardReq {
            name: "Regions".into(),
            variables: vec![host, tag_var("region", "region")],
            cells: vec![NewCell {
                title: "Hosts".into(),
                query: "SELECT count(usage) FROM cpu WHERE host =~ /^${host}$/ AND $timeFilter"
                    .into(),
                language: Some(QueryLanguage::Influxql),
                ..NewCell::default()
            }],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let values = |vals: &'static [(&'static str, &'static [&'static str])]| {
        let c = c.clone();
        async move {
            dashboards::variable_values(
                &c,
                &Actor::User,
                VariableValuesReq {
                    dashboard: "Regions".into(),
                    values: choices(vals),
                    ..Default::default()
                },
            )
            .await
        }
    };

    let v = values(&[]).await.unwrap();
    assert_eq!(
        v.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        ["host", "region"],
        "the dashboard's order"
    );
    assert_eq!(v[1].value.as_deref(), Some("eu"), "the first region");
    assert_eq!(v[0].options, ["eu-1", "eu-2"], "only eu's hosts: {v:?}");
    assert_eq!(v[0].values, ["eu-1"], "the first host by default");
    assert!(v[0].multi);

    let v = values(&[("region", &["us"])]).await.unwrap();
    assert_eq!(
        v[0].options,
        ["us-1"],
        "the hosts again, for the chosen region"
    );
    assert_eq!(v[0].values, ["us-1"]);

    // Both eu hosts at once: the cell's regex gets both, literally; the count covers both.
    let r = dashboards::run(
        &c,
        &u,
        RunDashboardReq {
            dashboard: "Regions".into(),
            values: choices(&[("region", &["eu"]), ("host", &["eu-1", "eu-2"])]),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let cell = &r.cells[0];
    assert!(cell.error.is_none(), "{:?}", cell.error);
    let q = cell.executed_query.as_deref().unwrap();
    assert!(q.contains(r"host =~ /^(eu-1|eu-2)$/"), "{q}");
    let s = cell.summary.as_ref().unwrap();
    assert_eq!(
        s.series[0].last, 20.0,
        "ten points of each eu host: {:?}",
        s.series
    );

    // A host of another region is not a choice while eu is chosen.
    let e = values(&[("region", &["eu"]), ("host", &["eu-1", "us-1"])])
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert!(
        e.message().contains("\"us-1\" is not one of the values"),
        "{e}"
    );
    // Region is single-select.
    let e = values(&[("region", &["eu", "us"])]).await.unwrap_err();
    assert!(e.message().contains("takes one value (2 given)"), "{e}");

    // A circle is refused when saved, naming it; nothing is changed.
    let a = Variable {
        depends_on: vec![TagDependency {
            tag: "host".into(),
            variable: "b".into(),
        }],
        ..tag_var("a", "region")
    };
    let b = Variable {
        depends_on: vec![TagDependency {
            tag: "region".into(),
            variable: "a".into(),
        }],
        ..tag_var("b", "host")
    };
    let e = dashboards::update(
        &c,
        &u,
        UpdateDashboardReq {
            dashboard: "Regions".into(),
            variables: Some(vec![a, b]),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert!(e.message().contains("circle: a → b → a"), "{e}");
    let d = dashboards::get(
        &c,
        &u,
        DashboardReq {
            dashboard: "Regions".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(d.variables.len(), 2, "the saved variables are unchanged");
}

/// The same on the real InfluxDB 3 Core (skipped without its binary): the hosts of the chosen
/// region come from SQL, and several hosts go into a SQL cell as a list.
#[tokio::test]
async fn dependent_and_multi_select_variables_on_influxdb3() {
    let Some(s) = influxdesk_testkit::influxdb3::open() else {
        return;
    };
    let lease = s.database("dvars").await;
    let db = lease.name.clone();
    let c = crate::v3::v3_ctx(s, &db).await;
    let now = chrono::Utc::now().timestamp();
    let lines: Vec<String> = (1..=5i64)
        .flat_map(|i| {
            let t = now - i * 60;
            [
                format!("cpu,region=eu,host=eu-1 usage={i} {t}"),
                format!("cpu,region=eu,host=eu-2 usage={} {t}", 100 + i),
                format!("cpu,region=us,host=us-1 usage={} {t}", 200 + i),
            ]
        })
        .collect();
    crate::v3::write_lines(&c, &db, Precision::S, lines.join("\n")).await;
    let host = Variable {
        multi: true,
        depends_on: vec![TagDependency {
            tag: "region".into(),
            variable: "region".into(),
        }],
        ..tag_var("host", "host")
    };
    dashboards::create(
        &c,
        &Actor::User,
        CreateDashboardReq {
            name: "Regions".into(),
            variables: vec![tag_var("region", "region"), host],
            cells: vec![NewCell {
                title: "Hosts".into(),
                query: "SELECT usage FROM cpu WHERE host IN (${host}) ORDER BY time".into(),
                language: Some(QueryLanguage::Sql),
                ..NewCell::default()
            }],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let v = dashboards::variable_values(
        &c,
        &Actor::User,
        VariableValuesReq {
            dashboard: "Regions".into(),
            values: choices(&[("region", &["us"])]),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(v[1].options, ["us-1"], "us's hosts from SQL: {v:?}");
    let r = dashboards::run(
        &c,
        &Actor::User,
        RunDashboardReq {
            dashboard: "Regions".into(),
            values: choices(&[("region", &["eu"]), ("host", &["eu-1", "eu-2"])]),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let cell = &r.cells[0];
    let q = cell.executed_query.as_deref().unwrap_or_default();
    assert!(
        q.contains("host IN ('eu-1', 'eu-2')"),
        "{q} {:?}",
        cell.error
    );
    assert_eq!(
        cell.summary
            .as_ref()
            .map(|s| s.series.iter().map(|x| x.points).sum::<usize>()),
        Some(10),
        "five points of each eu host"
    );
    assert_eq!(
        r.variables[1].options,
        ["eu-1", "eu-2"],
        "eu's hosts: {:?}",
        r.variables
    );
}
