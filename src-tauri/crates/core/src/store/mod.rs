//! Persistence of profiles and settings: versioned JSON files in the config dir
//! (`INFLUXDESK_CONFIG_DIR`, else the OS config dir + `influxdesk`), written atomically (temp
//! file in the same dir, fsync, rename) so a crash never leaves a half-written file. Every
//! read-modify-write holds an exclusive lock on a sidecar file (`.NAME.lock` beside `NAME`),
//! so the app, `influxdesk serve` and CLI commands updating the same file at once never lose
//! each other's changes (the lock is the OS's advisory file lock: it is released when the
//! process dies, so a crash leaves no stale lock). Every
//! field has a serde default, so older and newer files both load. Not here: secrets (see
//! `secrets`), UI-only preferences (the GUI keeps those in tauri-plugin-store).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::Profile;

mod history;
pub use history::{COMPACT_BYTES, HISTORY_LOG};

pub const PROFILES_FILE: &str = "profiles.json";
pub const SETTINGS_FILE: &str = "settings.json";
/// The history file of versions before the history log ([`HISTORY_LOG`]); moved into it.
pub const HISTORY_FILE: &str = "history.json";
pub const SAVED_QUERIES_FILE: &str = "saved-queries.json";

/// The query history of earlier versions (newest last), capped at [`HISTORY_CAP`] entries.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct HistoryFile {
    pub version: u32,
    pub entries: Vec<crate::model::HistoryEntry>,
}

impl Default for HistoryFile {
    fn default() -> Self {
        HistoryFile {
            version: CURRENT_VERSION,
            entries: Vec::new(),
        }
    }
}

pub const HISTORY_CAP: usize = 1000;

/// Named queries.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SavedQueriesFile {
    pub version: u32,
    pub queries: Vec<crate::model::SavedQuery>,
}

impl Default for SavedQueriesFile {
    fn default() -> Self {
        SavedQueriesFile {
            version: CURRENT_VERSION,
            queries: Vec::new(),
        }
    }
}
pub const CURRENT_VERSION: u32 = 1;

/// The profiles file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ProfilesFile {
    pub version: u32,
    pub profiles: Vec<Profile>,
}

impl Default for ProfilesFile {
    fn default() -> Self {
        ProfilesFile {
            version: CURRENT_VERSION,
            profiles: Vec::new(),
        }
    }
}

impl ProfilesFile {
    fn mark_saved(&mut self) {
        for p in &mut self.profiles {
            p.source = crate::model::ProfileSource::Saved;
        }
    }
}

/// App settings shared by the GUI, the CLI and the MCP server.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub version: u32,
    /// Id of the active profile.
    pub active_profile: Option<String>,
    /// Default cap on rows returned by one query.
    pub row_limit: usize,
    /// HTTP port of the local demo InfluxDB, once chosen.
    pub demo_port: Option<u16>,
    /// Hosts that alert channels may reach although they are loopback, private or link-local
    /// (e.g. "127.0.0.1", "hooks.intranet.example"); everything else must be public.
    pub alert_allowed_hosts: Vec<String>,
    /// The SMTP account email alert channels send through (its password is in the keychain).
    pub alert_smtp: Option<crate::model::SmtpSettings>,
}

pub const DEFAULT_ROW_LIMIT: usize = 100_000;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            version: CURRENT_VERSION,
            active_profile: None,
            row_limit: DEFAULT_ROW_LIMIT,
            demo_port: None,
            alert_allowed_hosts: Vec::new(),
            alert_smtp: None,
        }
    }
}

/// The config directory and the files in it. One writer at a time per file, across threads
/// (a mutex) and processes (a file lock).
pub struct Store {
    dir: PathBuf,
    lock: Mutex<()>,
}

impl Store {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Store {
            dir: dir.into(),
            lock: Mutex::new(()),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn profiles(&self) -> Result<ProfilesFile> {
        let mut f: ProfilesFile = read_json(&self.dir.join(PROFILES_FILE))?;
        f.mark_saved();
        Ok(f)
    }

    pub fn settings(&self) -> Result<Settings> {
        read_json(&self.dir.join(SETTINGS_FILE))
    }

    /// Read-modify-write the profiles file under the store lock.
    pub fn update_profiles<T>(&self, f: impl FnOnce(&mut ProfilesFile) -> Result<T>) -> Result<T> {
        self.update(PROFILES_FILE, |file: &mut ProfilesFile| {
            file.mark_saved();
            f(file)
        })
    }

    /// Read-modify-write the settings file under the store lock.
    pub fn update_settings<T>(&self, f: impl FnOnce(&mut Settings) -> Result<T>) -> Result<T> {
        self.update(SETTINGS_FILE, f)
    }

    /// Read any versioned file of the config dir (missing = default).
    pub fn load<F: DeserializeOwned + Default>(&self, file: &str) -> Result<F> {
        read_json(&self.dir.join(file))
    }

    /// Read-modify-write any file of the config dir under the store lock and the file's
    /// cross-process lock.
    pub fn update<F, T>(&self, file: &str, f: impl FnOnce(&mut F) -> Result<T>) -> Result<T>
    where
        F: Serialize + DeserializeOwned + Default,
    {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let _file_lock = self.lock_file(file)?;
        let path = self.dir.join(file);
        let mut value: F = read_json(&path)?;
        let out = f(&mut value)?;
        write_json_atomic(&path, &value)?;
        Ok(out)
    }
}

impl Store {
    /// Take the exclusive lock of `file` (on its sidecar `.FILE.lock`), waiting for another
    /// process that holds it. Released when the returned handle is dropped.
    fn lock_file(&self, file: &str) -> Result<std::fs::File> {
        std::fs::create_dir_all(&self.dir).map_err(|e| Error::storage("create", &self.dir, e))?;
        let path = self.dir.join(format!(".{file}.lock"));
        let mut open = std::fs::OpenOptions::new();
        open.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            open.mode(0o600);
        }
        let lock = open
            .open(&path)
            .map_err(|e| Error::storage("open the lock file", &path, e))?;
        lock.lock().map_err(|e| Error::storage("lock", &path, e))?;
        Ok(lock)
    }
}

/// Read a JSON file; a missing file is the default value. A corrupt file is an error (and is
/// left untouched, so nothing is lost).
pub fn read_json<T: DeserializeOwned + Default>(path: &Path) -> Result<T> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            Error::Storage(format!(
                "{} is not valid influxdesk JSON ({e}). Fix or move the file away; it was not \
                 changed.",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
        Err(e) => Err(Error::storage("read", path, e)),
    }
}

/// Write JSON atomically: temp file beside the target, fsync, rename. Mode 0600 on Unix.
pub fn write_json_atomic<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let mut bytes = serde_json::to_vec_pretty(value)
        .map_err(|e| Error::Internal(format!("could not encode {}: {e}", path.display())))?;
    bytes.push(b'\n');
    write_atomic(path, &bytes)
}

/// Write a file atomically (temp file in the same dir, fsync, rename; 0600 on Unix), so a
/// reader never sees half a file and a failure leaves the old one in place.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::storage("create", dir, e))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".influxdesk-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| Error::storage("create a temp file in", dir, e))?;
    tmp.write_all(bytes)
        .map_err(|e| Error::storage("write", tmp.path(), e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::storage("sync", tmp.path(), e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = tmp
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600));
    }
    tmp.persist(path)
        .map_err(|e| Error::storage("replace", path, e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_files_are_defaults_and_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        assert!(store.profiles().unwrap().profiles.is_empty());
        store
            .update_settings(|s| {
                s.active_profile = Some("p1".into());
                Ok(())
            })
            .unwrap();
        let s = store.settings().unwrap();
        assert_eq!(s.active_profile.as_deref(), Some("p1"));
        assert_eq!(s.version, CURRENT_VERSION);
        assert_eq!(
            s.row_limit, DEFAULT_ROW_LIMIT,
            "absent fields keep their defaults"
        );
    }

    #[test]
    fn unknown_and_missing_fields_load() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(PROFILES_FILE),
            r#"{"version":7,"future":1,"profiles":[{"id":"a","name":"n","url":"http://x"}]}"#,
        )
        .unwrap();
        let f = Store::new(dir.path()).profiles().unwrap();
        assert_eq!(f.profiles[0].name, "n");
        assert_eq!(f.profiles[0].timeout_ms, crate::model::DEFAULT_TIMEOUT_MS);
    }

    #[test]
    fn a_file_cannot_claim_the_env_profile() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(PROFILES_FILE),
            r#"{"profiles":[{"id":"env","name":"x","url":"http://evil","source":"env"}]}"#,
        )
        .unwrap();
        let f = Store::new(dir.path()).profiles().unwrap();
        assert_eq!(
            f.profiles[0].source,
            crate::model::ProfileSource::Saved,
            "env token must not leak"
        );
    }

    #[test]
    fn corrupt_file_is_a_storage_error_and_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(PROFILES_FILE);
        std::fs::write(&path, "{not json").unwrap();
        let store = Store::new(dir.path());
        let err = store.update_profiles(|_| Ok(())).unwrap_err();
        assert_eq!(err.code(), crate::error::ErrorCode::Storage);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "{not json",
            "nothing is lost"
        );
    }

    /// What the concurrency test counts: every update adds its own id once.
    #[derive(Default, Serialize, Deserialize)]
    struct Tally {
        ids: Vec<u32>,
    }

    #[test]
    fn two_stores_over_one_dir_lose_no_update() {
        let dir = tempfile::tempdir().unwrap();
        // Two Stores stand for two processes: they share no mutex, only the file lock.
        let stores = [Store::new(dir.path()), Store::new(dir.path())];
        const THREADS: u32 = 4;
        const EACH: u32 = 40;
        std::thread::scope(|s| {
            for t in 0..THREADS {
                let store = &stores[(t % 2) as usize];
                s.spawn(move || {
                    for i in 0..EACH {
                        store
                            .update("tally.json", |f: &mut Tally| {
                                f.ids.push(t * EACH + i);
                                Ok(())
                            })
                            .unwrap();
                    }
                });
            }
        });
        let mut ids = stores[0].load::<Tally>("tally.json").unwrap().ids;
        ids.sort_unstable();
        assert_eq!(
            ids,
            (0..THREADS * EACH).collect::<Vec<_>>(),
            "every update landed exactly once"
        );
    }

    #[test]
    fn a_failing_update_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let r: Result<()> = store.update_profiles(|f| {
            f.profiles.push(Profile::default());
            Err(Error::invalid("nope"))
        });
        assert!(r.is_err());
        assert!(
            !dir.path().join(PROFILES_FILE).exists(),
            "an aborted update leaves no file"
        );
    }
}
