//! The health check against the real influxd 1.x with auth on: right and wrong passwords, and
//! a port where nothing listens; problems are the report's content, with what to do.

use influxdesk_core::api::admin::health;
use influxdesk_core::model::*;

use crate::harness::{self, ADMIN_PASSWORD, ADMIN_USER, add, ctx, fields};

#[tokio::test]
async fn health_reports_reachability_version_and_auth() {
    let s = harness::auth_server();
    let c = ctx();
    let ok = ProfileFields {
        username: Some(ADMIN_USER.into()),
        ..fields("good", &s.url, ApiKind::Auto)
    };
    add(&c, ok, Some(ADMIN_PASSWORD)).await;
    let r = health::check(&c, Some("good")).await.unwrap();
    assert!(r.reachable && r.auth_ok, "{r:?}");
    assert_eq!(r.api, ApiKind::V1, "auto detects 1.x");
    assert!(
        r.version.starts_with("1.6") && r.latency_ms.is_some(),
        "{r:?}"
    );
    assert!(r.databases.is_some() && r.message == "ok", "{r:?}");
    assert!(r.supports.iter().any(|s| s.contains("kill")), "{r:?}");

    let bad = ProfileFields {
        username: Some(ADMIN_USER.into()),
        ..fields("bad", &s.url, ApiKind::V1)
    };
    add(&c, bad, Some("wrong-password")).await;
    let r = health::check(&c, Some("bad")).await.unwrap();
    assert!(r.reachable && !r.auth_ok, "{r:?}");
    assert!(r.message.contains("username and password"), "{}", r.message);

    let port = influxdesk_core::local::free_port().unwrap();
    add(
        &c,
        fields("gone", &format!("http://127.0.0.1:{port}"), ApiKind::V1),
        None,
    )
    .await;
    let r = health::check(&c, Some("gone")).await.unwrap();
    assert!(!r.reachable && !r.auth_ok, "{r:?}");
    assert!(r.message.contains("nothing listens"), "{}", r.message);
}
