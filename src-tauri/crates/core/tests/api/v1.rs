//! The service layer against a real influxd 1.x (Debian's 1.6.7), auth off and on.

use influxdesk_core::api::{self, EnvProfile, profiles, query, write};
use influxdesk_core::model::*;
use influxdesk_core::secrets::Secret;
use influxdesk_core::{Actor, ErrorCode};
use serde_json::json;

use crate::harness::{self, ADMIN_PASSWORD, ADMIN_USER, add, ctx, fields, unique_db};

fn q(db: &str, text: &str) -> RunQueryReq {
    RunQueryReq {
        profile: None,
        language: None,
        database: Some(db.into()),
        query: text.into(),
        row_limit: None,
        time_range: None,
        query_id: None,
    }
}

fn w(db: &str, precision: Precision, lines: &str) -> WriteReq {
    WriteReq {
        profile: None,
        bucket: Some(db.into()),
        precision,
        lines: lines.into(),
    }
}

async fn create_db(c: &influxdesk_core::Ctx, db: &str) {
    query::run(c, &Actor::User, q(db, &format!("CREATE DATABASE \"{db}\"")))
        .await
        .unwrap();
}

#[tokio::test]
async fn auto_detects_v1_and_reports_version_and_databases() {
    let s = harness::open_server();
    let c = ctx();
    add(&c, fields("local", &s.url, ApiKind::Auto), None).await;
    let db = unique_db("detect");
    create_db(&c, &db).await;
    let info = profiles::test(&c, &Actor::User, TestProfileReq::Saved { profile: None })
        .await
        .unwrap();
    assert_eq!(
        info.api,
        ApiKind::V1,
        "1.6.7 answers /ping 204 with X-Influxdb-Version 1.x"
    );
    assert!(
        info.version.starts_with("1.6"),
        "version from the ping header, got {}",
        info.version
    );
    assert!(
        info.databases.contains(&db),
        "SHOW DATABASES lists {db}: {:?}",
        info.databases
    );
    assert!(info.auth_ok);
    let st = profiles::status(&c, None).await.unwrap();
    assert!(st.reachable && st.auth_ok, "{st:?}");
    assert!(st.latency_ms.unwrap() >= 0.0);
    assert_eq!(st.api, Some(ApiKind::V1));
}

#[tokio::test]
async fn writes_then_reads_back_exact_values_and_types() {
    let s = harness::open_server();
    let c = ctx();
    add(&c, fields("local", &s.url, ApiKind::V1), None).await;
    let db = unique_db("exact");
    create_db(&c, &db).await;
    let lines = "weather,city=Oslo,station=a\\ b temp=-3.25,hum=81i,note=\"snow, light\",ok=true 1700000000123456789\n\
                 weather,city=Oslo,station=a\\ b temp=-2.5,hum=80i,note=\"clear\",ok=false 1700000060000000000";
    let r = write::write(&c, &Actor::User, w(&db, Precision::Ns, lines))
        .await
        .unwrap();
    assert_eq!((r.points, r.bucket.as_str()), (2, db.as_str()));
    let res = query::run(
        &c,
        &Actor::User,
        q(&db, "SELECT temp, hum, note, ok FROM weather GROUP BY *"),
    )
    .await
    .unwrap();
    assert_eq!(res.rows, 2);
    assert!(!res.truncated);
    let f = &res.frames[0];
    assert_eq!(f.name, "weather");
    assert_eq!(
        f.tags.get("station").map(String::as_str),
        Some("a b"),
        "escaped space round-trips"
    );
    let col = |n: &str| f.column(n).unwrap_or_else(|| panic!("column {n}"));
    assert_eq!(
        col("time").values,
        vec![
            json!("2023-11-14T22:13:20.123456789Z"),
            json!("2023-11-14T22:14:20Z")
        ],
        "nanoseconds kept"
    );
    assert_eq!(col("time").kind, ColumnType::Time);
    assert_eq!(col("temp").values, vec![json!(-3.25), json!(-2.5)]);
    assert_eq!(col("temp").kind, ColumnType::Float);
    assert_eq!(col("hum").values, vec![json!(81), json!(80)]);
    assert_eq!(col("hum").kind, ColumnType::Integer);
    assert_eq!(
        col("note").values,
        vec![json!("snow, light"), json!("clear")]
    );
    assert_eq!(col("ok").values, vec![json!(true), json!(false)]);

    let agg = query::run(
        &c,
        &Actor::User,
        q(&db, "SELECT mean(temp), max(hum), count(note) FROM weather"),
    )
    .await
    .unwrap();
    let f = &agg.frames[0];
    assert_eq!(f.column("mean").unwrap().values, vec![json!(-2.875)]);
    assert_eq!(f.column("max").unwrap().values, vec![json!(81)]);
    assert_eq!(f.column("count").unwrap().values, vec![json!(2)]);
}

#[tokio::test]
async fn precision_and_retention_policy_targets() {
    let s = harness::open_server();
    let c = ctx();
    add(&c, fields("local", &s.url, ApiKind::V1), None).await;
    let db = unique_db("prec");
    create_db(&c, &db).await;
    query::run(
        &c,
        &Actor::User,
        q(
            &db,
            &format!("CREATE RETENTION POLICY short ON \"{db}\" DURATION 2d REPLICATION 1"),
        ),
    )
    .await
    .unwrap();
    // Inside the 2-day policy: a whole second an hour ago.
    let t = chrono::Utc::now().timestamp() - 3600;
    let t_str = chrono::DateTime::from_timestamp(t, 0)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    write::write(
        &c,
        &Actor::User,
        w(&format!("{db}/short"), Precision::S, &format!("m v=1 {t}")),
    )
    .await
    .unwrap();
    write::write(
        &c,
        &Actor::User,
        w(&db, Precision::Ms, "m v=2 1700000000500"),
    )
    .await
    .unwrap();
    let short = query::run(
        &c,
        &Actor::User,
        q(&format!("{db}/short"), "SELECT v FROM m"),
    )
    .await
    .unwrap();
    assert_eq!(
        short.frames[0].column("time").unwrap().values,
        vec![json!(t_str)],
        "seconds precision"
    );
    assert_eq!(short.frames[0].column("v").unwrap().values, vec![json!(1)]);
    let def = query::run(&c, &Actor::User, q(&db, "SELECT v FROM m"))
        .await
        .unwrap();
    assert_eq!(
        def.frames[0].column("time").unwrap().values,
        vec![json!("2023-11-14T22:13:20.500Z")],
        "ms precision, default RP"
    );
}

#[tokio::test]
async fn row_limit_truncates_and_says_so() {
    let s = harness::open_server();
    let c = ctx();
    add(&c, fields("local", &s.url, ApiKind::V1), None).await;
    let db = unique_db("limit");
    create_db(&c, &db).await;
    let lines: Vec<String> = (0..50)
        .map(|i| format!("m v={i} {}", 1_700_000_000 + i))
        .collect();
    write::write(&c, &Actor::User, w(&db, Precision::S, &lines.join("\n")))
        .await
        .unwrap();
    let mut req = q(&db, "SELECT v FROM m");
    req.row_limit = Some(20);
    let r = query::run(&c, &Actor::User, req).await.unwrap();
    assert_eq!(r.rows, 20);
    assert!(r.truncated, "the cap bit and the result says so");
    assert_eq!(r.row_limit, 20);
}

#[tokio::test]
async fn errors_come_back_with_the_right_code_and_the_server_text() {
    let s = harness::open_server();
    let c = ctx();
    add(&c, fields("local", &s.url, ApiKind::V1), None).await;
    let db = unique_db("errs");
    create_db(&c, &db).await;

    let e = query::run(&c, &Actor::User, q(&db, "SELEC * FROM m"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::QuerySyntax);
    assert!(
        e.message().contains("found SELEC"),
        "server text kept: {}",
        e.message()
    );

    let e = query::run(&c, &Actor::User, q("no_such_db", "SELECT * FROM m"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound);
    assert!(
        e.message().contains("database not found"),
        "{}",
        e.message()
    );

    // A bad line anywhere in the batch: nothing is written.
    let e = write::write(
        &c,
        &Actor::User,
        w(&db, Precision::S, "m v=1 1700000000\nm v=oops 1700000001"),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert!(e.message().contains("line 2"), "{}", e.message());
    let r = query::run(&c, &Actor::User, q(&db, "SELECT count(v) FROM m"))
        .await
        .unwrap();
    assert_eq!(r.rows, 0, "the good first line was not written either");

    // A field type conflict with existing data: the server refuses and we say so.
    write::write(&c, &Actor::User, w(&db, Precision::S, "m v=1.5 1700000000"))
        .await
        .unwrap();
    let e = write::write(
        &c,
        &Actor::User,
        w(&db, Precision::S, "m v=\"text\" 1700000001"),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert!(
        e.message().contains("field type conflict"),
        "{}",
        e.message()
    );

    let e = query::run(&c, &Actor::User, q(&db, "   "))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
}

#[tokio::test]
async fn server_down_and_timeouts_are_distinct_errors() {
    let c = ctx();
    let port = influxdesk_core::local::free_port().unwrap();
    add(
        &c,
        fields("down", &format!("http://127.0.0.1:{port}"), ApiKind::Auto),
        None,
    )
    .await;
    let e = profiles::test(&c, &Actor::User, TestProfileReq::Saved { profile: None })
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Unreachable);
    assert!(
        e.message().contains("connection refused"),
        "{}",
        e.message()
    );
    let st = profiles::status(&c, None).await.unwrap();
    assert!(!st.reachable);
    assert_eq!(st.error.unwrap().code, ErrorCode::Unreachable);

    // A server that accepts the connection and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    let mut f = fields("silent", &url, ApiKind::V1);
    f.timeout_ms = Some(300);
    add(&c, f, None).await;
    let e = profiles::test(
        &c,
        &Actor::User,
        TestProfileReq::Saved {
            profile: Some("silent".into()),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Timeout, "{}", e.message());
    drop(silent);
}

#[tokio::test]
async fn auth_on_right_and_wrong_password() {
    let s = harness::auth_server();
    let c = ctx();
    let mut f = fields("secure", &s.url, ApiKind::Auto);
    f.username = Some(ADMIN_USER.into());
    add(&c, f.clone(), Some(ADMIN_PASSWORD)).await;
    let info = profiles::test(&c, &Actor::User, TestProfileReq::Saved { profile: None })
        .await
        .unwrap();
    assert_eq!(info.api, ApiKind::V1);
    assert!(info.auth_ok);

    let db = unique_db("auth");
    create_db(&c, &db).await;
    write::write(&c, &Actor::User, w(&db, Precision::S, "m v=42 1700000000"))
        .await
        .unwrap();
    let r = query::run(&c, &Actor::User, q(&db, "SELECT v FROM m"))
        .await
        .unwrap();
    assert_eq!(r.frames[0].column("v").unwrap().values, vec![json!(42)]);

    // Wrong password, tested as an unsaved draft the way the form does.
    f.name = "draft".into();
    let e = profiles::test(
        &c,
        &Actor::User,
        TestProfileReq::Draft {
            fields: f.clone(),
            secret: SecretChange::Set(Secret::new("wrong-pw")),
            existing: None,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Unauthorized, "{}", e.message());
    assert!(
        e.message().contains("username and password"),
        "says what to do: {}",
        e.message()
    );
    assert!(
        !e.message().contains("wrong-pw"),
        "the password never appears in an error"
    );

    // No credentials at all.
    let e = profiles::test(
        &c,
        &Actor::User,
        TestProfileReq::Draft {
            fields: fields("anon", &s.url, ApiKind::V1),
            secret: SecretChange::Keep,
            existing: None,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Unauthorized, "{}", e.message());

    // A valid user without write privileges: 403 Forbidden.
    query::run(
        &c,
        &Actor::User,
        q(&db, "CREATE USER reader WITH PASSWORD 'reader-pw'"),
    )
    .await
    .unwrap();
    query::run(
        &c,
        &Actor::User,
        q(&db, &format!("GRANT READ ON \"{db}\" TO reader")),
    )
    .await
    .unwrap();
    let mut rf = fields("reader", &s.url, ApiKind::V1);
    rf.username = Some("reader".into());
    let reader = profiles::add(
        &c,
        &Actor::User,
        AddProfileReq {
            fields: rf,
            secret: SecretChange::Set(Secret::new("reader-pw")),
            activate: false,
        },
    )
    .await
    .unwrap();
    let mut wr = w(&db, Precision::S, "m v=1 1700000001");
    wr.profile = Some(reader.id.clone());
    let e = write::write(&c, &Actor::User, wr).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden, "{}", e.message());
    let mut rq = q(&db, "SELECT v FROM m");
    rq.profile = Some("reader".into());
    assert_eq!(
        query::run(&c, &Actor::User, rq).await.unwrap().rows,
        1,
        "reads are allowed"
    );
}

#[tokio::test]
async fn profile_lifecycle_keeps_file_and_secrets_in_step() {
    let s = harness::auth_server();
    let c = ctx();
    let mut f = fields("alpha", &s.url, ApiKind::V1);
    f.username = Some(ADMIN_USER.into());
    f.database = Some("telegraf".into());
    let a = add(&c, f.clone(), Some(ADMIN_PASSWORD)).await;
    assert!(a.secret_stored);

    // Names are unique (case-insensitive) and "env" is reserved.
    let mut dup = f.clone();
    dup.name = "ALPHA".into();
    let e = profiles::add(
        &c,
        &Actor::User,
        AddProfileReq {
            fields: dup,
            secret: SecretChange::Keep,
            activate: false,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);
    let mut envname = f.clone();
    envname.name = "env".into();
    let e = profiles::add(
        &c,
        &Actor::User,
        AddProfileReq {
            fields: envname,
            secret: SecretChange::Keep,
            activate: false,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    let mut badurl = f.clone();
    badurl.name = "bad".into();
    badurl.url = "localhost:8086".into();
    let e = profiles::add(
        &c,
        &Actor::User,
        AddProfileReq {
            fields: badurl,
            secret: SecretChange::Keep,
            activate: false,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert!(
        e.message().contains("http://localhost:8086"),
        "says what to do: {}",
        e.message()
    );

    // Duplicate copies the secret: the copy authenticates.
    let b = profiles::duplicate(
        &c,
        &Actor::User,
        DuplicateProfileReq {
            profile: "alpha".into(),
            new_name: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(b.name, "alpha copy");
    assert_ne!(b.id, a.id);
    profiles::test(
        &c,
        &Actor::User,
        TestProfileReq::Saved {
            profile: Some(b.id.clone()),
        },
    )
    .await
    .unwrap();

    // Edit with Keep: renamed, secret still there; Clear: removed, auth fails.
    let mut g = f.clone();
    g.name = "beta".into();
    let b2 = profiles::update(
        &c,
        &Actor::User,
        UpdateProfileReq {
            profile: b.id.clone(),
            fields: g.clone(),
            secret: SecretChange::Keep,
        },
    )
    .await
    .unwrap();
    assert_eq!((b2.name.as_str(), b2.secret_stored), ("beta", true));
    profiles::test(
        &c,
        &Actor::User,
        TestProfileReq::Saved {
            profile: Some("beta".into()),
        },
    )
    .await
    .unwrap();
    let b3 = profiles::update(
        &c,
        &Actor::User,
        UpdateProfileReq {
            profile: b.id.clone(),
            fields: g,
            secret: SecretChange::Clear,
        },
    )
    .await
    .unwrap();
    assert!(!b3.secret_stored);
    let e = profiles::test(
        &c,
        &Actor::User,
        TestProfileReq::Saved {
            profile: Some("beta".into()),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Unauthorized);

    // Activate and delete.
    profiles::activate(&c, &Actor::User, "beta").await.unwrap();
    assert_eq!(
        profiles::list(&c).await.unwrap().active.as_deref(),
        Some(b.id.as_str())
    );
    profiles::delete(&c, &Actor::User, "beta").await.unwrap();
    let list = profiles::list(&c).await.unwrap();
    assert_eq!(
        list.profiles
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        vec!["alpha"]
    );
    assert_eq!(
        list.active.as_deref(),
        Some(a.id.as_str()),
        "falls back to the remaining profile"
    );
    let e = profiles::delete(&c, &Actor::User, "beta")
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound);

    // The profiles file holds no secret.
    let text = std::fs::read_to_string(c.config_dir().join("profiles.json")).unwrap();
    assert!(
        !text.contains(ADMIN_PASSWORD),
        "no password in the profiles file"
    );
}

#[tokio::test]
async fn imports_influx_cli_config_and_env_profile() {
    let c = ctx();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("configs");
    std::fs::write(
        &path,
        "[default]\n  url = \"http://localhost:8086\"\n  token = \"cli-token-abc\"\n  org = \"acme\"\n  active = false\n\n\
         [cloud]\n  url = \"https://eu-central-1-1.aws.cloud2.influxdata.com\"\n  token = \"cloud-token-xyz\"\n  org = \"acme-cloud\"\n  active = true\n",
    )
    .unwrap();
    let r = profiles::import_influx_cli(&c, &Actor::User, Some(&path))
        .await
        .unwrap();
    assert_eq!(r.imported.len(), 2, "{r:?}");
    let list = profiles::list(&c).await.unwrap();
    let cloud = list.profiles.iter().find(|p| p.name == "cloud").unwrap();
    assert_eq!(
        (cloud.api, cloud.org.as_deref(), cloud.secret_stored),
        (ApiKind::V2, Some("acme-cloud"), true)
    );
    assert_eq!(
        list.active.as_deref(),
        Some(cloud.id.as_str()),
        "the CLI's active config becomes active"
    );
    let again = profiles::import_influx_cli(&c, &Actor::User, Some(&path))
        .await
        .unwrap();
    assert_eq!(
        again.skipped.len(),
        2,
        "existing names are skipped, not overwritten"
    );
    let text = std::fs::read_to_string(c.config_dir().join("profiles.json")).unwrap();
    assert!(
        !text.contains("cloud-token-xyz") && !text.contains("cli-token-abc"),
        "tokens only in the keychain"
    );

    let bad = dir.path().join("bad");
    std::fs::write(&bad, "[default\nurl=").unwrap();
    let e = profiles::import_influx_cli(&c, &Actor::User, Some(&bad))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);

    // INFLUX_* env profile: wins over the saved active profile, queries through it work.
    let s = harness::open_server();
    let vars = |k: &str| match k {
        "INFLUX_URL" => Some(s.url.clone()),
        "INFLUX_BUCKET" => Some("envdb".to_string()),
        "INFLUX_TIMEOUT" => Some("5000".to_string()),
        _ => None,
    };
    let env = EnvProfile::from_vars(vars).unwrap().unwrap();
    let ec = influxdesk_core::Ctx::new(influxdesk_core::CtxOptions {
        config_dir: c.config_dir().to_path_buf(),
        data_dir: c.data_dir().to_path_buf(),
        secrets: influxdesk_core::secrets::SecretStore::memory(),
        env_profile: Some(env),
    });
    let list = profiles::list(&ec).await.unwrap();
    assert_eq!(list.active.as_deref(), Some("env"));
    assert_eq!(list.profiles[0].source, ProfileSource::Env);
    assert_eq!(list.profiles[0].timeout_ms, 5000);
    query::run(&ec, &Actor::User, q("envdb", "CREATE DATABASE envdb"))
        .await
        .unwrap();
    let info = profiles::test(&ec, &Actor::User, TestProfileReq::Saved { profile: None })
        .await
        .unwrap();
    assert!(info.databases.contains(&"envdb".to_string()));
    let e = profiles::delete(&ec, &Actor::User, "env")
        .await
        .unwrap_err();
    assert_eq!(
        e.code(),
        ErrorCode::InvalidInput,
        "the env profile is not editable"
    );
    let bad = EnvProfile::from_vars(|k| match k {
        "INFLUX_URL" => Some("http://x".into()),
        "INFLUX_TIMEOUT" => Some("10s".into()),
        _ => None,
    });
    assert_eq!(
        bad.err().unwrap().code(),
        ErrorCode::InvalidInput,
        "INFLUX_TIMEOUT is milliseconds"
    );
    let _ = api::natural_language(ApiKind::V3);
}

#[tokio::test]
async fn demo_starts_a_local_server_with_a_day_of_data() {
    let c = ctx();
    let now = chrono::Utc::now();
    let demo = influxdesk_core::demo::ensure(&c, now)
        .await
        .unwrap()
        .expect("no profile: demo is created");
    assert!(demo.server.is_some(), "we started the server");
    assert_eq!(demo.profile.name, "Local demo");
    assert!(
        demo.points_written >= 1439 * 13,
        "a day of 1-minute points for 3 hosts x 3 + 4 sensors, got {}",
        demo.points_written
    );
    let list = profiles::list(&c).await.unwrap();
    assert_eq!(
        list.active.as_deref(),
        Some(demo.profile.id.as_str()),
        "the demo profile is active"
    );
    assert!(list.profiles[0].managed_local);
    let r = query::run(
        &c,
        &Actor::User,
        q(
            "demo",
            "SELECT count(usage_user) FROM cpu WHERE time > now() - 25h GROUP BY host",
        ),
    )
    .await
    .unwrap();
    assert_eq!(r.frames.len(), 3, "three hosts");
    for f in &r.frames {
        let n = f.column("count").unwrap().value(0).as_i64().unwrap();
        assert!(
            (1439..=1441).contains(&n),
            "one point a minute for a day on {:?}: {n}",
            f.tags
        );
    }
    // Running again while the server is up tops up only what is new.
    let again = influxdesk_core::demo::ensure(&c, now)
        .await
        .unwrap()
        .unwrap();
    assert!(again.server.is_none(), "reuses the running server");
    assert_eq!(
        again.points_written, 0,
        "nothing new to write for the same instant"
    );
    // With the demo server gone, it starts again on the same port.
    let url = demo.profile.url.clone();
    drop(demo);
    let third = influxdesk_core::demo::ensure(&c, now + chrono::Duration::minutes(5))
        .await
        .unwrap()
        .unwrap();
    assert!(third.server.is_some());
    assert_eq!(third.profile.url, url, "same port when it is free");
    assert!(
        third.points_written >= 13 * 4,
        "five new minutes were added: {}",
        third.points_written
    );
}

/// A CA and a server certificate for 127.0.0.1, made with openssl.
fn make_certs(
    dir: &std::path::Path,
) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let run = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=influxdesk test CA",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
    (
        dir.join("ca.pem"),
        dir.join("server.pem"),
        dir.join("server.key"),
    )
}

#[tokio::test]
async fn tls_needs_the_right_ca_or_an_explicit_skip() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = make_certs(dir.path());
    let server = influxdesk_core::local::LocalServer::start(&influxdesk_core::local::LocalConfig {
        dir: dir.path().join("influxd"),
        http_port: 0,
        auth_enabled: false,
        tls: Some((cert, key)),
    })
    .expect("influxd with https");
    let url = server.url();
    assert!(url.starts_with("https://"));
    let c = ctx();
    let draft = |f: ProfileFields| TestProfileReq::Draft {
        fields: f,
        secret: SecretChange::Keep,
        existing: None,
    };

    let e = profiles::test(&c, &Actor::User, draft(fields("tls", &url, ApiKind::Auto)))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Unreachable, "{}", e.message());
    assert!(
        e.message().contains("TLS") && e.message().contains("CA certificate file"),
        "says what to do: {}",
        e.message()
    );

    let mut with_ca = fields("tls", &url, ApiKind::Auto);
    with_ca.tls.ca_cert = Some(ca.display().to_string());
    let info = profiles::test(&c, &Actor::User, draft(with_ca.clone()))
        .await
        .unwrap();
    assert!(
        info.version.starts_with("1.6"),
        "trusted through the profile's CA file"
    );

    let mut skip = fields("tls", &url, ApiKind::Auto);
    skip.tls.skip_verify = true;
    profiles::test(&c, &Actor::User, draft(skip)).await.unwrap();

    with_ca.tls.ca_cert = Some("/nonexistent/ca.pem".into());
    let e = profiles::test(&c, &Actor::User, draft(with_ca))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert!(
        e.message().contains("/nonexistent/ca.pem"),
        "{}",
        e.message()
    );
}
