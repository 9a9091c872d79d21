//! Where alert notifications may go: loopback, private and metadata addresses are refused
//! (with how to allow a host) until the user allows the host; redirects are not followed;
//! "send test notification" reports the HTTP status; channel URLs live in the keychain and
//! appear in no file, result, event or error; URLs in an older rules file move to the keychain.

use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use influxdesk_core::api::alerts::{
    self, AlertStatus, AllowHostReq, Operator, TestAlertReq, ThresholdKind,
};
use influxdesk_core::{Actor, ErrorCode};
use influxdesk_testkit::webhook::receiver;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{allow_loopback, point, rule, setup, setup_with, th};
use crate::harness;
use influxdesk_core::secrets::{Secret, SecretBackend, SecretStore};

fn cpu_rule(name: &str, channels: Vec<String>) -> influxdesk_core::api::alerts::CreateAlertReq {
    rule(
        name,
        "SELECT last(usage) FROM cpu",
        th(Operator::Greater, 50.0, ThresholdKind::Threshold),
        channels,
        "1m",
        "0s",
    )
}

/// Every file under `dir`, as text.
fn files_text(dir: &Path) -> String {
    let mut out = String::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.push_str(&files_text(&p));
        } else {
            out.push_str(&String::from_utf8_lossy(&std::fs::read(&p).unwrap()));
        }
    }
    out
}

#[tokio::test]
async fn private_and_metadata_urls_are_refused_until_the_host_is_allowed() {
    let (c, _) = setup().await;
    let (hook, got) = receiver().await;
    let now = Utc::now();
    for (url, want) in [
        (hook.clone(), "127.0.0.1 is a loopback address"),
        (
            "http://169.254.169.254/latest/meta-data/iam".into(),
            "the cloud metadata address",
        ),
        (
            "http://[fd00:ec2::254]/latest".into(),
            "the cloud metadata address",
        ),
        (
            "http://metadata.google.internal/computeMetadata/v1/".into(),
            "a cloud metadata service",
        ),
        ("http://10.0.0.8:8080/hook".into(), "a private address"),
        (
            "http://[::ffff:192.168.1.9]/hook".into(),
            "a private address",
        ),
        ("http://localhost:9/hook".into(), "a loopback name"),
    ] {
        let e = alerts::create(
            &c,
            &Actor::User,
            cpu_rule("x", vec![format!("webhook:{url}")]),
            now,
        )
        .await
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::Forbidden, "{url}: {e}");
        assert!(
            e.message().contains(want)
                && e.message().contains("influxdesk alert allow-host")
                && e.message().contains("alert_allowed_hosts"),
            "{url}: the error says why and how to allow the host: {e}"
        );
    }
    assert!(
        alerts::list(&c).await.unwrap().is_empty(),
        "nothing was created"
    );

    // An assistant cannot open the door; the user can.
    let e = alerts::allow_host(
        &c,
        &Actor::Assistant {
            client: "bot".into(),
        },
        AllowHostReq {
            host: "127.0.0.1".into(),
            allow: true,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden, "{e}");
    allow_loopback(&c).await;
    assert_eq!(alerts::allowed_hosts(&c).await.unwrap(), ["127.0.0.1"]);
    alerts::create(
        &c,
        &Actor::User,
        cpu_rule("cpu", vec![format!("webhook:{hook}")]),
        now,
    )
    .await
    .expect("an allowed host may be loopback");
    let sent = alerts::test(
        &c,
        &Actor::User,
        TestAlertReq {
            alert: "cpu".into(),
            channel: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (sent.len(), sent[0].ok, sent[0].status),
        (1, true, Some(200)),
        "{sent:?}"
    );
    assert_eq!(
        got.lock().unwrap().len(),
        1,
        "the test notification arrived"
    );
    assert!(
        got.lock().unwrap()[0]["message"]
            .as_str()
            .unwrap()
            .contains("test notification"),
        "{:?}",
        got.lock().unwrap()
    );

    // Taking the permission back is checked when sending too, not only when creating.
    alerts::allow_host(
        &c,
        &Actor::User,
        AllowHostReq {
            host: "127.0.0.1".into(),
            allow: false,
        },
    )
    .await
    .unwrap();
    let sent = alerts::test(
        &c,
        &Actor::User,
        TestAlertReq {
            alert: "cpu".into(),
            channel: None,
        },
    )
    .await
    .unwrap();
    assert!(
        !sent[0].ok && sent[0].status.is_none() && sent[0].message.contains("allow-host 127.0.0.1"),
        "{sent:?}"
    );
    assert_eq!(got.lock().unwrap().len(), 1, "nothing more was sent");
}

/// A listener on loopback that answers every request with a redirect to `to`.
async fn redirector(to: &str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let answer = format!(
        "HTTP/1.1 307 Temporary Redirect\r\nlocation: {to}\r\ncontent-length: 0\r\n\
         connection: close\r\n\r\n"
    );
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = [0u8; 8192];
            let _ = sock.read(&mut buf).await;
            let _ = sock.write_all(answer.as_bytes()).await;
        }
    });
    url
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let (c, _) = setup().await;
    allow_loopback(&c).await;
    let (hook, got) = receiver().await;
    // Both ends are allowed hosts: the only thing refusing is the no-redirect rule.
    let bounce = redirector(&hook).await;
    let now = Utc::now();
    point(&c, format!("cpu usage=90 {}", now.timestamp() - 5)).await;
    let r = alerts::create(
        &c,
        &Actor::User,
        cpu_rule("bounce", vec![format!("webhook:{bounce}")]),
        now,
    )
    .await
    .unwrap();
    let sent = alerts::test(
        &c,
        &Actor::User,
        TestAlertReq {
            alert: "bounce".into(),
            channel: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(sent[0].status, Some(307), "{sent:?}");
    assert!(
        !sent[0].ok && sent[0].message.contains("does not follow"),
        "{sent:?}"
    );
    let e = alerts::evaluate(&c, &r, now).await.unwrap();
    assert_eq!((e.status, e.transition), (AlertStatus::Crit, true));
    assert!(
        got.lock().unwrap().is_empty(),
        "the redirect's target never heard of it: {:?}",
        got.lock().unwrap()
    );
}

#[tokio::test]
async fn no_channel_url_is_in_a_file_a_result_an_event_or_an_error() {
    let keychain = SecretStore::memory();
    let (c, _) = setup_with(harness::ctx_with(keychain.clone())).await;
    allow_loopback(&c).await;
    let (hook, got) = receiver().await;
    // A receiver that is gone: its port is closed.
    let gone = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!(
            "http://{}/services/T0/B0/SECRETgone",
            l.local_addr().unwrap()
        )
    };
    let webhook = format!("webhook:{hook}/SECRETpath?token=SECRETquery");
    let slack = format!("slack:{gone}");
    let events: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut rx = c.subscribe();
    let now = Utc::now();
    point(&c, format!("cpu usage=90 {}", now.timestamp() - 5)).await;
    let r = alerts::create(
        &c,
        &Actor::User,
        cpu_rule(
            "leaky",
            vec![webhook.clone(), slack.clone(), "desktop".into()],
        ),
        now,
    )
    .await
    .unwrap();
    assert_eq!(
        r.notification.channels,
        [
            format!("webhook:{}/…", hook.trim_end_matches("/hook")),
            format!("slack:{}/…", gone.split("/services").next().unwrap()),
            "desktop".to_string()
        ],
        "channels are shown without path, query or credentials"
    );
    let e = alerts::evaluate(&c, &r, now).await.unwrap();
    assert_eq!((e.status, e.transition), (AlertStatus::Crit, true));
    assert_eq!(
        got.lock().unwrap().len(),
        1,
        "the webhook got it, from the keychain's URL"
    );
    let sent = alerts::test(
        &c,
        &Actor::User,
        TestAlertReq {
            alert: "leaky".into(),
            channel: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        sent.iter().map(|t| t.ok).collect::<Vec<_>>(),
        [true, false, true],
        "{sent:?}"
    );
    assert!(sent[1].message.contains("could not connect"), "{sent:?}");
    let e = alerts::test(
        &c,
        &Actor::User,
        TestAlertReq {
            alert: "leaky".into(),
            channel: Some("slack:nope".into()),
        },
    )
    .await
    .unwrap_err();
    while let Ok(ev) = rx.try_recv() {
        events
            .lock()
            .unwrap()
            .push(serde_json::to_string(&ev).unwrap());
    }
    let everything = format!(
        "{}\n{}\n{sent:?}\n{e}\n{:?}\n{}",
        files_text(c.config_dir()),
        serde_json::to_string(&alerts::list(&c).await.unwrap()).unwrap(),
        events.lock().unwrap(),
        files_text(c.data_dir()),
    );
    for secret in ["SECRET", "/hook", "token="] {
        assert!(
            !everything.contains(secret),
            "{secret} leaked into a file, result, event or error:\n{everything}"
        );
    }
    assert!(everything.contains("alert.test"), "the test was an event");

    // Deleting the rule removes its URLs from the keychain too: a rule made again with the
    // same name starts clean, and the old accounts are gone.
    let accounts = alerts::list(&c).await.unwrap()[0].channel_accounts.clone();
    alerts::delete(&c, &Actor::User, "leaky").await.unwrap();
    for a in accounts.iter().filter(|a| !a.is_empty()) {
        assert!(
            keychain.get(a).await.unwrap().is_none(),
            "{a} stays in the keychain"
        );
    }
}

#[tokio::test]
async fn urls_in_an_older_rules_file_move_to_the_keychain() {
    let keychain = SecretStore::memory();
    let (c, _) = setup_with(harness::ctx_with(keychain.clone())).await;
    allow_loopback(&c).await;
    let (hook, got) = receiver().await;
    let now = Utc::now();
    point(&c, format!("cpu usage=90 {}", now.timestamp() - 5)).await;
    // Made by this version, then written back as an older one kept it: URLs in the file.
    alerts::create(
        &c,
        &Actor::User,
        cpu_rule("old", vec!["desktop".into()]),
        now,
    )
    .await
    .unwrap();
    let path = c.config_dir().join(alerts::ALERTS_FILE);
    let mut file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let rule = &mut file["rules"][0];
    rule.as_object_mut().unwrap().remove("channel_accounts");
    rule["notification"]["channels"] =
        serde_json::json!([format!("webhook:{hook}?key=SECRETold"), "desktop"]);
    std::fs::write(&path, serde_json::to_vec_pretty(&file).unwrap()).unwrap();

    let rules = alerts::list(&c).await.unwrap();
    assert_eq!(rules.len(), 1, "nothing lost");
    assert_eq!(rules[0].notification.channels[1], "desktop");
    assert!(
        rules[0].notification.channels[0].ends_with("/…"),
        "{rules:?}"
    );
    let on_disk = std::fs::read_to_string(&path).unwrap();
    assert!(
        !on_disk.contains("SECRETold") && !on_disk.contains("/hook"),
        "{on_disk}"
    );
    let account = &rules[0].channel_accounts[0];
    assert_eq!(
        keychain.get(account).await.unwrap().unwrap().expose(),
        format!("webhook:{hook}?key=SECRETold"),
        "the whole URL is in the keychain"
    );
    let e = alerts::evaluate(&c, &rules[0], now).await.unwrap();
    assert!(e.transition);
    assert_eq!(got.lock().unwrap().len(), 1, "the moved URL still works");
    assert_eq!(
        alerts::list(&c).await.unwrap()[0].channel_accounts,
        rules[0].channel_accounts,
        "moved once"
    );
}

/// A keychain that cannot store anything (locked, or no Secret Service).
struct LockedKeychain;

impl SecretBackend for LockedKeychain {
    fn get(&self, _: &str) -> influxdesk_core::Result<Option<Secret>> {
        Ok(None)
    }
    fn set(&self, _: &str, _: &Secret) -> influxdesk_core::Result<()> {
        Err(influxdesk_core::Error::KeychainUnavailable(
            "the keychain is locked".into(),
        ))
    }
    fn delete(&self, _: &str) -> influxdesk_core::Result<()> {
        Ok(())
    }
    fn describe(&self) -> &'static str {
        "locked"
    }
}

#[tokio::test]
async fn without_a_keychain_an_older_file_is_kept_and_its_alerts_still_notify() {
    let (c, _) = setup_with(harness::ctx_with(SecretStore::new(LockedKeychain))).await;
    allow_loopback(&c).await;
    let (hook, got) = receiver().await;
    let now = Utc::now();
    point(&c, format!("cpu usage=90 {}", now.timestamp() - 5)).await;
    let profile = influxdesk_core::api::profiles::resolve(&c, None)
        .await
        .unwrap();
    let path = c.config_dir().join(alerts::ALERTS_FILE);
    let channel = format!("webhook:{hook}?key=SECRETkept");
    let file = serde_json::json!({"version": 1, "rules": [{
        "id": "r1", "name": "cpu", "profile_id": profile.id, "query": "SELECT last(usage) FROM cpu",
        "threshold": {"operator": "greater", "value": 50},
        "notification": {"channels": [channel]}, "every": "1m"
    }]});
    std::fs::write(&path, serde_json::to_vec_pretty(&file).unwrap()).unwrap();

    let shown = alerts::list(&c).await.unwrap();
    assert!(
        shown[0].notification.channels[0].ends_with("/…"),
        "shown redacted all the same: {shown:?}"
    );
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("SECRETkept"),
        "the file keeps the URL until the keychain can take it: nothing lost"
    );
    let evals = alerts::evaluate_due(&c, now).await.unwrap();
    assert_eq!((evals.len(), evals[0].transition), (1, true));
    assert_eq!(got.lock().unwrap().len(), 1, "the alert still notifies");
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("SECRETkept")
    );
}

#[tokio::test]
async fn an_allowed_name_is_resolved_once_and_reached_at_the_checked_address() {
    let (c, _) = setup().await;
    let (hook, got) = receiver().await;
    let by_name = format!("webhook:{}", hook.replace("127.0.0.1", "localhost"));
    let now = Utc::now();
    let e = alerts::create(
        &c,
        &Actor::User,
        cpu_rule("named", vec![by_name.clone()]),
        now,
    )
    .await
    .unwrap_err();
    assert!(e.message().contains("allow-host localhost"), "{e}");
    alerts::allow_host(
        &c,
        &Actor::User,
        AllowHostReq {
            host: "LocalHost".into(),
            allow: true,
        },
    )
    .await
    .unwrap();
    alerts::create(&c, &Actor::User, cpu_rule("named", vec![by_name]), now)
        .await
        .unwrap();
    let sent = alerts::test(
        &c,
        &Actor::User,
        TestAlertReq {
            alert: "named".into(),
            channel: None,
        },
    )
    .await
    .unwrap();
    assert_eq!((sent[0].ok, sent[0].status), (true, Some(200)), "{sent:?}");
    assert_eq!(got.lock().unwrap().len(), 1);
}
