//! The real OS keychain. On Linux this is the Secret Service: the README's test command runs
//! the tests inside a private D-Bus session with gnome-keyring unlocked. Outside it these
//! tests fail with a message saying how to run them, rather than pass without checking.

use influxdesk_core::Actor;
use influxdesk_core::api::profiles;
use influxdesk_core::model::*;
use influxdesk_core::secrets::{Secret, SecretStore};

use crate::harness::{self, ADMIN_PASSWORD, ADMIN_USER};

fn require_secret_service() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "these tests need a Secret Service: run them through `.ci/test` (it starts gnome-keyring \
         in a private D-Bus session), or inside your desktop session"
    );
}

#[tokio::test]
async fn stores_reads_and_deletes_a_secret_in_the_real_keychain() {
    require_secret_service();
    let store = SecretStore::keychain();
    let account = format!("core-test-{}", uuid_like());
    assert!(store.get(&account).await.unwrap().is_none());
    store
        .set(&account, Secret::new("kc-secret-1"))
        .await
        .unwrap();
    assert_eq!(
        store.get(&account).await.unwrap().unwrap().expose(),
        "kc-secret-1"
    );
    store
        .set(&account, Secret::new("kc-secret-2"))
        .await
        .unwrap();
    assert_eq!(
        store.get(&account).await.unwrap().unwrap().expose(),
        "kc-secret-2",
        "set replaces"
    );
    store.delete(&account).await.unwrap();
    assert!(
        store.get(&account).await.unwrap().is_none(),
        "deleted from the keychain"
    );
    store.delete(&account).await.unwrap();
}

#[tokio::test]
async fn a_profile_password_lives_in_the_keychain_and_authenticates() {
    require_secret_service();
    let s = harness::auth_server();
    let c = harness::ctx_with(SecretStore::keychain());
    let mut f = harness::fields("kc", &s.url, ApiKind::V1);
    f.username = Some(ADMIN_USER.into());
    let p = harness::add(&c, f, Some(ADMIN_PASSWORD)).await;
    let info = profiles::test(&c, &Actor::User, TestProfileReq::Saved { profile: None })
        .await
        .unwrap();
    assert!(
        info.auth_ok,
        "the password read back from the keychain authenticates"
    );
    let stored = SecretStore::keychain()
        .get(&p.id)
        .await
        .unwrap()
        .expect("in the keychain");
    assert_eq!(stored.expose(), ADMIN_PASSWORD);
    let file = std::fs::read_to_string(c.config_dir().join("profiles.json")).unwrap();
    assert!(!file.contains(ADMIN_PASSWORD));
    profiles::delete(&c, &Actor::User, "kc").await.unwrap();
    assert!(
        SecretStore::keychain().get(&p.id).await.unwrap().is_none(),
        "delete removes the secret"
    );
}

fn uuid_like() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}
