//! Secrets: API tokens, v1 passwords. They live in the OS keychain (`keyring` 4: macOS
//! Keychain, Windows Credential Manager, Secret Service on Linux) under service `influxdesk`,
//! account = profile id, and in memory only inside [`Secret`], which redacts itself in `Debug`
//! and cannot be serialized. Keychain calls block on IPC (D-Bus on Linux), so the async API
//! here runs them on tokio's blocking pool. [`MemoryStore`] is for unit tests and the `env`
//! profile. Not here: which profile owns which secret (that is `api::profiles`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};

/// Keychain service name under which every influxdesk secret is stored.
pub const SERVICE: &str = "influxdesk";

/// A token or password. `Debug` prints `<redacted>`; there is deliberately no `Serialize` and
/// no `Display`, so a secret cannot end up in a file, a log line, an IPC reply or an error.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The raw value, for the one place that needs it: the HTTP Authorization header.
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Where secrets are kept. Implementations are blocking; use [`SecretStore`]'s async wrappers.
pub trait SecretBackend: Send + Sync + 'static {
    fn get(&self, account: &str) -> Result<Option<Secret>>;
    fn set(&self, account: &str, secret: &Secret) -> Result<()>;
    fn delete(&self, account: &str) -> Result<()>;
    fn describe(&self) -> &'static str;
}

/// Async handle over a [`SecretBackend`], running each call off the async threads.
#[derive(Clone)]
pub struct SecretStore(Arc<dyn SecretBackend>);

impl SecretStore {
    pub fn new(backend: impl SecretBackend) -> Self {
        SecretStore(Arc::new(backend))
    }
    pub fn keychain() -> Self {
        Self::new(KeychainBackend)
    }
    pub fn memory() -> Self {
        Self::new(MemoryStore::default())
    }
    pub fn describe(&self) -> &'static str {
        self.0.describe()
    }
    pub async fn get(&self, account: &str) -> Result<Option<Secret>> {
        let (b, a) = (self.0.clone(), account.to_string());
        blocking(move || b.get(&a)).await
    }
    pub async fn set(&self, account: &str, secret: Secret) -> Result<()> {
        let (b, a) = (self.0.clone(), account.to_string());
        blocking(move || b.set(&a, &secret)).await
    }
    pub async fn delete(&self, account: &str) -> Result<()> {
        let (b, a) = (self.0.clone(), account.to_string());
        blocking(move || b.delete(&a)).await
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(format!("keychain task failed: {e}")))?
}

/// The OS keychain through `keyring` 4.
pub struct KeychainBackend;

const KEYCHAIN_HELP: &str = "Unlock or start your keychain (on Linux: a Secret Service such as \
     GNOME Keyring or KWallet in your desktop session), then try again.";

fn keychain_error(op: &str, e: keyring::Error) -> Error {
    use keyring::Error as K;
    match e {
        K::NoStorageAccess(inner) => Error::KeychainUnavailable(format!(
            "the OS keychain refused access while trying to {op} a secret ({inner}). {KEYCHAIN_HELP}"
        )),
        K::NoDefaultStore => Error::KeychainUnavailable(format!(
            "no OS keychain is available to {op} a secret (could not connect to it: {}). \
             {KEYCHAIN_HELP}",
            match keyring::Entry::store_status() {
                Err(e) => e.to_string(),
                Ok(()) => "unknown reason".to_string(),
            }
        )),
        K::PlatformFailure(inner) => Error::KeychainUnavailable(format!(
            "the OS keychain failed to {op} a secret ({inner}). {KEYCHAIN_HELP}"
        )),
        other => Error::Internal(format!(
            "keychain error while trying to {op} a secret: {other}"
        )),
    }
}

impl SecretBackend for KeychainBackend {
    fn get(&self, account: &str) -> Result<Option<Secret>> {
        let entry = keyring::Entry::new(SERVICE, account).map_err(|e| keychain_error("read", e))?;
        match entry.get_password() {
            Ok(p) => Ok(Some(Secret(p))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keychain_error("read", e)),
        }
    }
    fn set(&self, account: &str, secret: &Secret) -> Result<()> {
        let entry =
            keyring::Entry::new(SERVICE, account).map_err(|e| keychain_error("store", e))?;
        entry
            .set_password(secret.expose())
            .map_err(|e| keychain_error("store", e))
    }
    fn delete(&self, account: &str) -> Result<()> {
        let entry =
            keyring::Entry::new(SERVICE, account).map_err(|e| keychain_error("delete", e))?;
        match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keychain_error("delete", e)),
        }
    }
    fn describe(&self) -> &'static str {
        "OS keychain"
    }
}

/// In-memory secrets: unit tests, and the `env` profile whose token comes from `INFLUX_TOKEN`.
#[derive(Default)]
pub struct MemoryStore(Mutex<HashMap<String, Secret>>);

impl SecretBackend for MemoryStore {
    fn get(&self, account: &str) -> Result<Option<Secret>> {
        Ok(self.0.lock().expect("secret map").get(account).cloned())
    }
    fn set(&self, account: &str, secret: &Secret) -> Result<()> {
        self.0
            .lock()
            .expect("secret map")
            .insert(account.to_string(), secret.clone());
        Ok(())
    }
    fn delete(&self, account: &str) -> Result<()> {
        self.0.lock().expect("secret map").remove(account);
        Ok(())
    }
    fn describe(&self) -> &'static str {
        "memory"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_is_redacted() {
        let s = Secret::new("hunter2-very-secret");
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(format!("{:?}", Some(s)), "Some(<redacted>)");
    }

    #[tokio::test]
    async fn memory_store_round_trips() {
        let store = SecretStore::memory();
        assert!(store.get("a").await.unwrap().is_none());
        store.set("a", Secret::new("t")).await.unwrap();
        assert_eq!(store.get("a").await.unwrap().unwrap().expose(), "t");
        store.delete("a").await.unwrap();
        assert!(
            store.get("a").await.unwrap().is_none(),
            "delete must remove the secret"
        );
    }
}
