//! Importing dashboards from Chronograf and InfluxDB 2, with fixtures written here from their
//! public JSON shapes (Chronograf's "Export Dashboard" file: `meta` + `dashboard` with `cells`,
//! `queries`, `axes`, `templates`; InfluxDB 2's `influx export` template: `kind: Dashboard`
//! with `spec.charts`, and `kind: Variable` resources). What maps is checked field by field,
//! what does not is listed, and the imported dashboard runs against the real influxd.

use influxdesk_core::api::dashboards::{self, *};
use influxdesk_core::chart::{ChartType, HistogramLayout};
use influxdesk_core::model::*;
use influxdesk_core::{Actor, ErrorCode};
use serde_json::json;

use crate::harness::{self, add, ctx, fields};

/// A Chronograf 1.x dashboard export.
fn chronograf_export(db: &str) -> serde_json::Value {
    json!({
        "meta": {"chronografVersion": "1.9.4", "sources": {"1": {"name": "influx", "link": "/chronograf/v1/sources/1"}}},
        "dashboard": {
            "id": 3,
            "name": "Chronograf CPU",
            "cells": [
                {
                    "i": "6a0c8b7e-0e4f-4d4b-9a58-6b7b6f8d7c01", "x": 0, "y": 0, "w": 6, "h": 4,
                    "name": "CPU of :host:",
                    "queries": [{
                        "query": "SELECT mean(\"usage\") AS \"usage\" FROM \"cpu\" WHERE time > :dashboardTime: AND \"host\" = :host: GROUP BY time(:interval:)",
                        "queryConfig": {"database": db, "measurement": "cpu", "retentionPolicy": "autogen", "fields": [], "tags": {}, "groupBy": {"time": "auto", "tags": []}, "areTagsAccepted": false, "rawText": null, "range": null},
                        "source": "", "type": "influxql"
                    }],
                    "axes": {
                        "x": {"bounds": ["", ""], "label": "", "prefix": "", "suffix": "", "base": "10", "scale": "linear"},
                        "y": {"bounds": ["0", "100"], "label": "", "prefix": "", "suffix": "%", "base": "10", "scale": "linear"}
                    },
                    "type": "line-stacked",
                    "colors": [],
                    "decimalPlaces": {"isEnforced": true, "digits": 1},
                    "note": "", "noteVisibility": "default"
                },
                {
                    "i": "6a0c8b7e-0e4f-4d4b-9a58-6b7b6f8d7c02", "x": 6, "y": 0, "w": 6, "h": 4,
                    "name": "Two queries", "type": "line-plus-single-stat",
                    "queries": [
                        {"query": "SELECT count(\"usage\") FROM \"cpu\" WHERE time > :dashboardTime:", "queryConfig": {"database": db}, "type": "influxql"},
                        {"query": "SELECT max(\"usage\") FROM \"cpu\" WHERE time > :dashboardTime:", "queryConfig": {"database": db}, "type": "influxql"}
                    ],
                    "axes": {"y": {"bounds": ["", ""], "suffix": ""}}
                },
                {"i": "n1", "x": 0, "y": 4, "w": 14, "h": 2, "name": "Readme", "type": "note", "note": "## On call\nAsk **ops**.", "queries": []}
            ],
            "templates": [
                {
                    "tempVar": ":host:", "id": "t1", "type": "tagValues", "label": "",
                    "values": [{"value": "web-01", "type": "tagValue", "selected": true}, {"value": "db-01", "type": "tagValue", "selected": false}],
                    "query": {"influxql": "SHOW TAG VALUES ON :database: FROM :measurement: WITH KEY=:tagKey:", "db": db, "measurement": "cpu", "tagKey": "host", "fieldKey": ""}
                },
                {
                    "tempVar": ":dc:", "id": "t2", "type": "csv", "label": "",
                    "values": [{"value": "eu", "type": "csv", "selected": false}, {"value": "us", "type": "csv", "selected": true}]
                },
                {
                    "tempVar": ":mydb:", "id": "t3", "type": "databases", "label": "",
                    "values": [{"value": db, "type": "database", "selected": true}],
                    "query": {"influxql": "SHOW DATABASES", "db": "", "measurement": "", "tagKey": "", "fieldKey": ""}
                }
            ]
        }
    })
}

/// An InfluxDB 2 dashboard template (`influx export dashboards`).
fn influxdb2_template() -> serde_json::Value {
    json!([
        {
            "apiVersion": "influxdata.com/v2alpha1",
            "kind": "Variable",
            "metadata": {"name": "vivid-host-var"},
            "spec": {"name": "host", "type": "constant", "values": ["web-01", "db-01"], "selected": ["db-01"]}
        },
        {
            "apiVersion": "influxdata.com/v2alpha1",
            "kind": "Variable",
            "metadata": {"name": "bucket-var"},
            "spec": {"name": "bucket", "type": "query", "language": "flux", "query": "buckets() |> keep(columns: [\"name\"])", "selected": ["telegraf"]}
        },
        {
            "apiVersion": "influxdata.com/v2alpha1",
            "kind": "Dashboard",
            "metadata": {"name": "jolly-dash"},
            "spec": {
                "name": "System (v2)",
                "description": "from a template",
                "charts": [
                    {
                        "kind": "Xy", "name": "CPU", "xPos": 0, "yPos": 0, "width": 4, "height": 4,
                        "geom": "step", "suffix": "%", "decimalPlaces": 2,
                        "queries": [{"query": "from(bucket: v.bucket)\n  |> range(start: v.timeRangeStart, stop: v.timeRangeStop)\n  |> filter(fn: (r) => r._measurement == \"cpu\" and r.host == v.host)\n  |> aggregateWindow(every: v.windowPeriod, fn: mean)"}]
                    },
                    {"kind": "Single_Stat", "name": "Load", "xPos": 4, "yPos": 0, "width": 4, "height": 2, "queries": [{"query": "from(bucket: v.bucket) |> range(start: v.timeRangeStart) |> last()"}]},
                    {"kind": "Markdown", "name": "Notes", "xPos": 8, "yPos": 0, "width": 4, "height": 2, "note": "# Hello <script>alert(1)</script>"},
                    {"kind": "Heatmap", "name": "Latency", "xPos": 0, "yPos": 4, "width": 12, "height": 4, "binSize": 10, "yDomain": [0, 500], "queries": [{"query": "from(bucket: v.bucket) |> range(start: -1h)"}]},
                    {"kind": "Histogram", "name": "Latency spread", "xPos": 0, "yPos": 8, "width": 6, "height": 4, "binCount": 12, "position": "overlaid", "xDomain": [0, 250], "queries": [{"query": "from(bucket: v.bucket) |> range(start: -1h)"}]},
                    {"kind": "Histogram", "name": "Sizes", "xPos": 6, "yPos": 8, "width": 6, "height": 4, "binCount": 100000, "position": "stacked", "xDomain": [], "queries": [{"query": "from(bucket: v.bucket) |> range(start: -1h)"}]}
                ]
            }
        }
    ])
}

async fn profile_with_data() -> (std::sync::Arc<influxdesk_core::Ctx>, String) {
    let (c, db) = harness::profile_with_db("dashimp", None).await;
    let now = chrono::Utc::now().timestamp();
    let lines: Vec<String> = (1..=12)
        .flat_map(|i| {
            [
                format!("cpu,host=web-01 usage={} {}", i, now - i * 120),
                format!("cpu,host=db-01 usage={} {}", 50 + i, now - i * 120),
            ]
        })
        .collect();
    crate::harness::write_s(&c, &db, &lines).await;
    (c, db)
}

#[tokio::test]
async fn a_chronograf_export_imports_and_runs() {
    let (c, db) = profile_with_data().await;
    let rep = dashboards::import(
        &c,
        &Actor::User,
        ImportDashboardReq {
            json: chronograf_export(&db).to_string(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(rep.format, "chronograf");
    let d = &rep.dashboard;
    assert_eq!(d.name, "Chronograf CPU");
    let cpu = &d.cells[0];
    assert_eq!(
        cpu.query,
        "SELECT mean(\"usage\") AS \"usage\" FROM \"cpu\" WHERE time > :dashboardTime: AND \
         \"host\" = ${host} GROUP BY time(:interval:)",
        ":host: becomes ${{host}}; the built-in placeholders stay (core fills them)"
    );
    assert_eq!(cpu.title, "CPU of :host:");
    assert_eq!(cpu.database.as_deref(), Some(db.as_str()));
    assert_eq!(
        cpu.chart.chart_type,
        ChartType::Area,
        "line-stacked is a stacked area"
    );
    assert_eq!(cpu.chart.unit.as_deref(), Some("%"));
    assert_eq!(cpu.chart.decimals, Some(1));
    assert_eq!((cpu.chart.y_min, cpu.chart.y_max), (Some(0.0), Some(100.0)));
    assert_eq!((cpu.x, cpu.y, cpu.w, cpu.h), (0, 0, 6, 4));
    let note = &d.cells[2];
    assert_eq!(note.kind, CellKind::Note);
    assert_eq!(note.note, "## On call\nAsk **ops**.");
    assert_eq!(
        (note.x, note.w),
        (0, 12),
        "too wide for the grid: made to fit"
    );
    let host = &d.variables[0];
    assert_eq!(
        (
            host.kind,
            host.measurement.as_deref(),
            host.tag_key.as_deref()
        ),
        (VariableKind::Query, Some("cpu"), Some("host"))
    );
    assert_eq!(host.selected.as_deref(), Some("web-01"));
    assert_eq!(d.variables[1].values, vec!["eu", "us"]);
    assert_eq!(d.variables[1].selected.as_deref(), Some("us"));
    let u = rep.unmapped.join("\n");
    for expect in [
        "2 queries, only the first is kept",
        "line + single stat is drawn as a line chart",
        "did not fit the 12-column grid",
        "variable :mydb: of type \"databases\" is a fixed list",
    ] {
        assert!(u.contains(expect), "the report says {expect:?}: {u}");
    }

    // It runs: the tag-values variable picks web-01 as saved.
    let r = dashboards::run(
        &c,
        &Actor::User,
        RunDashboardReq {
            dashboard: d.id.clone(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let cpu_run = &r.cells[0];
    assert!(cpu_run.error.is_none(), "{:?}", cpu_run.error);
    let q = cpu_run.executed_query.as_deref().unwrap();
    assert!(q.contains("\"host\" = 'web-01'"), "{q}");
    let s = &cpu_run.summary.as_ref().unwrap().series[0];
    assert!(s.max <= 12.0, "only web-01's points: {s:?}");
}

#[tokio::test]
async fn an_influxdb2_template_imports_with_what_did_not_map() {
    let c = ctx();
    add(
        &c,
        fields("local", &harness::open_server().url, ApiKind::V1),
        None,
    )
    .await;
    let rep = dashboards::import(
        &c,
        &Actor::User,
        ImportDashboardReq {
            json: influxdb2_template().to_string(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(rep.format, "influxdb2");
    let d = &rep.dashboard;
    assert_eq!(d.name, "System (v2)");
    let titles: Vec<&str> = d.cells.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(
        titles,
        vec!["CPU", "Load", "Notes", "Latency", "Latency spread", "Sizes"]
    );
    let cpu = &d.cells[0];
    assert_eq!(cpu.language, Some(QueryLanguage::Flux));
    assert!(
        cpu.query.starts_with("from(bucket: ${bucket})")
            && cpu.query.contains("r.host == ${host}")
            && cpu.query.contains("v.timeRangeStart")
            && cpu.query.contains("v.windowPeriod"),
        "template variables become ${{name}}, the built-in v.* stay: {}",
        cpu.query
    );
    assert_eq!(cpu.chart.chart_type, ChartType::Step);
    assert_eq!(
        (cpu.chart.unit.as_deref(), cpu.chart.decimals),
        (Some("%"), Some(2))
    );
    assert_eq!(d.cells[1].chart.chart_type, ChartType::SingleStat);
    assert_eq!(d.cells[2].kind, CellKind::Note);
    assert_eq!(
        d.cells[2].note, "# Hello <script>alert(1)</script>",
        "kept as text (the GUI escapes it)"
    );
    assert_eq!((d.cells[3].w, d.cells[3].y), (12, 4));
    let heat = &d.cells[3].chart;
    assert_eq!(heat.chart_type, ChartType::Heatmap);
    assert_eq!(
        (heat.bin_min, heat.bin_max, heat.bins),
        (Some(0.0), Some(500.0), None),
        "yDomain is the value range; binSize (pixels) is not a bin count"
    );
    let spread = &d.cells[4].chart;
    assert_eq!(spread.chart_type, ChartType::Histogram);
    assert_eq!(
        (spread.bins, spread.bin_min, spread.bin_max),
        (Some(12), Some(0.0), Some(250.0))
    );
    assert_eq!(spread.histogram_layout, Some(HistogramLayout::SideBySide));
    let sizes = &d.cells[5].chart;
    assert_eq!(
        (sizes.bins, sizes.bin_min, sizes.histogram_layout),
        (Some(500), None, Some(HistogramLayout::Stacked)),
        "a bin count past the limit is capped; an empty xDomain is the data's range"
    );
    let host = d.variables.iter().find(|v| v.name == "host").unwrap();
    assert_eq!(host.values, vec!["web-01", "db-01"]);
    assert_eq!(host.selected.as_deref(), Some("db-01"));
    let bucket = d.variables.iter().find(|v| v.name == "bucket").unwrap();
    assert_eq!(
        bucket.values,
        vec!["telegraf"],
        "a Flux query variable keeps its selection"
    );
    let u = rep.unmapped.join("\n");
    assert!(u.contains("Flux query variable"), "{u}");
    assert!(
        !u.contains("(Heatmap)") && !u.contains("\"Sizes\""),
        "heatmaps and histograms map: {u}"
    );
    assert!(
        u.contains("\"Latency spread\" (Histogram): overlaid bars are drawn side by side"),
        "{u}"
    );

    // The same template again: a name clash says so; with another name it imports.
    let again = dashboards::import(
        &c,
        &Actor::User,
        ImportDashboardReq {
            json: influxdb2_template().to_string(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(again.code(), ErrorCode::Conflict);
    let e = dashboards::import(
        &c,
        &Actor::User,
        ImportDashboardReq {
            json: json!([{"kind": "Bucket", "spec": {}}]).to_string(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(e.message().contains("InfluxDB 2 template"), "{e}");
}
