//! `influxdesk db | rp | cq | task` as a user runs them, against a real influxd 1.6.7 with auth
//! on (password from the real Secret Service): a database with 7d retention listed with its
//! retention and shard group, a retention policy made and dropped, a downsample previewed then
//! run with its CQ listed, and a 2.x-only command refused with a clear one-line error.

use influxdesk_testkit::secret_service::SecretService;

use crate::support::{influxd, run, scratch, text};

const PASSWORD: &str = "admin-cli-pw-4e1d";

#[test]
fn db_rp_cq_commands_against_the_real_influxd() {
    let ss = SecretService::start(true);
    let server = influxd(Some(("admin", PASSWORD)));
    let config = scratch("cli-admin-");
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
            "local",
            "--url",
            &server.url(),
            "--api",
            "v1",
            "--username",
            "admin",
            "--token-stdin",
        ],
        Some(&format!("{PASSWORD}\n")),
    );

    let out = ok(
        &[
            "db",
            "create",
            "metrics",
            "--retention",
            "7d",
            "--description",
            "team",
        ],
        None,
    );
    assert!(out.contains("created metrics (retention 7d)"), "{out}");
    assert!(
        out.contains("note: InfluxDB 1.x databases have no description; ignored"),
        "{out}"
    );
    let list: serde_json::Value =
        serde_json::from_str(&ok(&["db", "list", "--json"], None)).unwrap();
    let m = list
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "metrics")
        .expect("listed");
    assert_eq!(
        (m["retention"].as_str(), m["shard_group_seconds"].as_u64()),
        (Some("7d"), Some(86_400))
    );
    let table = ok(&["db", "list"], None);
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("metrics ") && l.contains("7d") && l.contains("1d")),
        "{table}"
    );

    let out = ok(
        &[
            "rp",
            "create",
            "metrics",
            "a_month",
            "--duration",
            "30d",
            "--shard-duration",
            "1d",
        ],
        None,
    );
    assert!(out.starts_with("a_month") && out.contains("30d"), "{out}");
    let rps: serde_json::Value =
        serde_json::from_str(&ok(&["rp", "list", "metrics", "--json"], None)).unwrap();
    assert_eq!(rps.as_array().unwrap().len(), 2, "{rps}");
    ok(&["rp", "rm", "metrics", "a_month"], None);

    let out = ok(
        &[
            "cq",
            "downsample",
            "metrics",
            "cpu",
            "--field",
            "usage",
            "--every",
            "5m",
            "--keep",
            "30d",
            "--preview",
        ],
        None,
    );
    assert!(out.starts_with("preview (nothing was run):"), "{out}");
    assert!(
        out.contains(
            "CREATE RETENTION POLICY \"keep_30d\" ON \"metrics\" DURATION 2592000s REPLICATION 1"
        ),
        "{out}"
    );
    let out = ok(
        &[
            "cq",
            "downsample",
            "metrics",
            "cpu",
            "--field",
            "usage",
            "--every",
            "5m",
            "--keep",
            "30d",
        ],
        None,
    );
    assert!(out.starts_with("ran:"), "{out}");
    let cqs: serde_json::Value =
        serde_json::from_str(&ok(&["cq", "list", "metrics", "--json"], None)).unwrap();
    assert_eq!(cqs[0]["name"], "cpu_mean_5m", "{cqs}");
    ok(&["cq", "rm", "metrics", "cpu_mean_5m"], None);

    let o = run(&["task", "list"], &env, None);
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(
        err.starts_with("error[InvalidInput]:") && err.contains("InfluxDB 2.x only"),
        "{err}"
    );
    ok(&["db", "rm", "metrics"], None);
    let table = ok(&["db", "list"], None);
    assert!(!table.lines().any(|l| l.starts_with("metrics ")), "{table}");
}
