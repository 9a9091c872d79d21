//! Write line protocol to a database or bucket, honestly. Three inputs, one pipeline:
//! [`write`] (text in memory: the MCP tool, alerts, the demo), [`write_file`] (a file of any
//! size: `influxdesk write FILE`, the Load Data screen) and [`write_stream`] (any reader:
//! standard input).
//!
//! - Checked before anything is sent: every line's syntax (bad lines named by number), one
//!   type per field within the input, and each field's type against what the target already
//!   holds (`SHOW FIELD KEYS` on 1.x, the schema functions elsewhere). A file is checked
//!   whole first (each line once: the sending pass only cuts it into batches); a stream batch
//!   by batch.
//! - Streamed: batches of 5,000 lines (and at most 8 MB) read from disk as they are sent, up
//!   to three on their way at once (see `pump` for what that keeps exact).
//! - Honest: a partial write (1.x/2.x `partial write: ... dropped=N`) reports what landed and
//!   what did not, in the server's words; never "rejected" when some points landed.
//! - Retried where that is safe: a batch that never reached the server, or whose every point
//!   has a timestamp (a resend rewrites the same points), with bounded backoff. A batch
//!   without timestamps whose answer was lost is not resent: the error says it is uncertain.
//! - Resumable: a file import keeps a checkpoint of the acknowledged batches, written in the
//!   background (see `checkpoint::Saver`), so `--resume` continues after the last one saved.

mod check;
mod checkpoint;
pub mod csv;
pub mod jobs;
pub mod lines;
mod pump;
mod setup;
mod target;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, BufReader};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{Ctx, policy, profiles};
use crate::error::{Error, ErrorCode, Result};
use crate::influx::lineproto::Validator;
use crate::model::{Actor, Precision, Profile, WriteReq, WriteResult};
use checkpoint::Checkpoint;
use lines::{FileBatches, Lines, Pool, TextBatches};
use pump::{IN_FLIGHT, Pump};
use target::Target;

pub use check::{CheckLinesReq, LinesCheck, PointRow, check};
pub use lines::MAX_BATCH_BYTES;
pub use setup::{Setup, SetupReq, Snippet, setup};

/// Lines per batch unless the request says otherwise (what InfluxData's clients use).
pub const DEFAULT_BATCH_LINES: usize = 5_000;
/// Retries of a batch whose resend is safe, unless the request says otherwise.
pub const DEFAULT_RETRIES: u32 = 5;
const MAX_RETRIES: u32 = 20;
const READ_BUFFER: usize = 256 * 1024;

/// How a file import is sent: in batches, resumably, with retries. The same options for a
/// line protocol file ([`WriteFileReq`]) and a CSV file ([`csv::ImportCsvReq`]), flattened
/// into both (the JSON keeps them at the top level).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema, ts_rs::TS)]
#[ts(export)]
pub struct BatchOptions {
    /// Continue an interrupted import of this file after its last acknowledged batch (from
    /// the start when there is none).
    #[serde(default)]
    pub resume: bool,
    /// Write the whole file again although an interrupted import of it left a checkpoint.
    #[serde(default)]
    pub restart: bool,
    /// Lines (CSV: rows) per batch (default 5,000).
    #[serde(default)]
    pub batch_lines: Option<usize>,
    /// Retries of a batch whose resend is safe (default 5).
    #[serde(default)]
    pub retries: Option<u32>,
}

/// Write a line protocol file of any size: checked whole first, then streamed in batches,
/// with a checkpoint after each acknowledged batch.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, ts_rs::TS)]
#[ts(export)]
pub struct WriteFileReq {
    /// Profile id or name; the active profile when absent.
    #[serde(default)]
    pub profile: Option<String>,
    /// Bucket (v2), database (v3) or `db` / `db/rp` (v1); the profile's default when absent.
    #[serde(default)]
    pub bucket: Option<String>,
    #[serde(default)]
    pub precision: Precision,
    /// The line protocol file.
    pub path: String,
    #[serde(flatten)]
    #[ts(flatten)]
    pub batch: BatchOptions,
}

/// Write line protocol from a stream (standard input): checked and sent batch by batch.
#[derive(Debug, Clone, Default)]
pub struct WriteStreamReq {
    pub profile: Option<String>,
    pub bucket: Option<String>,
    pub precision: Precision,
    pub batch_lines: Option<usize>,
    pub retries: Option<u32>,
}

/// How far a write got: sent after each batch the server answered.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct WriteProgress {
    /// The last line the server acknowledged.
    pub line: usize,
    /// Bytes of input acknowledged.
    #[ts(type = "number")]
    pub offset: u64,
    /// The input's size, when known (a file).
    #[ts(type = "number | null")]
    pub total_bytes: Option<u64>,
    /// Points stored so far.
    pub points: usize,
    /// Points the server dropped so far.
    pub dropped: usize,
    pub batches: usize,
}

/// What a long write reports to and takes from its caller. Progress is sent (awaiting room
/// in the channel) after each acknowledged batch; cancelling sends no further batch, lets the
/// batches on their way land (at most three), and keeps the checkpoint.
#[derive(Debug, Clone, Default)]
pub struct WriteHooks {
    pub progress: Option<mpsc::Sender<WriteProgress>>,
    pub cancel: CancellationToken,
}

/// Write line protocol held in memory (checked whole, then sent in batches).
pub async fn write(ctx: &Ctx, actor: &Actor, req: WriteReq) -> Result<WriteResult> {
    write_with(ctx, actor, req, WriteHooks::default()).await
}

/// [`write`] with progress and cancel (the Load Data screen's pasted text): checked whole,
/// each line once, then cut into batches without a second check.
pub async fn write_with(
    ctx: &Ctx,
    actor: &Actor,
    req: WriteReq,
    hooks: WriteHooks,
) -> Result<WriteResult> {
    let input = req.lines.as_bytes();
    let mut v = Validator::default();
    let verbatim = lines::check_lines(&mut lines::LineReader::new(input, 0, 0), &mut v)
        .map_err(|e| Error::invalid(format!("could not read the input: {e}")))?;
    v.finish()?;
    let shape = lines::Shape::of(&v, verbatim);
    let (profile, bucket) = target(ctx, req.profile.as_deref(), req.bucket.as_deref()).await?;
    let n = v.points;
    // The approval shows the count and the first points, as they will be sent.
    const SHOWN: usize = 5;
    let mut what = format!("write {n} point{} to \"{bucket}\"", plural(n));
    let points = req
        .lines
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    for line in points.take(SHOWN) {
        what.push('\n');
        what.extend(line.chars().take(300));
    }
    if n > SHOWN {
        what += &format!("\n... and {} more", n - SHOWN);
    }
    policy::check_write(ctx, actor, &profile, &what).await?;
    let mut target = Target::open(ctx, profile, bucket, req.precision, None).await?;
    if let Err(e) = target.check(&v).await {
        return Err(extend(e, nothing_more(None)));
    }
    let mut pump = Pump::new(target, &hooks, None, Some(input.len() as u64));
    pump.run(&mut TextBatches::new(input, shape), DEFAULT_BATCH_LINES)
        .await?;
    let r = &pump.result;
    if r.points == 0 && r.dropped > 0 && r.uncertain == 0 {
        // Nothing landed: that is a refusal, in the server's words.
        let said: Vec<&str> = r.rejections.iter().map(|x| x.server.as_str()).collect();
        return Err(Error::invalid(format!(
            "the server stored none of the {} point{}: {}. Nothing was written.",
            r.dropped,
            plural(r.dropped),
            said.join("; ")
        )));
    }
    Ok(pump.finish(ctx, actor))
}

/// Write a line protocol file of any size, resumably (see [`WriteFileReq`]).
pub async fn write_file(
    ctx: &Ctx,
    actor: &Actor,
    req: WriteFileReq,
    hooks: WriteHooks,
) -> Result<WriteResult> {
    let path = tokio::fs::canonicalize(&req.path)
        .await
        .map_err(|e| Error::invalid(format!("could not open {}: {e}", req.path)))?;
    let (profile, bucket) = target(ctx, req.profile.as_deref(), req.bucket.as_deref()).await?;
    let file = checkpoint::identify(&path).await?;
    let (at, start) = start_from(
        ctx,
        &profile.id,
        &bucket,
        &file,
        "",
        req.precision,
        "",
        (req.batch.resume, req.batch.restart),
    )
    .await?;
    let (offset, line) = start.as_ref().map_or((0, 0), |c| (c.offset, c.line));
    let (v, end, shape) = lines::validate_file(&path, offset, line).await?;
    if let Some(p) = v.problems() {
        return Err(Error::invalid(format!(
            "{p} {}",
            nothing_more(start.as_ref())
        )));
    }
    if v.points == 0 && start.is_none() {
        v.finish()?;
    }
    let what = format!(
        "write {} point{} from {} to \"{bucket}\"",
        v.points,
        plural(v.points),
        file.path
    );
    policy::check_write(ctx, actor, &profile, &what).await?;
    let retries = req.batch.retries;
    let mut target = Target::open(ctx, profile, bucket.clone(), req.precision, retries).await?;
    if let Err(e) = target.check(&v).await {
        return Err(extend(e, nothing_more(start.as_ref())));
    }
    let resumed = start.is_some();
    let cp = start.unwrap_or_else(|| Checkpoint {
        version: 1,
        profile: target.profile.id.clone(),
        bucket: bucket.clone(),
        precision: req.precision,
        file: file.clone(),
        ..Checkpoint::default()
    });
    let mut pump = Pump::new(target, &hooks, None, Some(file.size));
    if resumed {
        pump.result = cp.tally(&bucket);
    }
    pump.checkpoint = Some((at.clone(), cp));
    let max_lines = req.batch.batch_lines.unwrap_or(DEFAULT_BATCH_LINES);
    let pool = std::sync::Arc::new(Pool::default());
    let mut batches = FileBatches::start(
        &path,
        (offset, line, end),
        shape,
        max_lines,
        IN_FLIGHT,
        pool.clone(),
    );
    pump.pool = Some(pool);
    pump.run(&mut batches, max_lines).await?;
    checkpoint::remove(&at).await?;
    Ok(pump.finish(ctx, actor))
}

/// Write line protocol read from `input` (standard input), batch by batch: a bad batch stops
/// the write before it is sent, and the error says what landed before it.
pub async fn write_stream<R: AsyncRead + Unpin + Send>(
    ctx: &Ctx,
    actor: &Actor,
    req: WriteStreamReq,
    input: R,
    hooks: WriteHooks,
) -> Result<WriteResult> {
    let (profile, bucket) = target(ctx, req.profile.as_deref(), req.bucket.as_deref()).await?;
    let what = format!("write line protocol from a stream to \"{bucket}\"");
    policy::check_write(ctx, actor, &profile, &what).await?;
    let target = Target::open(ctx, profile, bucket, req.precision, req.retries).await?;
    let mut pump = Pump::new(target, &hooks, None, None);
    let max_lines = req.batch_lines.unwrap_or(DEFAULT_BATCH_LINES);
    pump.run(
        &mut Lines::new(BufReader::with_capacity(READ_BUFFER, input), 0, 0),
        max_lines,
    )
    .await?;
    if pump.result.batches == 0 {
        return Err(Error::invalid(
            "no points to write: the input has no line protocol lines",
        ));
    }
    Ok(pump.finish(ctx, actor))
}

/// Where the checkpoint of importing `file` (as `kind`: "" for line protocol) into `bucket`
/// lives, and the checkpoint to start from (`None`: from the start), as `resume` (resume,
/// restart) asks. `options` is what else must be the same to resume (a CSV mapping).
#[allow(clippy::too_many_arguments)]
async fn start_from(
    ctx: &Ctx,
    profile: &str,
    bucket: &str,
    file: &checkpoint::Identity,
    kind: &str,
    precision: Precision,
    options: &str,
    (resume, restart): (bool, bool),
) -> Result<(std::path::PathBuf, Option<Checkpoint>)> {
    let at = checkpoint::location(
        ctx.data_dir(),
        profile,
        bucket,
        &format!("{kind}{}", file.path),
    );
    let start = match (checkpoint::load(&at).await?, resume, restart) {
        (Some(_), _, true) => {
            checkpoint::remove(&at).await?;
            None
        }
        (Some(cp), false, false) => {
            return Err(Error::Conflict(format!(
                "an import of {} into \"{bucket}\" was interrupted after line {} ({} points \
                 landed). Run the same {} with --resume to continue after line {}, or with \
                 --restart to write the whole file again (points without a timestamp would \
                 then be stored twice).",
                file.path,
                cp.line,
                cp.points,
                if kind.is_empty() { "write" } else { "import" },
                cp.line
            )));
        }
        (Some(cp), true, false) => {
            if cp.file != *file
                || cp.precision != precision
                || cp.offset > file.size
                || cp.options != options
            {
                return Err(Error::Conflict(format!(
                    "{} is not the file (or precision, or column mapping) of the interrupted \
                     import into \"{bucket}\": its size, modification time or first bytes \
                     changed, so the place reached (line {}) cannot be trusted. Nothing was \
                     written; write it again with --restart.",
                    file.path, cp.line
                )));
            }
            Some(cp)
        }
        (None, _, _) => None,
    };
    Ok((at, start))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The profile and the database/bucket a write goes to.
async fn target(
    ctx: &Ctx,
    profile: Option<&str>,
    bucket: Option<&str>,
) -> Result<(Profile, String)> {
    let profile = profiles::resolve(ctx, profile).await?;
    let bucket = bucket
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .or(profile.database.as_deref())
        .ok_or_else(|| {
            Error::invalid(format!(
                "no database/bucket to write to: pass one, or set a default on profile \"{}\"",
                profile.name
            ))
        })?
        .to_string();
    Ok((profile, bucket))
}

fn nothing_more(start: Option<&Checkpoint>) -> String {
    match start {
        None => "Nothing was written.".into(),
        Some(cp) => format!(
            "Nothing more was written (lines 1-{} had landed before the interruption).",
            cp.line
        ),
    }
}

/// `e` with `more` appended to its message, same code.
fn extend(e: Error, more: impl AsRef<str>) -> Error {
    let msg = format!("{} {}", e.message().trim_end(), more.as_ref())
        .trim()
        .to_string();
    match e.code() {
        ErrorCode::Unauthorized => Error::Unauthorized(msg),
        ErrorCode::Forbidden => Error::Forbidden(msg),
        ErrorCode::NotFound => Error::NotFound(msg),
        ErrorCode::Conflict => Error::Conflict(msg),
        ErrorCode::InvalidInput => Error::InvalidInput(msg),
        ErrorCode::QuerySyntax => Error::QuerySyntax(msg),
        ErrorCode::Unreachable => Error::Unreachable(msg),
        ErrorCode::Timeout => Error::Timeout(msg),
        ErrorCode::KeychainUnavailable => Error::KeychainUnavailable(msg),
        ErrorCode::Storage => Error::Storage(msg),
        ErrorCode::Cancelled => Error::Cancelled(msg),
        _ => Error::Internal(msg),
    }
}
