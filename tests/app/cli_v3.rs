//! The CLI against a real InfluxDB 3 Core (3.10, auth on) with the real Secret Service:
//! `profile add --api v3 --token-stdin` with the admin token, `profile test`, `write`, `query`
//! in SQL and InfluxQL, and the token nowhere but the keychain. Skipped with a notice when
//! the `influxdb3` binary is absent (see `influxdesk_testkit::influxdb3`).

use influxdesk_testkit::influxdb3;
use influxdesk_testkit::secret_service::SecretService;

use crate::support::{files_containing, run, scratch, text};

#[test]
fn v3_profile_write_and_query_through_the_real_keychain() {
    let Some(server) = influxdb3::auth() else {
        return;
    };
    let token = server
        .token
        .clone()
        .expect("the auth server has an admin token");
    let ss = SecretService::start(true);
    let config = scratch("cli-v3-config-");
    let mut env = ss.env();
    env.push(("INFLUXDESK_CONFIG_DIR".into(), config.display().to_string()));
    env.push(("RUST_LOG".into(), "trace".into()));
    let db = influxdb3::unique_db("cli");
    let outputs = std::cell::RefCell::new(Vec::new());
    let ok = |args: &[&str], stdin: Option<&str>| -> String {
        let o = run(args, &env, stdin);
        let (out, err) = text(&o);
        assert!(o.status.success(), "influxdesk {args:?} failed: {err}");
        outputs.borrow_mut().push(format!("{out}{err}"));
        out
    };

    let out = ok(
        &[
            "profile",
            "add",
            "core3",
            "--url",
            &server.url,
            "--api",
            "v3",
            "--database",
            &db,
            "--token-stdin",
        ],
        Some(&format!("{token}\n")),
    );
    assert!(out.contains("secret stored in the OS keychain"), "{out}");
    let list = ok(&["profile", "list", "--json"], None);
    let v: serde_json::Value = serde_json::from_str(&list).unwrap();
    let id = v["profiles"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(v["profiles"][0]["api"], "v3");
    assert_eq!(
        ss.lookup("influxdesk", &id).as_deref(),
        Some(token.as_str())
    );

    let t = chrono_like_now() - 120;
    let out = ok(
        &["write", "--bucket", &db, "--precision", "s", "-"],
        Some(&format!(
            "temp,room=lab v=21.5 {t}\ntemp,room=lab v=22 {}\n",
            t + 60
        )),
    );
    assert!(out.contains("wrote 2 points"), "{out}");
    let out = ok(&["profile", "test"], None);
    assert!(
        out.contains("3.") && out.contains("credentials accepted") && out.contains(&db),
        "{out}"
    );
    let csv = ok(
        &[
            "query",
            "--lang",
            "sql",
            "--format",
            "csv",
            "SELECT room, v FROM temp ORDER BY time",
        ],
        None,
    );
    assert_eq!(csv, "name,room,v\n,lab,21.5\n,lab,22.0\n");
    // (Raw values: the 3.10 Core build here cannot plan aggregates over a table.)
    let json = ok(
        &[
            "query",
            "--lang",
            "influxql",
            "--format",
            "json",
            "SELECT v FROM temp",
        ],
        None,
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["frames"][0]["name"], "temp", "{json}");
    let col = v["frames"][0]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "v")
        .unwrap_or_else(|| panic!("a v column: {json}"));
    assert_eq!(col["values"], serde_json::json!([21.5, 22.0]));
    let table = ok(&["query", "--db", &db, "SELECT v FROM temp"], None);
    assert!(table.contains("2 rows"), "{table}");

    // A wrong token: a one-line error that says what to do, and no token in it.
    let o = run(
        &[
            "profile",
            "add",
            "wrong",
            "--url",
            &server.url,
            "--api",
            "v3",
            "--database",
            &db,
            "--token-stdin",
        ],
        &env,
        Some("apiv3_wrong\n"),
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let o = run(
        &["query", "--profile", "wrong", "SELECT v FROM temp"],
        &env,
        None,
    );
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(err.contains("create token --admin"), "{err}");
    assert!(!err.contains("apiv3_wrong"), "{err}");

    let mut leaks = files_containing(&config, &token);
    leaks.extend(files_containing(&ss.home, &token));
    assert!(leaks.is_empty(), "token found in files: {leaks:?}");
    for o in outputs.borrow().iter() {
        assert!(!o.contains(&token), "token printed: {o}");
    }
}

/// Now in whole seconds (the data must be recent for a query without a time range to be cheap).
fn chrono_like_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}
