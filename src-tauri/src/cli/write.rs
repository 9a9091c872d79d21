//! `influxdesk write`: a line protocol file streamed in batches with a checkpoint after each
//! acknowledged one (`--resume` continues an interrupted import, `--restart` starts over), or
//! standard input batch by batch. A progress bar (points/s, time left) goes to stderr when it is a terminal; during a file
//! import Ctrl-C stops before the next batch and keeps the checkpoint. A thin shell over `api::write`.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;
use influxdesk_core::api::write::{
    self, BatchOptions, DEFAULT_BATCH_LINES, WriteFileReq, WriteHooks, WriteStreamReq,
};
use influxdesk_core::model::Precision;
use influxdesk_core::{Actor, Ctx, Error, Result};
use tokio::sync::mpsc;

#[derive(Args)]
pub struct WriteArgs {
    /// Profile name or id (default: the active profile).
    #[arg(long, short)]
    profile: Option<String>,
    /// Database (`db` or `db/rp`) or bucket to write to.
    #[arg(long)]
    bucket: String,
    /// Timestamp precision of the input: ns, us, ms or s.
    #[arg(long, default_value = "ns", value_parser = super::parse_precision)]
    precision: Precision,
    /// Continue an interrupted import of FILE after its last acknowledged batch (from the
    /// start when there is none).
    #[arg(long, conflicts_with = "restart")]
    resume: bool,
    /// Write FILE from the start although an interrupted import of it left a checkpoint.
    #[arg(long)]
    restart: bool,
    /// Lines per batch.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_BATCH_LINES)]
    batch_lines: usize,
    /// A line protocol file, or - (the default) for standard input.
    file: Option<PathBuf>,
}

/// Run `influxdesk write`.
pub async fn run(ctx: &Ctx, me: &Actor, w: WriteArgs) -> Result<String> {
    let file = w.file.filter(|p| p.as_os_str() != "-");
    if file.is_none() && (w.resume || w.restart) {
        return Err(Error::invalid(
            "--resume and --restart need a FILE: standard input cannot be read twice",
        ));
    }
    let (tx, rx) = mpsc::channel(16);
    let printer = tokio::spawn(super::progress::show(rx, std::io::stderr().is_terminal()));
    let hooks = WriteHooks {
        progress: Some(tx),
        ..WriteHooks::default()
    };
    let cancel = hooks.cancel.clone();
    let result = match file {
        Some(path) => {
            // Ctrl-C stops before the next batch, keeping the checkpoint. (Not for standard
            // input: a read from a terminal would wait for more input first.)
            let ctrl_c = tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    cancel.cancel();
                }
            });
            let req = WriteFileReq {
                profile: w.profile,
                bucket: Some(w.bucket),
                precision: w.precision,
                path: path.display().to_string(),
                batch: BatchOptions {
                    resume: w.resume,
                    restart: w.restart,
                    batch_lines: Some(w.batch_lines),
                    retries: None,
                },
            };
            let r = write::write_file(ctx, me, req, hooks).await;
            ctrl_c.abort();
            r
        }
        None => {
            let req = WriteStreamReq {
                profile: w.profile,
                bucket: Some(w.bucket),
                precision: w.precision,
                batch_lines: Some(w.batch_lines),
                retries: None,
            };
            write::write_stream(ctx, me, req, tokio::io::stdin(), hooks).await
        }
    };
    let _ = printer.await;
    let r = result?.into_complete()?;
    Ok(format!("{}\n", r.summary()))
}
