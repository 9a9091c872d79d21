//! Loads the window runs and can cancel: pasted text, a file by path, a CSV import, each under
//! an id the caller picks, with progress handed to a callback after each acknowledged batch.
//! Cancel sends no further batch and lets the ones on their way land; a file import keeps its
//! checkpoint.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use serde::Deserialize;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::csv::{self, ImportCsvReq};
use super::{WriteFileReq, WriteHooks, WriteProgress, write_file, write_with};
use crate::api::Ctx;
use crate::error::{Error, Result};
use crate::model::{Actor, WriteReq, WriteResult};

/// What to load.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "lowercase")]
#[ts(export)]
pub enum LoadJob {
    /// Line protocol text (pasted or typed).
    Text(WriteReq),
    /// A line protocol file, streamed from disk by path.
    File(WriteFileReq),
    /// A CSV file.
    Csv(Box<ImportCsvReq>),
}

static RUNNING: LazyLock<Mutex<HashMap<String, CancellationToken>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Removes a job from [`RUNNING`] however it ends.
struct Registered(String);

impl Drop for Registered {
    fn drop(&mut self) {
        if let Ok(mut m) = RUNNING.lock() {
            m.remove(&self.0);
        }
    }
}

/// Run `job` under `id`, calling `progress` after each acknowledged batch.
pub async fn run(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    job: LoadJob,
    progress: impl Fn(WriteProgress) + Send + 'static,
) -> Result<WriteResult> {
    let cancel = CancellationToken::new();
    {
        let mut m = RUNNING
            .lock()
            .map_err(|_| Error::Internal("the load registry is poisoned".into()))?;
        if m.contains_key(id) {
            return Err(Error::Conflict(format!(
                "a load with id {id:?} is running already"
            )));
        }
        m.insert(id.to_string(), cancel.clone());
    }
    let _registered = Registered(id.to_string());
    // One message of slack: the write runs at most a batch or two ahead of the caller's view
    // (and of a cancel sent from the callback).
    let (tx, mut rx) = mpsc::channel(1);
    let forward = tokio::spawn(async move {
        while let Some(p) = rx.recv().await {
            progress(p);
        }
    });
    let hooks = WriteHooks {
        progress: Some(tx),
        cancel,
    };
    let r = match job {
        LoadJob::Text(req) => write_with(ctx, actor, req, hooks).await,
        LoadJob::File(req) => write_file(ctx, actor, req, hooks).await,
        LoadJob::Csv(req) => csv::import(ctx, actor, *req, hooks).await,
    };
    let _ = forward.await;
    r
}

/// Cancel the load running under `id` (after the batches on their way). False when none runs.
pub async fn cancel(ctx: &Ctx, actor: &Actor, id: &str) -> Result<bool> {
    let _ = (ctx, actor);
    let m = RUNNING
        .lock()
        .map_err(|_| Error::Internal("the load registry is poisoned".into()))?;
    Ok(match m.get(id) {
        Some(t) => {
            t.cancel();
            true
        }
        None => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::write::BatchOptions;

    /// The batch options are one struct in Rust but stay at the top level of the JSON the
    /// UI sends, for a file and for a CSV import alike.
    #[test]
    fn batch_options_keep_the_wire_shape() {
        let want = BatchOptions {
            resume: true,
            restart: false,
            batch_lines: Some(10),
            retries: Some(2),
        };
        let file: LoadJob = serde_json::from_str(
            r#"{"kind":"file","profile":null,"bucket":"db","precision":"s","path":"a.lp",
                "resume":true,"restart":false,"batch_lines":10,"retries":2}"#,
        )
        .unwrap();
        let LoadJob::File(f) = file else {
            panic!("not a file job")
        };
        assert_eq!((f.path.as_str(), &f.batch), ("a.lp", &want));
        let csv: LoadJob = serde_json::from_str(
            r#"{"kind":"csv","path":"a.csv","mapping":{},"resume":true,"batch_lines":10,
                "retries":2}"#,
        )
        .unwrap();
        let LoadJob::Csv(c) = csv else {
            panic!("not a CSV job")
        };
        assert_eq!((c.path.as_str(), &c.batch), ("a.csv", &want));
        // Left out, they take their defaults.
        let LoadJob::File(f) = serde_json::from_str(r#"{"kind":"file","path":"b.lp"}"#).unwrap()
        else {
            panic!("not a file job")
        };
        assert_eq!(f.batch, BatchOptions::default());
    }
}
