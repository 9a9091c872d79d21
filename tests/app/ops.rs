//! The Admin operations from the command line, against a real influxd 1.x: `influxdesk
//! queries` lists a query that a client holds open (testkit's `held_query`: a long query that
//! does not depend on machine speed), `queries --kill ID` stops it and the client gets "query
//! interrupted".

use std::time::Duration;

use influxdesk_testkit::held_query::HeldQuery;
use influxdesk_testkit::secret_service::SecretService;

use crate::support::{influxd, run, scratch, text};

/// `big` in `db`: 50k points with a 200-byte string, about 12 MB as JSON (more than the
/// loopback socket buffers), written through `influxdesk write`.
pub(crate) fn write_big(env: &[(String, String)], db: &str) {
    let pad = "x".repeat(200);
    let lines: String = (0..50_000)
        .map(|n| {
            format!(
                "big,host=h{} s=\"{pad}\",v={n}i {}\n",
                n % 10,
                1_600_000_000 + n
            )
        })
        .collect();
    let o = run(
        &["write", "--bucket", db, "--precision", "s", "-"],
        env,
        Some(&lines),
    );
    assert!(o.status.success(), "write: {:?}", text(&o));
}

/// A profile `local` on a fresh influxd with database `db` created.
pub(crate) fn local_profile(env: &[(String, String)], url: &str, db: &str) {
    for args in [
        vec![
            "profile",
            "add",
            "local",
            "--url",
            url,
            "--api",
            "v1",
            "--database",
            db,
        ],
        vec!["query", "--db", db, &format!("CREATE DATABASE \"{db}\"")],
    ] {
        let o = run(&args, env, None);
        assert!(o.status.success(), "influxdesk {args:?}: {:?}", text(&o));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_lists_and_kills_a_held_query() {
    let ss = SecretService::start(true);
    let server = influxd(None);
    let config = scratch("ops-config-");
    let mut env = ss.env();
    env.push(("INFLUXDESK_CONFIG_DIR".into(), config.display().to_string()));
    let db = "ops_kill";
    local_profile(&env, &server.url(), db);
    write_big(&env, db);

    let held = HeldQuery::start(&server.url(), db, "SELECT * FROM big").await;
    // Wait until the list shows it (a condition, not a time).
    let mut id = None;
    for _ in 0..200 {
        let o = run(&["queries", "--json"], &env, None);
        let (out, err) = text(&o);
        assert!(o.status.success(), "queries --json: {err}");
        let list: serde_json::Value = serde_json::from_str(&out).unwrap();
        if let Some(q) = list
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["database"] == db && q["query"] == "SELECT * FROM big")
        {
            assert_eq!(q["status"], "running");
            id = q["id"].as_str().map(str::to_string);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let id = id.expect("influxdesk queries lists the held query");
    let o = run(&["queries"], &env, None);
    let (table, _) = text(&o);
    assert!(
        table.starts_with("ID") && table.contains("SELECT * FROM big"),
        "{table}"
    );

    let o = run(&["queries", "--kill", &id], &env, None);
    let (out, err) = text(&o);
    assert!(o.status.success(), "queries --kill: {err}");
    assert!(out.contains(&format!("killed query {id}")), "{out}");
    let tail = held.finish().await;
    assert!(
        tail.contains("query interrupted"),
        "the running client gets the interruption: …{tail}"
    );

    let o = run(&["queries", "--kill", "not-a-number"], &env, None);
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(
        err.contains("InvalidInput") && err.contains("not a query id"),
        "{err}"
    );
}

#[test]
fn delete_dry_runs_then_deletes_exactly_what_it_counted() {
    let server = influxd(None);
    let config = scratch("ops-del-config-");
    let env = vec![(
        "INFLUXDESK_CONFIG_DIR".to_string(),
        config.display().to_string(),
    )];
    let db = "ops_del";
    local_profile(&env, &server.url(), db);
    let lines: String = (0..10)
        .map(|i| {
            format!(
                "cpu,host={} v={i} {}\n",
                ["a", "b"][i % 2],
                1_704_067_200 + i
            )
        })
        .collect();
    let o = run(
        &["write", "--bucket", db, "--precision", "s", "-"],
        &env,
        Some(&lines),
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let args = [
        "delete",
        "--measurement",
        "cpu",
        "--where",
        "host = \"a\"",
        "--from",
        "2024-01-01T00:00:00Z",
        "--to",
        "2024-01-01T00:00:06Z",
    ];
    let dry: Vec<&str> = args.iter().copied().chain(["--dry-run"]).collect();
    let o = run(&dry, &env, None);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(
        out,
        "DELETE FROM \"cpu\" WHERE \"host\" = 'a' AND time >= '2024-01-01T00:00:00Z' AND time < \
         '2024-01-01T00:00:06Z'\nwould delete 1 series, 3 points\n"
    );
    let json_args: Vec<&str> = args.iter().copied().chain(["--json"]).collect();
    let o = run(&json_args, &env, None);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["deleted"].as_bool(), v["points"].as_u64()),
        (Some(true), Some(3))
    );
    let o = run(
        &[
            "query",
            "--db",
            db,
            "--format",
            "csv",
            "SELECT count(v) FROM cpu GROUP BY host",
        ],
        &env,
        None,
    );
    let (out, _) = text(&o);
    assert!(
        out.contains(",2\n") || out.contains(",2\r\n"),
        "host a keeps 2: {out}"
    );
    assert!(
        out.contains(",5\n") || out.contains(",5\r\n"),
        "host b keeps 5: {out}"
    );
    let o = run(
        &[
            "delete",
            "--measurement",
            "cpu",
            "--drop-measurement",
            "--where",
            "host = \"b\"",
        ],
        &env,
        None,
    );
    let (_, err) = text(&o);
    assert!(
        !o.status.success() && err.contains("error[InvalidInput]"),
        "{err}"
    );
}

#[test]
fn overview_prints_the_servers_numbers() {
    let server = influxd(None);
    let config = scratch("ops-ov-config-");
    let env = vec![(
        "INFLUXDESK_CONFIG_DIR".to_string(),
        config.display().to_string(),
    )];
    local_profile(&env, &server.url(), "ops_ov");
    let o = run(&["overview", "--json"], &env, None);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["version"].as_str().unwrap().starts_with("1.6"), "{v}");
    assert!(v["databases"].as_u64().unwrap() >= 1, "{v}");
    assert!(v["heap_bytes"].as_f64().unwrap() > 0.0, "{v}");
    let o = run(&["overview"], &env, None);
    let (out, _) = text(&o);
    assert!(out.starts_with("server     InfluxDB 1.x"), "{out}");
}
