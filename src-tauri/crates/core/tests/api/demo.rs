//! The local demo against the real influxd it starts: authentication on, with the admin's
//! random password in the keychain as the demo profile's secret (a web page cannot reach it
//! unauthenticated), the password surviving a restart, and the live feed writing a point per
//! series.

use influxdesk_core::api::query;
use influxdesk_core::demo::{self, DEMO_ADMIN};
use influxdesk_core::model::*;
use influxdesk_core::secrets::SecretStore;

use crate::harness::*;

fn count_query(q: &str) -> RunQueryReq {
    RunQueryReq {
        profile: None,
        language: Some(QueryLanguage::Influxql),
        database: Some("demo".into()),
        query: q.into(),
        row_limit: Some(100),
        time_range: None,
        query_id: None,
    }
}

/// `POST /query` without credentials, as a web page in the user's browser would send it.
async fn anonymous_drop(url: &str) -> (u16, String) {
    let r = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(format!("{url}/query"))
        .form(&[("q", "DROP DATABASE demo")])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Every file under `dirs` whose bytes contain `needle`.
fn files_containing(dirs: &[&std::path::Path], needle: &str) -> Vec<std::path::PathBuf> {
    let mut stack: Vec<_> = dirs.iter().map(|d| d.to_path_buf()).collect();
    let mut hits = Vec::new();
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if std::fs::read(&p)
                .is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
            {
                hits.push(p);
            }
        }
    }
    hits
}

#[tokio::test]
async fn the_demo_runs_with_auth_and_keeps_data_flowing() {
    let secrets = SecretStore::memory();
    let c = ctx_with(secrets.clone());
    let now = chrono::Utc::now();
    let d = demo::ensure(&c, now)
        .await
        .unwrap()
        .expect("the demo starts");
    assert_eq!(d.profile.username.as_deref(), Some(DEMO_ADMIN));
    assert!(
        d.profile.secret_stored,
        "the admin password is in the keychain"
    );
    let password = secrets
        .get(&d.profile.id)
        .await
        .unwrap()
        .expect("the demo profile's secret");
    assert_eq!(password.expose().len(), 64, "a long random password");
    assert!(
        password.expose().bytes().all(|b| b.is_ascii_hexdigit()),
        "hex digits only"
    );

    let leaks = files_containing(&[c.config_dir(), c.data_dir()], password.expose());
    assert!(leaks.is_empty(), "the password is in no file: {leaks:?}");

    let (status, body) = anonymous_drop(&d.profile.url).await;
    assert_eq!(status, 401, "an unauthenticated query is refused: {body}");
    let n = |r: &QueryResult| {
        r.frames[0]
            .column("count")
            .unwrap()
            .value(0)
            .as_i64()
            .unwrap()
    };
    let count = "SELECT count(usage_user) FROM cpu WHERE time > now() - 25h AND time < now() + 1h";
    let before = n(&query::run(&c, &Actor::User, count_query(count))
        .await
        .unwrap());
    assert!(before > 0, "the demo database survived the anonymous DROP");

    // The live feed: one point per series at a new instant (3 hosts x cpu/mem/disk + 4 sensors).
    let later = now + chrono::Duration::seconds(30);
    let written = demo::feed_once(&c, &d.profile.id, later).await.unwrap();
    assert_eq!(written, 13, "a point per series");
    let after = n(&query::run(&c, &Actor::User, count_query(count))
        .await
        .unwrap());
    assert_eq!(after, before + 3, "one more cpu point per host");
    assert_eq!(demo::feed_once(&c, &d.profile.id, later).await.unwrap(), 13);
    assert_eq!(
        n(&query::run(&c, &Actor::User, count_query(count))
            .await
            .unwrap()),
        after,
        "writing the same instant again changes nothing (same values, same time)"
    );

    // A restart of the server keeps the same admin password, read back from the keychain.
    let url = d.profile.url.clone();
    drop(d);
    let again = demo::ensure(&c, now).await.unwrap().unwrap();
    assert!(again.server.is_some(), "the server was started again");
    assert_eq!(again.profile.url, url);
    assert_eq!(
        secrets
            .get(&again.profile.id)
            .await
            .unwrap()
            .map(|s| s.expose().to_string()),
        Some(password.expose().to_string()),
        "the same password"
    );
    assert_eq!(anonymous_drop(&url).await.0, 401);
    assert_eq!(
        n(&query::run(&c, &Actor::User, count_query(count))
            .await
            .unwrap()),
        after,
        "signed in with the keychain's password, all data is there"
    );
}
