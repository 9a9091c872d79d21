//! The sending side of a write: the [`Target`] (client, bucket, the field types the server
//! already holds) and the [`Pump`] that sends batches with safe retries, keeps the tally,
//! writes the checkpoint after each acknowledged batch and reports progress. Errors say what
//! had landed before them.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::Duration;

use std::future::Future;

use tokio::io::AsyncBufRead;

use super::checkpoint::{self, Checkpoint};
use super::lines::{Batch, Lines};
use super::{DEFAULT_RETRIES, MAX_RETRIES, WriteHooks, WriteProgress, extend, plural};
use crate::api::Ctx;
use crate::error::{Error, ErrorCode, Result};
use crate::influx::Client;
use crate::influx::lineproto::Validator;
use crate::influx::write::{BatchError, Stored};
use crate::model::{Actor, ApiKind, Precision, Profile, WriteRejection, WriteResult};

/// Where the points go, and what the target's schema already says.
pub(super) struct Target {
    client: Client,
    pub(super) profile: Profile,
    bucket: String,
    precision: Precision,
    retries: u32,
    /// Field types the target holds, by (measurement, field).
    known: HashMap<(String, String), &'static str>,
    /// Measurements whose field types were asked for.
    asked: BTreeSet<String>,
}

impl Target {
    pub(super) async fn open(
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
    pub(super) async fn check(&mut self, v: &Validator) -> Result<()> {
        let conflicts = self.conflicts(v).await?;
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

    /// The fields of `v` whose type differs from what the target holds, one sentence each
    /// (asking the server about measurements not asked yet).
    pub(super) async fn conflicts(&mut self, v: &Validator) -> Result<Vec<String>> {
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
        Ok(v.schema_conflicts(&self.known))
    }
}

/// Where batches come from: a line protocol input ([`Lines`]) or a converted CSV file.
pub(super) trait Source {
    /// The next batch of at most `max_lines` input lines, validated into `v`; `None` at the
    /// end.
    fn batch(
        &mut self,
        v: &mut Validator,
        max_lines: usize,
    ) -> impl Future<Output = Result<Option<Batch>>> + Send;
}

impl<R: AsyncBufRead + Unpin + Send> Source for Lines<R> {
    fn batch(
        &mut self,
        v: &mut Validator,
        max_lines: usize,
    ) -> impl Future<Output = Result<Option<Batch>>> + Send {
        Lines::batch(self, v, max_lines)
    }
}

/// Sends batches, keeps the tally, the checkpoint and the progress.
pub(super) struct Pump<'a> {
    target: Target,
    hooks: &'a WriteHooks,
    pub(super) result: WriteResult,
    total_bytes: Option<u64>,
    pub(super) checkpoint: Option<(PathBuf, Checkpoint)>,
}

impl<'a> Pump<'a> {
    pub(super) fn new(
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

    pub(super) async fn run<S: Source>(&mut self, lines: &mut S, max_lines: usize) -> Result<()> {
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

    pub(super) fn finish(self, ctx: &Ctx, actor: &Actor) -> WriteResult {
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
