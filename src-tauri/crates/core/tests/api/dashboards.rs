//! Dashboards in the service layer, against the real influxd: kept per profile as versioned
//! JSON, checked (grid, names, unknown cells), changed by assistants only under the policy,
//! exported and imported, and run: every cell's query with the dashboard's range and
//! variables, drawn as SVG per cell and as one PNG for the whole dashboard.

use std::collections::BTreeMap;
use std::sync::Arc;

use influxdesk_core::api::dashboards::{self, *};
use influxdesk_core::chart::{ChartSpec, ChartType};
use influxdesk_core::model::*;
use influxdesk_core::{Actor, Ctx, ErrorCode};

use crate::harness::{self};

fn assistant() -> Actor {
    Actor::Assistant {
        client: "dash-test".into(),
    }
}

/// A profile on the shared influxd with a database of cpu points (two hosts, one a minute
/// over the last 30 minutes) as its default.
async fn seeded(policy: AssistantPolicy) -> (Arc<Ctx>, String, i64) {
    harness::seeded_minutes("dash", Some(policy), 30, |i, t| {
        vec![
            format!("cpu,host=web-01 usage={} {t}", 10 + i),
            format!("cpu,host=db-01 usage={} {t}", 50 + i),
        ]
    })
    .await
}

fn rfc3339(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).unwrap().to_rfc3339()
}

fn query_cell(title: &str, q: &str) -> NewCell {
    NewCell {
        title: title.into(),
        query: q.into(),
        language: Some(QueryLanguage::Influxql),
        ..NewCell::default()
    }
}

fn dash(name: &str) -> DashboardReq {
    DashboardReq {
        profile: None,
        dashboard: name.into(),
    }
}

#[tokio::test]
async fn dashboards_are_kept_per_profile_as_versioned_json_and_checked() {
    let (c, _, _) = seeded(AssistantPolicy::ReadOnly).await;
    let u = Actor::User;
    let d = dashboards::create(
        &c,
        &u,
        CreateDashboardReq {
            name: "  Ops  ".into(),
            cells: vec![
                query_cell("CPU", "SELECT usage FROM cpu"),
                query_cell("Two", "SELECT 1"),
            ],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(d.name, "Ops", "names are trimmed");
    assert_eq!(
        (d.cells[0].x, d.cells[0].y, d.cells[1].x, d.cells[1].y),
        (0, 0, 6, 0),
        "new cells fill the first row"
    );
    assert_eq!(
        d.time_range,
        TimeRange::Relative {
            duration: "1h".into()
        }
    );

    // The file: in the data dir, one per profile, version 1.
    let profile = influxdesk_core::api::profiles::resolve(&c, None)
        .await
        .unwrap();
    let path = c
        .data_dir()
        .join("dashboards")
        .join(format!("{}.json", profile.id));
    let file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("the dashboards file")).unwrap();
    assert_eq!(file["version"], 1);
    assert_eq!(file["dashboards"][0]["name"], "Ops");

    // Validation, with errors that say what to do.
    let e = dashboards::create(
        &c,
        &u,
        CreateDashboardReq {
            name: " ".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    let e = dashboards::create(
        &c,
        &u,
        CreateDashboardReq {
            name: "ops".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        e.code(),
        ErrorCode::Conflict,
        "names are unique ignoring case: {e}"
    );
    let bad_pos = UpdateCellReq {
        dashboard: "Ops".into(),
        cell: d.cells[0].id.clone(),
        x: Some(10),
        w: Some(4),
        ..Default::default()
    };
    let e = dashboards::update_cell(&c, &u, bad_pos).await.unwrap_err();
    assert!(e.message().contains("x + w"), "{e}");
    let e = dashboards::update_cell(
        &c,
        &u,
        UpdateCellReq {
            dashboard: "Ops".into(),
            cell: "nope".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound);
    assert!(
        e.message().contains(&d.cells[0].id),
        "the error lists the cells: {e}"
    );

    // Move and resize, rename, duplicate, remove, delete.
    let moved = dashboards::update_cell(
        &c,
        &u,
        UpdateCellReq {
            dashboard: "ops".into(),
            cell: d.cells[1].id.clone(),
            x: Some(0),
            y: Some(4),
            w: Some(12),
            h: Some(3),
            title: Some("Wide".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!((moved.x, moved.y, moved.w, moved.h), (0, 4, 12, 3));
    dashboards::rename(
        &c,
        &u,
        RenameDashboardReq {
            dashboard: d.id.clone(),
            name: "Operations".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let copy = dashboards::duplicate(
        &c,
        &u,
        DuplicateDashboardReq {
            dashboard: "Operations".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(copy.name, "Operations (copy)");
    assert_ne!(
        copy.cells[0].id, d.cells[0].id,
        "a copy has its own cell ids"
    );
    dashboards::remove_cell(
        &c,
        &u,
        CellReq {
            dashboard: copy.id.clone(),
            cell: copy.cells[0].id.clone(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let list = dashboards::list(&c, &u, ListDashboardsReq::default())
        .await
        .unwrap();
    let got: Vec<(&str, usize)> = list.iter().map(|d| (d.name.as_str(), d.cells)).collect();
    assert_eq!(got, vec![("Operations", 2), ("Operations (copy)", 1)]);
    dashboards::delete(&c, &u, dash("Operations (copy)"))
        .await
        .unwrap();
    assert_eq!(
        dashboards::get(&c, &u, dash("Operations (copy)"))
            .await
            .unwrap_err()
            .code(),
        ErrorCode::NotFound
    );

    // Export and import round trip (new ids, same content).
    let json = dashboards::export(&c, &u, dash("Operations"))
        .await
        .unwrap();
    let e = dashboards::import(
        &c,
        &u,
        ImportDashboardReq {
            json: json.clone(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict, "the name is taken");
    let rep = dashboards::import(
        &c,
        &u,
        ImportDashboardReq {
            json,
            name: Some("Imported".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let orig = dashboards::get(&c, &u, dash("Operations")).await.unwrap();
    assert_eq!(rep.format, "influxdesk");
    assert!(rep.unmapped.is_empty());
    assert_ne!(rep.dashboard.id, orig.id);
    let strip = |d: &Dashboard| {
        d.cells
            .iter()
            .map(|c| (c.title.clone(), c.query.clone(), c.x, c.y, c.w, c.h))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        strip(&rep.dashboard),
        strip(&orig),
        "the cells come back as they were"
    );
    let e = dashboards::import(
        &c,
        &u,
        ImportDashboardReq {
            json: "{}".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(
        e.message().contains("Chronograf"),
        "says which files work: {e}"
    );
}

#[tokio::test]
async fn assistants_change_dashboards_only_under_the_policy() {
    let (c, _, _) = seeded(AssistantPolicy::ReadOnly).await;
    let req = || CreateDashboardReq {
        name: "By AI".into(),
        ..Default::default()
    };
    let e = dashboards::create(&c, &assistant(), req())
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden, "{e}");
    assert!(
        dashboards::list(&c, &Actor::User, ListDashboardsReq::default())
            .await
            .unwrap()
            .is_empty(),
        "a refused change writes nothing"
    );
    let (c, _, _) = seeded(AssistantPolicy::Allow).await;
    let d = dashboards::create(&c, &assistant(), req()).await.unwrap();
    let cell = dashboards::add_cell(
        &c,
        &assistant(),
        AddCellReq {
            dashboard: d.name.clone(),
            cell: query_cell(
                "CPU",
                "SELECT mean(usage) FROM cpu WHERE $timeFilter GROUP BY time(5m)",
            ),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        dashboards::get(&c, &Actor::User, dash("By AI"))
            .await
            .unwrap()
            .cells,
        vec![cell],
        "the user sees what the assistant added"
    );
}

#[tokio::test]
async fn running_a_dashboard_runs_every_cell_with_its_range_and_variables() {
    let (c, db, base) = seeded(AssistantPolicy::ReadOnly).await;
    let u = Actor::User;
    let host = Variable {
        name: "host".into(),
        kind: VariableKind::Query,
        measurement: Some("cpu".into()),
        tag_key: Some("host".into()),
        ..Variable::default()
    };
    let every = Variable {
        name: "every".into(),
        kind: VariableKind::Interval,
        values: vec!["5m".into(), "10m".into()],
        ..Variable::default()
    };
    let mut cells = vec![
        query_cell(
            "Usage of one host",
            "SELECT mean(usage) FROM cpu WHERE host = ${host} AND $timeFilter GROUP BY time(${every})",
        ),
        query_cell(
            "All hosts",
            "SELECT usage FROM cpu WHERE $timeFilter GROUP BY host",
        ),
        NewCell {
            kind: CellKind::Note,
            title: "Read me".into(),
            note: "# Notes\nThis is **the** cpu board.".into(),
            ..NewCell::default()
        },
        query_cell("Broken", "SELECT FROM WHERE"),
        NewCell {
            chart: Some(ChartSpec {
                chart_type: ChartType::SingleStat,
                ..ChartSpec::default()
            }),
            // The ten newest minutes of data (the points are base - 1 min ... base - 30 min).
            time_range: Some(TimeRange::Absolute {
                from: rfc3339(base - 630),
                to: rfc3339(base),
            }),
            ..query_cell(
                "Last 10 minutes",
                "SELECT count(usage) FROM cpu WHERE $timeFilter",
            )
        },
    ];
    cells[1].database = Some(db.clone());
    dashboards::create(
        &c,
        &u,
        CreateDashboardReq {
            name: "CPU".into(),
            variables: vec![host, every],
            cells,
            time_range: Some(TimeRange::Relative {
                duration: "1h".into(),
            }),
            ..Default::default()
        },
    )
    .await
    .unwrap();

    let values = dashboards::variable_values(
        &c,
        &u,
        VariableValuesReq {
            dashboard: "CPU".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        values[0].options,
        vec!["db-01", "web-01"],
        "the tag's values"
    );
    assert_eq!(
        values[0].value.as_deref(),
        Some("db-01"),
        "the first by default"
    );
    assert_eq!(values[1].value.as_deref(), Some("5m"));

    let run = |vals: &[(&str, &str)]| {
        let c = c.clone();
        let values: BTreeMap<String, Choice> = vals
            .iter()
            .map(|(k, v)| (k.to_string(), Choice::from(*v)))
            .collect();
        async move {
            dashboards::run(
                &c,
                &Actor::User,
                RunDashboardReq {
                    dashboard: "CPU".into(),
                    values,
                    width: Some(1200),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
        }
    };
    let r = run(&[]).await;
    assert_eq!(r.cells.len(), 5, "every cell, in order");
    let one = &r.cells[0];
    assert!(one.error.is_none(), "{:?}", one.error);
    let q = one.executed_query.as_deref().unwrap();
    assert!(
        q.contains("host = 'db-01'") && q.contains("time(5m)"),
        "the variables are substituted and quoted: {q}"
    );
    let s = one.summary.as_ref().unwrap();
    assert!(
        s.series[0].min > 50.0,
        "only db-01's points (51..80): {:?}",
        s.series[0]
    );
    assert!(one.svg.as_deref().unwrap().starts_with("<svg"));
    assert_eq!(
        one.width,
        1200 / 2 - 8 - 2,
        "drawn at the cell's pixel width"
    );
    let all = r.cells[1].summary.as_ref().unwrap();
    assert_eq!(all.series.len(), 2, "both hosts: {:?}", all.series);
    assert_eq!(all.series.iter().map(|s| s.points).sum::<usize>(), 60);
    assert!(
        r.cells[2].svg.is_none() && r.cells[2].error.is_none(),
        "a note runs nothing"
    );
    let broken = r.cells[3]
        .error
        .as_ref()
        .expect("the broken cell has its error");
    assert_eq!(broken.code, ErrorCode::QuerySyntax, "{}", broken.message);
    let last = r.cells[4].summary.as_ref().unwrap();
    assert_eq!(
        last.series[0].last, 20.0,
        "the cell's own range: 2 hosts x 10 points, {:?}",
        last.series[0]
    );

    // Another variable value: the cells query again with it.
    let r = run(&[("host", "web-01"), ("every", "10m")]).await;
    let q = r.cells[0].executed_query.as_deref().unwrap();
    assert!(
        q.contains("host = 'web-01'") && q.contains("time(10m)"),
        "{q}"
    );
    assert!(r.cells[0].summary.as_ref().unwrap().series[0].max < 41.0);
    let e = dashboards::run(
        &c,
        &u,
        RunDashboardReq {
            dashboard: "CPU".into(),
            values: [("host".to_string(), Choice::from("x' OR 1=1"))].into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(e.message().contains("not one of the values"), "{e}");

    // The whole dashboard as one PNG, cells at their grid places.
    let png = dashboards::render_png(
        &c,
        &u,
        RenderDashboardReq {
            dashboard: "CPU".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(png.png.clone()));
    let info = decoder.read_info().unwrap().info().clone();
    assert_eq!(
        (info.width, info.height),
        (1200, 12 * 80),
        "3 rows of 4-row cells"
    );
    assert_eq!(png.failed, 1);
    assert!(png.text.contains("Usage of one host") && png.text.contains("QuerySyntax"));
    std::fs::create_dir_all("../../../test-artifacts").ok();
    std::fs::write("../../../test-artifacts/dashboard-core.png", &png.png).ok();
}

#[tokio::test]
async fn a_dashboard_cell_only_reads() {
    let (c, db, _) = seeded(AssistantPolicy::Allow).await;
    dashboards::create(
        &c,
        &Actor::User,
        CreateDashboardReq {
            name: "Sneaky".into(),
            cells: vec![query_cell("drop", &format!("DROP DATABASE \"{db}\""))],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let r = dashboards::run(
        &c,
        &Actor::User,
        RunDashboardReq {
            dashboard: "Sneaky".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let e = r.cells[0].error.as_ref().expect("refused");
    assert_eq!(e.code, ErrorCode::Forbidden, "{}", e.message);
    let dbs = influxdesk_core::api::buckets::list(&c, None).await.unwrap();
    assert!(
        dbs.iter().any(|b| b.name == db),
        "the database is still there"
    );
}
