//! `influxdesk dashboard` as a user runs it against a real influxd: import a Chronograf
//! export (written here from its public shape), list, render the whole dashboard to one PNG
//! with a variable chosen, annotate it (add, list, remove), export it and import the export
//! under another name; bad input fails with a one-line error and a non-zero exit.

use influxdesk_testkit::secret_service::SecretService;

use crate::support::{influxd, run, scratch, text};

#[test]
fn import_list_render_and_export_dashboards() {
    let ss = SecretService::start(true);
    let server = influxd(None);
    let config = scratch("dash-config-");
    let data = scratch("dash-data-");
    let mut env = ss.env();
    env.push(("INFLUXDESK_CONFIG_DIR".into(), config.display().to_string()));
    env.push(("INFLUXDESK_DATA_DIR".into(), data.display().to_string()));
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
            "local",
            "--url",
            &server.url(),
            "--database",
            "dash",
        ],
        None,
    );
    ok(&["query", "CREATE DATABASE dash"], None);
    let now = chrono::Utc::now().timestamp();
    let lines: Vec<String> = (1..=10)
        .flat_map(|i| {
            [
                format!("cpu,host=a usage={i} {}", now - i * 60),
                format!("cpu,host=b usage={} {}", 50 + i, now - i * 60),
            ]
        })
        .collect();
    ok(
        &["write", "--bucket", "dash", "--precision", "s", "-"],
        Some(&lines.join("\n")),
    );

    let export = serde_json::json!({
        "meta": {"chronografVersion": "1.9.4"},
        "dashboard": {
            "name": "Hosts",
            "cells": [
                {"x": 0, "y": 0, "w": 8, "h": 4, "name": "CPU", "type": "line",
                 "queries": [{"query": "SELECT \"usage\" FROM \"cpu\" WHERE time > :dashboardTime: AND \"host\" = :host:", "queryConfig": {"database": "dash"}, "type": "influxql"}]},
                {"x": 8, "y": 0, "w": 4, "h": 4, "name": "About", "type": "note", "note": "# Hosts\nCPU per host.", "queries": []}
            ],
            "templates": [{"tempVar": ":host:", "type": "csv", "values": [{"value": "a", "selected": true}, {"value": "b", "selected": false}]}]
        }
    });
    let file = scratch("dash-files-").join("chronograf.json");
    std::fs::write(&file, export.to_string()).unwrap();
    let out = ok(&["dashboard", "import", file.to_str().unwrap()], None);
    assert!(
        out.contains("imported \"Hosts\" (chronograf format): 2 cells, 1 variables"),
        "{out}"
    );
    let list = ok(&["dashboard", "list"], None);
    assert!(
        list.lines()
            .any(|l| l.starts_with("Hosts") && l.contains(" 2 ")),
        "{list}"
    );

    let png = data.join("hosts.png");
    let out = ok(
        &[
            "dashboard",
            "render",
            "Hosts",
            "--var",
            "host=b",
            "--out",
            png.to_str().unwrap(),
        ],
        None,
    );
    assert!(
        out.contains("10 points, min 51, max 60"),
        "host b's points, from the cell's summary: {out}"
    );
    let j: serde_json::Value = serde_json::from_str(&ok(
        &[
            "dashboard",
            "render",
            "Hosts",
            "--json",
            "--out",
            png.to_str().unwrap(),
        ],
        None,
    ))
    .unwrap();
    assert_eq!(
        (j["width"].clone(), j["failed_cells"].clone()),
        (1200.into(), 0.into())
    );
    assert!(
        j["summary"]
            .as_str()
            .unwrap()
            .contains("10 points, min 1, max 10"),
        "{j}"
    );
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[1..4], b"PNG");
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!(
        (w, h),
        (1200, 4 * 80),
        "one row of 4-row cells at the default size"
    );
    std::fs::create_dir_all("test-artifacts").ok();
    std::fs::copy(&png, "test-artifacts/dashboard-cli.png").ok();

    let json = ok(&["dashboard", "export", "Hosts"], None);
    assert!(json.contains("\"influxdesk_dashboard\": 1"), "{json}");
    let out = ok(
        &["dashboard", "import", "-", "--name", "Hosts copy"],
        Some(&json),
    );
    assert!(out.contains("(influxdesk format)"), "{out}");
    let list: serde_json::Value =
        serde_json::from_str(&ok(&["dashboard", "list", "--json"], None)).unwrap();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Hosts", "Hosts copy"]);

    // Annotations: add, list (table and JSON), remove; a bad time or id is a clear error.
    let out = ok(
        &[
            "dashboard",
            "annotations",
            "add",
            "Hosts",
            "--time",
            "2026-11-30T12:00:00Z",
            "--text",
            "deploy v2.3",
        ],
        None,
    );
    assert!(
        out.contains("annotated dashboard \"Hosts\"") && out.contains("deploy v2.3"),
        "{out}"
    );
    let table = ok(&["dashboard", "annotations", "list", "Hosts"], None);
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("2026-11-30T12:00:00.000Z") && l.ends_with("deploy v2.3")),
        "{table}"
    );
    let anns: serde_json::Value = serde_json::from_str(&ok(
        &["dashboard", "annotations", "list", "Hosts", "--json"],
        None,
    ))
    .unwrap();
    assert_eq!(anns.as_array().map(Vec::len), Some(1), "{anns}");
    let id = anns[0]["id"].as_str().unwrap().to_string();
    let o = run(
        &[
            "dashboard",
            "annotations",
            "add",
            "Hosts",
            "--time",
            "noon",
            "--text",
            "x",
        ],
        &env,
        None,
    );
    let (_, err) = text(&o);
    assert!(!o.status.success() && err.contains("RFC 3339"), "{err}");
    let out = ok(&["dashboard", "annotations", "remove", "Hosts", &id], None);
    assert!(out.contains("(0 left)"), "{out}");
    let o = run(
        &["dashboard", "annotations", "remove", "Hosts", &id],
        &env,
        None,
    );
    let (_, err) = text(&o);
    assert!(
        !o.status.success()
            && err.starts_with("error[NotFound]: dashboard \"Hosts\" has no annotation"),
        "{err}"
    );
    assert_eq!(
        ok(&["dashboard", "annotations", "list", "Hosts"], None),
        "no annotations (add one with `dashboard annotations add`)\n"
    );

    let o = run(
        &["dashboard", "render", "Nope", "--out", "x.png"],
        &env,
        None,
    );
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(
        err.starts_with("error[NotFound]: no dashboard \"Nope\""),
        "{err}"
    );
    let o = run(
        &[
            "dashboard",
            "render",
            "Hosts",
            "--var",
            "host=c",
            "--out",
            png.to_str().unwrap(),
        ],
        &env,
        None,
    );
    let (_, err) = text(&o);
    assert!(
        err.contains("not one of the values of variable \"host\""),
        "{err}"
    );
}
