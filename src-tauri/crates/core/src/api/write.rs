//! Write line protocol to a database or bucket, honestly. Three inputs, one pipeline:
//! [`write`] (text in memory: the MCP tool, alerts, the demo), [`write_file`] (a file of any
//! size: `influxdesk write FILE`, the Load Data screen) and [`write_stream`] (any reader:
//! standard input).
//!
//! - Checked before anything is sent: every line's syntax (bad lines named by number), one
//!   type per field within the input, and each field's type against what the target already
//!   holds (`SHOW FIELD KEYS` on 1.x, the schema functions elsewhere). A file is checked
//!   whole first; a stream batch by batch.
//! - Streamed: batches of 5,000 lines (and at most 8 MB) read from disk as they are sent.
//! - Honest: a partial write (1.x/2.x `partial write: ... dropped=N`) reports what landed and
//!   what did not, in the server's words; never "rejected" when some points landed.
//! - Retried where that is safe: a batch that never reached the server, or whose every point
//!   has a timestamp (a resend rewrites the same points), with bounded backoff. A batch
//!   without timestamps whose answer was lost is not resent: the error says it is uncertain.
//! - Resumable: a file import writes a checkpoint after each acknowledged batch (see
//!   `checkpoint`), so `--resume` continues after the last acknowledged batch.

mod checkpoint;
mod lines;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufRead, AsyncRead, AsyncSeekExt, BufReader};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{Ctx, policy, profiles};
use crate::error::{Error, ErrorCode, Result};
use crate::influx::Client;
use crate::influx::lineproto::Validator;
use crate::influx::write::{BatchError, Stored};
use crate::model::{Actor, ApiKind, Precision, Profile, WriteRejection, WriteReq, WriteResult};
use checkpoint::Checkpoint;
use lines::{Batch, Lines};

pub use lines::MAX_BATCH_BYTES;

/// Lines per batch unless the request says otherwise (what InfluxData's clients use).
pub const DEFAULT_BATCH_LINES: usize = 5_000;
/// Retries of a batch whose resend is safe, unless the request says otherwise.
pub const DEFAULT_RETRIES: u32 = 5;
const MAX_RETRIES: u32 = 20;
const READ_BUFFER: usize = 256 * 1024;

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
    /// Continue an interrupted import of this file after its last acknowledged batch (from
    /// the start when there is none).
    #[serde(default)]
    pub resume: bool,
    /// Write the whole file again although an interrupted import of it left a checkpoint.
    #[serde(default)]
    pub restart: bool,
    /// Lines per batch (default 5,000).
    #[serde(default)]
    pub batch_lines: Option<usize>,
    /// Retries of a batch whose resend is safe (default 5).
    #[serde(default)]
    pub retries: Option<u32>,
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
/// in the channel) after each acknowledged batch; cancelling stops before the next batch,
/// keeping the checkpoint.
#[derive(Debug, Clone, Default)]
pub struct WriteHooks {
    pub progress: Option<mpsc::Sender<WriteProgress>>,
    pub cancel: CancellationToken,
}

/// Write line protocol held in memory (checked whole, then sent in batches).
pub async fn write(ctx: &Ctx, actor: &Actor, req: WriteReq) -> Result<WriteResult> {
    let input = req.lines.as_bytes();
    let mut v = Validator::default();
    Lines::new(input, 0, 0).validate_all(&mut v).await?;
    v.finish()?;
    let (profile, bucket) = target(ctx, req.profile.as_deref(), req.bucket.as_deref()).await?;
    let n = v.points;
    let what = format!("write {n} point{} to \"{bucket}\"", plural(n));
    policy::check_write(ctx, actor, &profile, &what).await?;
    let mut target = Target::open(ctx, profile, bucket, req.precision, None).await?;
    if let Err(e) = target.check(&v).await {
        return Err(extend(e, nothing_more(None)));
    }
    let hooks = WriteHooks::default();
    let mut pump = Pump::new(target, &hooks, None, Some(input.len() as u64));
    pump.run(&mut Lines::new(input, 0, 0), DEFAULT_BATCH_LINES)
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
    let at = checkpoint::location(ctx.data_dir(), &profile.id, &bucket, &file.path);
    let start = match (checkpoint::load(&at).await?, req.resume, req.restart) {
        (Some(_), _, true) => {
            checkpoint::remove(&at).await?;
            None
        }
        (Some(cp), false, false) => {
            return Err(Error::Conflict(format!(
                "an import of {} into \"{bucket}\" was interrupted after line {} ({} points \
                 landed). Run the same write with --resume to continue after line {}, or with \
                 --restart to write the whole file again (points without a timestamp would \
                 then be stored twice).",
                file.path, cp.line, cp.points, cp.line
            )));
        }
        (Some(cp), true, false) => {
            if cp.file != file || cp.precision != req.precision || cp.offset > file.size {
                return Err(Error::Conflict(format!(
                    "{} is not the file (or precision) of the interrupted import into \
                     \"{bucket}\": its size, modification time or first bytes changed, so the \
                     place reached (line {}) cannot be trusted. Nothing was written; write it \
                     again with --restart.",
                    file.path, cp.line
                )));
            }
            Some(cp)
        }
        (None, _, _) => None,
    };
    let (offset, line) = start.as_ref().map_or((0, 0), |c| (c.offset, c.line));
    let mut v = Validator::default();
    Lines::new(open_at(&path, offset).await?, offset, line)
        .validate_all(&mut v)
        .await?;
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
    let retries = req.retries;
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
    let max_lines = req.batch_lines.unwrap_or(DEFAULT_BATCH_LINES);
    pump.run(
        &mut Lines::new(open_at(&path, offset).await?, offset, line),
        max_lines,
    )
    .await?;
    checkpoint::remove(&at).await?;
    Ok(pump.finish(ctx, actor))
}

/// Write line protocol read from `input` (standard input), batch by batch: a bad batch stops
/// the write before it is sent, and the error says what landed before it.
pub async fn write_stream<R: AsyncRead + Unpin>(
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

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

async fn open_at(path: &Path, offset: u64) -> Result<BufReader<tokio::fs::File>> {
    let mut f = tokio::fs::File::open(path)
        .await
        .map_err(|e| Error::invalid(format!("could not open {}: {e}", path.display())))?;
    f.seek(std::io::SeekFrom::Start(offset))
        .await
        .map_err(|e| Error::invalid(format!("could not read {}: {e}", path.display())))?;
    Ok(BufReader::with_capacity(READ_BUFFER, f))
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

/// Where the points go, and what the target's schema already says.
struct Target {
    client: Client,
    profile: Profile,
    bucket: String,
    precision: Precision,
    retries: u32,
    /// Field types the target holds, by (measurement, field).
    known: HashMap<(String, String), &'static str>,
    /// Measurements whose field types were asked for.
    asked: BTreeSet<String>,
}

impl Target {
    async fn open(
        ctx: &Ctx,
        profile: Profile,
        bucket: String,
        precision: Precision,
        retries: Option<u32>,
    ) -> Result<Target> {
        let client = ctx.client(&profile).await?;
        Ok(Target {
            client,
            profile,
            bucket,
            precision,
            retries: retries.unwrap_or(DEFAULT_RETRIES).min(MAX_RETRIES),
            known: HashMap::new(),
            asked: BTreeSet::new(),
        })
    }

    /// Check what `v` has seen against the target's field types (asking the server about
    /// measurements not asked yet). The message says nothing of what was written: callers
    /// add that.
    async fn check(&mut self, v: &Validator) -> Result<()> {
        let new: BTreeSet<&str> = v
            .measurements()
            .into_iter()
            .filter(|m| !self.asked.contains(*m))
            .collect();
        if !new.is_empty() {
            match self.client.field_types(&self.bucket, &new).await {
                Ok(types) => self.known.extend(types),
                // The database must exist on 1.x. (On 2.x an unmapped bucket is "not found"
                // to InfluxQL: the schema is then unknown, and the write says the rest.)
                Err(e) if e.code() == ErrorCode::NotFound && self.client.api() == ApiKind::V1 => {
                    return Err(e);
                }
                Err(e) => tracing::debug!(
                    "no field types for {} measurements of {}: {e}",
                    new.len(),
                    self.bucket
                ),
            }
            self.asked.extend(new.into_iter().map(str::to_string));
        }
        let conflicts = v.schema_conflicts(&self.known);
        if conflicts.is_empty() {
            return Ok(());
        }
        Err(Error::invalid(format!(
            "field type conflict with what \"{}\" already holds: {}. InfluxDB keeps one type \
             per field and would drop these points (a partial write). Send each field with the \
             type it has (integers with an `i` suffix, floats without).",
            self.bucket,
            conflicts.join("; ")
        )))
    }
}

/// Sends batches, keeps the tally, the checkpoint and the progress.
struct Pump<'a> {
    target: Target,
    hooks: &'a WriteHooks,
    result: WriteResult,
    total_bytes: Option<u64>,
    checkpoint: Option<(PathBuf, Checkpoint)>,
}

impl<'a> Pump<'a> {
    fn new(
        target: Target,
        hooks: &'a WriteHooks,
        checkpoint: Option<(PathBuf, Checkpoint)>,
        total_bytes: Option<u64>,
    ) -> Self {
        let result = WriteResult {
            bucket: target.bucket.clone(),
            ..WriteResult::default()
        };
        Pump {
            target,
            hooks,
            result,
            total_bytes,
            checkpoint,
        }
    }

    async fn run<R: AsyncBufRead + Unpin>(
        &mut self,
        lines: &mut Lines<R>,
        max_lines: usize,
    ) -> Result<()> {
        let mut v = Validator::default();
        loop {
            if self.hooks.cancel.is_cancelled() {
                return Err(self.stopped(
                    Error::Cancelled("The write was cancelled.".into()),
                    format!("Nothing after line {} was sent.", self.result.lines),
                ));
            }
            let Some(batch) = lines.batch(&mut v, max_lines.max(1)).await? else {
                return Ok(());
            };
            let not_sent = format!(
                "Lines {}-{} and the rest were not written.",
                batch.first_line, batch.last_line
            );
            if let Some(p) = v.problems() {
                return Err(self.stopped(Error::invalid(p), not_sent));
            }
            if let Err(e) = self.target.check(&v).await {
                return Err(self.stopped(e, not_sent));
            }
            if batch.points > 0 {
                let stored = self.send(&batch).await?;
                self.account(&batch, stored);
            }
            self.result.lines = batch.last_line;
            if let Err(e) = self.acknowledged(batch.end_offset).await {
                return Err(self.stopped(e, String::new()));
            }
        }
    }

    fn account(&mut self, batch: &Batch, stored: Stored) {
        let r = &mut self.result;
        r.batches += 1;
        r.bytes += batch.body.len();
        let rejection = |dropped: Option<usize>, server: String| WriteRejection {
            first_line: batch.first_line,
            last_line: batch.last_line,
            points: batch.points,
            dropped,
            server,
        };
        match stored {
            Stored::All => r.points += batch.points,
            Stored::Partial {
                dropped,
                written,
                message,
            } => {
                // A count of what was written is the surer one (2.x's unparsed lines).
                let dropped = written
                    .map(|w| batch.points.saturating_sub(w))
                    .or(dropped)
                    .map(|d| d.min(batch.points));
                match dropped {
                    Some(d) => {
                        r.points += batch.points - d;
                        r.dropped += d;
                    }
                    None => r.uncertain += batch.points,
                }
                r.rejections.push(rejection(dropped, message));
            }
        }
    }

    /// After a batch was answered: the checkpoint, then the progress.
    async fn acknowledged(&mut self, offset: u64) -> Result<()> {
        if let Some((at, cp)) = &mut self.checkpoint {
            cp.offset = offset;
            cp.line = self.result.lines;
            cp.record(&self.result);
            checkpoint::save(at, cp).await?;
        }
        if let Some(tx) = &self.hooks.progress {
            let p = WriteProgress {
                line: self.result.lines,
                offset,
                total_bytes: self.total_bytes,
                points: self.result.points,
                dropped: self.result.dropped,
                batches: self.result.batches,
            };
            // A caller that stopped listening does not stop the write.
            let _ = tx.send(p).await;
        }
        Ok(())
    }

    /// Send one batch, retrying as far as that is safe.
    async fn send(&self, batch: &Batch) -> Result<Stored> {
        let lines = format!("lines {}-{}", batch.first_line, batch.last_line);
        let mut attempt: u32 = 0;
        loop {
            let t = &self.target;
            let err = match t
                .client
                .write_batch(&t.bucket, t.precision, batch.body.clone())
                .await
            {
                Ok(stored) => return Ok(stored),
                Err(e) => e,
            };
            let safe = match &err {
                BatchError::Refused(_) => false,
                BatchError::NotSent(_) => true,
                BatchError::Uncertain(_) => batch.timestamped,
            };
            if !safe || attempt >= t.retries {
                let note = match &err {
                    BatchError::Refused(_) => format!(
                        "The server refused {lines} and stored none of them; the write stopped \
                         there."
                    ),
                    BatchError::Uncertain(_) if !batch.timestamped => format!(
                        "The server may or may not have stored {lines} ({} points): some have \
                         no timestamp, so sending them again could store them twice, and \
                         influxdesk did not resend them. Check what landed (e.g. with SELECT \
                         count(*)) before writing those lines again.",
                        batch.points
                    ),
                    _ => format!(
                        "{lines} could not be written after {} attempts; the write stopped \
                         there.",
                        attempt + 1
                    ),
                };
                return Err(self.stopped(err.into_error(), note));
            }
            let delay = Duration::from_millis(200u64 << attempt.min(5)).min(Duration::from_secs(5));
            tracing::warn!(
                "writing {lines} failed ({}); retry {} of {} in {delay:?}",
                err.error().message(),
                attempt + 1,
                t.retries
            );
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = self.hooks.cancel.cancelled() => {
                    return Err(self.stopped(
                        Error::Cancelled("The write was cancelled.".into()),
                        format!("{lines} were not acknowledged."),
                    ));
                }
            }
            attempt += 1;
        }
    }

    /// `e`, with `note` and what had landed before it.
    fn stopped(&self, e: Error, note: String) -> Error {
        let r = &self.result;
        let before = if r.batches == 0 && r.resumed_after_line.is_none() {
            "Nothing was written.".to_string()
        } else {
            format!(
                "Before that, {} point{} landed in {} batch{} (up to line {}).",
                r.points,
                plural(r.points),
                r.batches,
                if r.batches == 1 { "" } else { "es" },
                r.lines
            )
        };
        let resume = if self.checkpoint.is_some() {
            format!(
                " The checkpoint keeps the place: run the same write with --resume to continue \
                 after line {}.",
                r.lines
            )
        } else {
            String::new()
        };
        extend(e, format!("{note} {before}{resume}"))
    }

    fn finish(self, ctx: &Ctx, actor: &Actor) -> WriteResult {
        let r = self.result;
        let mut detail = format!(
            "{} point{} to {} on {}",
            r.points,
            plural(r.points),
            r.bucket,
            self.target.profile.name
        );
        if r.dropped > 0 {
            detail.push_str(&format!(" ({} dropped by the server)", r.dropped));
        }
        ctx.emit(actor, "write", detail);
        r
    }
}
