//! The checkpoint of a file import: after each batch the server answered, the place reached
//! (byte offset and line number) and the tally so far, written atomically to
//! `<data dir>/imports/<key>.json`, so an import interrupted by a server crash, a lost network
//! or a closed app resumes from the last acknowledged batch. The file is identified by its
//! path, size, modification time and a hash of its first 64 KiB: a changed file is never
//! resumed. The checkpoint is removed when the import completes.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt;

use crate::error::{Error, Result};
use crate::model::{Precision, WriteRejection, WriteResult};
use crate::store::write_json_atomic;

/// Rejections kept in a checkpoint (the count of points is kept whatever the number).
const REJECTIONS_KEPT: usize = 100;
/// Bytes of the file's start that go into its identity hash.
const HEAD_BYTES: usize = 64 * 1024;

/// What identifies an input file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Identity {
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub size: u64,
    #[serde(default)]
    pub mtime_ns: u64,
    /// FNV-1a 64 of the first 64 KiB, hex.
    #[serde(default)]
    pub head: String,
}

/// The place an import reached and what it did so far.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Checkpoint {
    #[serde(default)]
    pub version: u32,
    #[serde(default)]
    pub profile: String,
    #[serde(default)]
    pub bucket: String,
    #[serde(default)]
    pub precision: Precision,
    #[serde(default)]
    pub file: Identity,
    /// Bytes of the file acknowledged: the next batch starts here.
    #[serde(default)]
    pub offset: u64,
    /// Lines acknowledged (the last acknowledged line's number).
    #[serde(default)]
    pub line: usize,
    #[serde(default)]
    pub points: usize,
    #[serde(default)]
    pub dropped: usize,
    #[serde(default)]
    pub uncertain: usize,
    #[serde(default)]
    pub batches: usize,
    #[serde(default)]
    pub bytes: usize,
    #[serde(default)]
    pub rejections: Vec<WriteRejection>,
    /// What else must be the same to resume (a CSV import's column mapping, as JSON).
    #[serde(default)]
    pub options: String,
}

impl Checkpoint {
    /// Take the tally of `r` (the place is set by the caller).
    pub fn record(&mut self, r: &WriteResult) {
        self.points = r.points;
        self.dropped = r.dropped;
        self.uncertain = r.uncertain;
        self.batches = r.batches;
        self.bytes = r.bytes;
        self.rejections = r.rejections.iter().take(REJECTIONS_KEPT).cloned().collect();
    }

    /// The tally as a result to continue from.
    pub fn tally(&self, bucket: &str) -> WriteResult {
        WriteResult {
            points: self.points,
            bytes: self.bytes,
            bucket: bucket.to_string(),
            dropped: self.dropped,
            uncertain: self.uncertain,
            rejections: self.rejections.clone(),
            batches: self.batches,
            lines: self.line,
            resumed_after_line: Some(self.line),
        }
    }
}

/// FNV-1a, 64 bits: stable across versions and platforms (unlike std's hasher).
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in *part {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        // A separator, so ("ab","c") and ("a","bc") differ.
        h ^= 0xff;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Where the checkpoint of importing `file` into `bucket` through `profile` lives.
pub fn location(data_dir: &Path, profile: &str, bucket: &str, file: &str) -> PathBuf {
    let key = fnv1a(&[profile.as_bytes(), bucket.as_bytes(), file.as_bytes()]);
    data_dir.join("imports").join(format!("{key:016x}.json"))
}

/// The identity of the file at `path` (already canonical) as it is now.
pub async fn identify(path: &Path) -> Result<Identity> {
    let meta = tokio::fs::metadata(path)
        .await
        .map_err(|e| Error::invalid(format!("could not read {}: {e}", path.display())))?;
    if !meta.is_file() {
        return Err(Error::invalid(format!(
            "{} is not a file: give a line protocol file, or - for standard input",
            path.display()
        )));
    }
    let mtime_ns = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .unwrap_or(0);
    let mut f = tokio::fs::File::open(path)
        .await
        .map_err(|e| Error::invalid(format!("could not open {}: {e}", path.display())))?;
    let mut head = Vec::with_capacity(HEAD_BYTES);
    (&mut f)
        .take(HEAD_BYTES as u64)
        .read_to_end(&mut head)
        .await
        .map_err(|e| Error::invalid(format!("could not read {}: {e}", path.display())))?;
    Ok(Identity {
        path: path.display().to_string(),
        size: meta.len(),
        mtime_ns,
        head: format!("{:016x}", fnv1a(&[&head])),
    })
}

/// The checkpoint at `at`, if there is one.
pub async fn load(at: &Path) -> Result<Option<Checkpoint>> {
    match tokio::fs::read(at).await {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            Error::Storage(format!(
                "the import checkpoint {} is damaged ({e}): delete it and start the import \
                 again with --restart",
                at.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::storage("read", at, e)),
    }
}

/// Write the checkpoint atomically (temp file, fsync, rename).
pub async fn save(at: &Path, cp: &Checkpoint) -> Result<()> {
    let (at, cp) = (at.to_path_buf(), cp.clone());
    tokio::task::spawn_blocking(move || write_json_atomic(&at, &cp))
        .await
        .map_err(|e| Error::Internal(format!("the checkpoint writer failed: {e}")))?
}

/// Saves an import's checkpoints off the send path: the newest one offered wins, and one
/// write (temp file, fsync, rename) runs at a time in the background, so an acknowledged
/// batch does not wait for the disk before the next one is sent.
///
/// A checkpoint that lags by a batch or two is still exact to resume from: a batch sent
/// alongside others has a timestamp on every point, so resending it rewrites the same points.
/// A batch with points that take the server's clock is saved with [`Saver::save`], which
/// waits until that checkpoint is on disk (resending it would store its points twice).
/// [`Saver::finish`] waits for the newest checkpoint to be written: when a write stops, the
/// checkpoint on disk is the one its error names.
pub struct Saver {
    tx: tokio::sync::watch::Sender<Pending>,
    written: tokio::sync::watch::Receiver<u64>,
    failed: std::sync::Arc<std::sync::Mutex<Option<Error>>>,
    task: tokio::task::JoinHandle<()>,
    version: u64,
}

#[derive(Clone, Default)]
struct Pending {
    version: u64,
    cp: Option<Checkpoint>,
}

impl Saver {
    /// Start the writer of the checkpoint at `at`.
    pub fn start(at: PathBuf) -> Saver {
        let (tx, mut rx) = tokio::sync::watch::channel(Pending::default());
        let (done, written) = tokio::sync::watch::channel(0u64);
        let failed = std::sync::Arc::new(std::sync::Mutex::new(None));
        let slot = failed.clone();
        let task = tokio::spawn(async move {
            while rx.changed().await.is_ok() {
                let p = rx.borrow_and_update().clone();
                if let Some(cp) = p.cp
                    && let Err(e) = save(&at, &cp).await
                {
                    *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                    // Wake whoever waits for this version: they find the error.
                    done.send_replace(u64::MAX);
                    return;
                }
                done.send_replace(p.version);
            }
        });
        Saver {
            tx,
            written,
            failed,
            task,
            version: 0,
        }
    }

    fn error(&self) -> Option<Error> {
        self.failed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Hand `cp` to the writer without waiting for the disk; an earlier write's failure is
    /// returned here.
    pub fn offer(&mut self, cp: &Checkpoint) -> Result<()> {
        if let Some(e) = self.error() {
            return Err(e);
        }
        self.version += 1;
        self.tx.send_replace(Pending {
            version: self.version,
            cp: Some(cp.clone()),
        });
        Ok(())
    }

    /// Hand `cp` to the writer and wait until it (or a newer one) is on disk.
    pub async fn save(&mut self, cp: &Checkpoint) -> Result<()> {
        self.offer(cp)?;
        self.wait().await
    }

    async fn wait(&mut self) -> Result<()> {
        let want = self.version;
        let reached = self.written.wait_for(|v| *v >= want).await.is_ok();
        match (self.error(), reached) {
            (Some(e), _) => Err(e),
            (None, true) => Ok(()),
            (None, false) => Err(Error::Internal("the checkpoint writer stopped".into())),
        }
    }

    /// Wait until the newest checkpoint offered is on disk, and stop the writer.
    pub async fn finish(mut self) -> Result<()> {
        let r = self.wait().await;
        self.task.abort();
        r
    }
}

/// Remove the checkpoint (the import completed, or starts over).
pub async fn remove(at: &Path) -> Result<()> {
    match tokio::fs::remove_file(at).await {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::storage("remove", at, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_differ_by_profile_bucket_and_file() {
        let d = Path::new("/d");
        let a = location(d, "p", "db", "/f.lp");
        assert_eq!(a, location(d, "p", "db", "/f.lp"), "stable");
        assert_ne!(a, location(d, "p", "db2", "/f.lp"));
        assert_ne!(a, location(d, "q", "db", "/f.lp"));
        assert_ne!(a, location(d, "p", "db", "/g.lp"));
        assert_ne!(
            location(d, "ab", "c", "f"),
            location(d, "a", "bc", "f"),
            "parts are separated"
        );
        assert_eq!(fnv1a(&[]), 0xcbf2_9ce4_8422_2325);
    }

    #[tokio::test]
    async fn the_saver_ends_with_the_newest_checkpoint_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let at = dir.path().join("imports").join("s.json");
        let mut saver = Saver::start(at.clone());
        let cp = |line: usize| Checkpoint {
            version: 1,
            offset: line as u64 * 10,
            line,
            ..Checkpoint::default()
        };
        for line in 1..=200 {
            saver.offer(&cp(line)).unwrap();
        }
        saver.finish().await.unwrap();
        let back = load(&at).await.unwrap().unwrap();
        assert_eq!((back.line, back.offset), (200, 2000), "the newest one won");

        // save() waits for its own checkpoint.
        let mut saver = Saver::start(at.clone());
        saver.offer(&cp(201)).unwrap();
        saver.save(&cp(202)).await.unwrap();
        assert_eq!(load(&at).await.unwrap().unwrap().line, 202);
        saver.finish().await.unwrap();
    }

    #[tokio::test]
    async fn a_failed_save_is_reported_by_the_next_offer_and_by_finish() {
        let dir = tempfile::tempdir().unwrap();
        // The checkpoint's directory is a file: every write fails.
        std::fs::write(dir.path().join("imports"), "not a dir").unwrap();
        let at = dir.path().join("imports").join("s.json");
        let mut saver = Saver::start(at.clone());
        let cp = Checkpoint::default();
        let e = saver.save(&cp).await.unwrap_err();
        assert_eq!(e.code(), crate::error::ErrorCode::Storage, "{e}");
        assert!(saver.offer(&cp).is_err(), "a later offer says so too");
        assert!(saver.finish().await.is_err());
    }

    #[tokio::test]
    async fn identity_changes_with_the_content() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.lp");
        std::fs::write(&p, "m v=1 1\n").unwrap();
        let a = identify(&p).await.unwrap();
        assert_eq!(a.size, 8);
        std::fs::write(&p, "m v=2 1\n").unwrap();
        let b = identify(&p).await.unwrap();
        assert_eq!(a.size, b.size);
        assert_ne!(a.head, b.head, "same size, other bytes: another file");
        let at = dir.path().join("imports").join("x.json");
        assert!(load(&at).await.unwrap().is_none());
        let cp = Checkpoint {
            version: 1,
            file: b.clone(),
            offset: 8,
            line: 1,
            ..Checkpoint::default()
        };
        save(&at, &cp).await.unwrap();
        let back = load(&at).await.unwrap().unwrap();
        assert_eq!((back.file, back.offset, back.line), (b, 8, 1));
        remove(&at).await.unwrap();
        remove(&at).await.unwrap();
        assert!(load(&at).await.unwrap().is_none());
    }
}
