//! The sending side of a write: the [`Pump`] that sends batches with safe retries, keeps the tally,
//! updates the checkpoint after each acknowledged batch (written in the background, see
//! [`checkpoint::Saver`]) and reports progress. Errors say what
//! had landed before them.
//!
//! Up to [`IN_FLIGHT`] batches are on their way at once, answered in any order but taken in
//! input order: the tally, the checkpoint and the progress move over a contiguous prefix of
//! acknowledged batches only, so a resume starts right after the last batch whose
//! predecessors all landed. A batch sent while an earlier one is unanswered must have a
//! timestamp on every point (resending it rewrites the same points); a batch with points
//! that would take the server's clock waits until everything before it is answered. When a
//! batch fails, nothing more is sent, the batches already on their way are awaited, and the
//! error says which of them were stored too. (One thing order no longer settles: a point
//! repeated, same series and timestamp, in two batches on their way at once may keep either
//! value.)

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use std::future::Future;

use bytes::Bytes;
use futures::StreamExt;
use futures::future::BoxFuture;
use futures::stream::FuturesOrdered;
use tokio::io::AsyncBufRead;
use tokio_util::sync::CancellationToken;

use super::checkpoint::{self, Checkpoint};
use super::lines::{Batch, FileBatches, Lines, Pool, TextBatches};
use super::target::Target;
use super::{WriteHooks, WriteProgress, extend, plural};
use crate::api::Ctx;
use crate::error::{Error, Result};
use crate::influx::Client;
use crate::influx::lineproto::Validator;
use crate::influx::write::{BatchError, Stored};
use crate::model::{Actor, Precision, WriteRejection, WriteResult};

/// Batches on their way at once, at most.
pub const IN_FLIGHT: usize = 3;

/// Where batches come from: a line protocol stream ([`Lines`]), a file checked whole
/// beforehand ([`FileBatches`]) or a converted CSV file.
pub(super) trait Source {
    /// The next batch of at most `max_lines` input lines (validated into `v` when
    /// [`Source::checks`]); `None` at the end.
    fn batch(
        &mut self,
        v: &mut Validator,
        max_lines: usize,
    ) -> impl Future<Output = Result<Option<Batch>>> + Send;

    /// Whether each batch is checked into the validator as it is read (so the pump checks
    /// it before sending); `false` when the whole input was checked before the write began.
    fn checks(&self) -> bool {
        true
    }
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

impl Source for FileBatches {
    fn batch(
        &mut self,
        _: &mut Validator,
        _: usize,
    ) -> impl Future<Output = Result<Option<Batch>>> + Send {
        self.next()
    }

    fn checks(&self) -> bool {
        false
    }
}

impl Source for TextBatches<'_> {
    fn batch(
        &mut self,
        _: &mut Validator,
        max_lines: usize,
    ) -> impl Future<Output = Result<Option<Batch>>> + Send {
        std::future::ready(self.next(max_lines))
    }

    fn checks(&self) -> bool {
        false
    }
}

/// What the sending of one batch needs, shared by the batches on their way.
struct Sender {
    client: Arc<Client>,
    bucket: String,
    precision: Precision,
    retries: u32,
    cancel: CancellationToken,
}

/// Why a batch was not acknowledged.
enum Failed {
    /// The last attempt's error, and how many attempts were made.
    Batch(BatchError, u32),
    Cancelled,
}

/// A batch's place in the input, kept while its body is on its way.
#[derive(Clone, Copy)]
struct Place {
    points: usize,
    bytes: usize,
    timestamped: bool,
    first_line: usize,
    last_line: usize,
    end_offset: u64,
}

impl Place {
    fn lines(&self) -> String {
        format!("lines {}-{}", self.first_line, self.last_line)
    }
}

/// A batch answered (or given up).
struct Done {
    place: Place,
    outcome: std::result::Result<Stored, Failed>,
    body: Bytes,
}

/// Send one batch, retrying as far as that is safe.
async fn send(s: Arc<Sender>, place: Place, body: Bytes) -> Done {
    let mut attempt: u32 = 0;
    let outcome = loop {
        let err = match s
            .client
            .write_batch(&s.bucket, s.precision, body.clone())
            .await
        {
            Ok(stored) => break Ok(stored),
            Err(e) => e,
        };
        let safe = match &err {
            BatchError::Refused(_) => false,
            BatchError::NotSent(_) => true,
            BatchError::Uncertain(_) => place.timestamped,
        };
        if !safe || attempt >= s.retries {
            break Err(Failed::Batch(err, attempt + 1));
        }
        let delay = Duration::from_millis(200u64 << attempt.min(5)).min(Duration::from_secs(5));
        tracing::warn!(
            "writing {} failed ({}); retry {} of {} in {delay:?}",
            place.lines(),
            err.error().message(),
            attempt + 1,
            s.retries
        );
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = s.cancel.cancelled() => break Err(Failed::Cancelled),
        }
        attempt += 1;
    };
    Done {
        place,
        outcome,
        body,
    }
}

/// Why the pump stopped sending.
enum Stop {
    Cancelled,
    /// The error and what it says of the lines concerned.
    Failed(Error, String),
}

/// Batches stored after one before them failed: not acknowledged (the checkpoint stays
/// before the failed one), but stored.
#[derive(Default)]
struct Beyond {
    first_line: usize,
    last_line: usize,
    points: usize,
    uncertain: bool,
}

/// Sends batches, keeps the tally, the checkpoint and the progress.
pub(super) struct Pump<'a> {
    target: Target,
    sender: Arc<Sender>,
    hooks: &'a WriteHooks,
    pub(super) result: WriteResult,
    total_bytes: Option<u64>,
    pub(super) checkpoint: Option<(PathBuf, Checkpoint)>,
    /// Writes the checkpoint in the background while [`Pump::run`] runs.
    saver: Option<checkpoint::Saver>,
    /// Where sent bodies go back for reuse (a file's batches).
    pub(super) pool: Option<Arc<Pool>>,
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
        let sender = Arc::new(Sender {
            client: target.client.clone(),
            bucket: target.bucket.clone(),
            precision: target.precision,
            retries: target.retries,
            cancel: hooks.cancel.clone(),
        });
        Pump {
            target,
            sender,
            hooks,
            result,
            total_bytes,
            checkpoint,
            saver: None,
            pool: None,
        }
    }

    /// Send every batch of `src` (see the module's doc for the order of things).
    pub(super) async fn run<S: Source>(&mut self, src: &mut S, max_lines: usize) -> Result<()> {
        let mut v = Validator::default();
        let mut flight: FuturesOrdered<BoxFuture<'static, Done>> = FuturesOrdered::new();
        let mut held: Option<Batch> = None;
        let mut stop: Option<Stop> = None;
        let mut eof = false;
        // A batch failed: later answers are not acknowledged.
        let mut broken = false;
        let mut beyond = Beyond::default();
        self.saver = self
            .checkpoint
            .as_ref()
            .map(|(at, _)| checkpoint::Saver::start(at.clone()));
        loop {
            while stop.is_none() && flight.len() < IN_FLIGHT {
                let batch = match held.take() {
                    Some(b) => b,
                    None if eof => break,
                    None => {
                        if self.hooks.cancel.is_cancelled() {
                            stop = Some(Stop::Cancelled);
                            break;
                        }
                        match self.next(src, &mut v, max_lines).await {
                            Ok(Some(b)) => b,
                            Ok(None) => {
                                eof = true;
                                break;
                            }
                            Err(s) => {
                                stop = Some(s);
                                break;
                            }
                        }
                    }
                };
                // Points without a timestamp could be stored twice if a resume resent them:
                // their batch waits until everything before it is answered.
                if !batch.timestamped && batch.points > 0 && !flight.is_empty() {
                    held = Some(batch);
                    break;
                }
                flight.push_back(self.launch(batch));
            }
            let Some(done) = flight.next().await else {
                break;
            };
            self.answered(done, &mut broken, &mut stop, &mut beyond)
                .await;
        }
        // The checkpoint on disk is the newest one before anything is said about it.
        if let Some(saver) = self.saver.take()
            && let Err(e) = saver.finish().await
        {
            self.checkpoint = None;
            stop = Some(match stop {
                None => Stop::Failed(e, "The checkpoint could not be saved.".into()),
                Some(Stop::Cancelled) => Stop::Failed(e, "The write was cancelled.".into()),
                Some(Stop::Failed(first, note)) => Stop::Failed(
                    first,
                    format!("{note} The checkpoint could not be saved either ({e})."),
                ),
            });
        }
        let beyond = self.beyond_note(&beyond);
        match stop {
            None => Ok(()),
            Some(Stop::Cancelled) => {
                let note = format!("Nothing after line {} was sent.", self.result.lines);
                Err(self.stopped(
                    Error::Cancelled("The write was cancelled.".into()),
                    format!("{note}{beyond}"),
                ))
            }
            Some(Stop::Failed(e, note)) => Err(self.stopped(e, format!("{note}{beyond}"))),
        }
    }

    /// The next batch of `src`, checked when the source checks as it reads.
    async fn next<S: Source>(
        &mut self,
        src: &mut S,
        v: &mut Validator,
        max_lines: usize,
    ) -> std::result::Result<Option<Batch>, Stop> {
        let batch = match src.batch(v, max_lines.max(1)).await {
            Ok(Some(b)) => b,
            Ok(None) => return Ok(None),
            Err(e) => return Err(Stop::Failed(e, String::new())),
        };
        if src.checks() {
            let not_sent = format!(
                "Lines {}-{} and the rest were not written.",
                batch.first_line, batch.last_line
            );
            if let Some(p) = v.problems() {
                return Err(Stop::Failed(Error::invalid(p), not_sent));
            }
            if let Err(e) = self.target.check(v).await {
                return Err(Stop::Failed(e, not_sent));
            }
        }
        Ok(Some(batch))
    }

    /// Start sending `batch` (a batch without points is answered at once).
    fn launch(&self, batch: Batch) -> BoxFuture<'static, Done> {
        let place = Place {
            points: batch.points,
            bytes: batch.body.len(),
            timestamped: batch.timestamped,
            first_line: batch.first_line,
            last_line: batch.last_line,
            end_offset: batch.end_offset,
        };
        let body = Bytes::from(batch.body);
        if place.points == 0 {
            return Box::pin(futures::future::ready(Done {
                place,
                outcome: Ok(Stored::All),
                body,
            }));
        }
        Box::pin(send(self.sender.clone(), place, body))
    }

    /// Take the answer to the oldest batch on its way.
    async fn answered(
        &mut self,
        done: Done,
        broken: &mut bool,
        stop: &mut Option<Stop>,
        beyond: &mut Beyond,
    ) {
        let Done {
            place,
            outcome,
            body,
        } = done;
        if let Some(pool) = &self.pool
            && let Ok(b) = body.try_into_mut()
        {
            pool.give(b.into());
        }
        match outcome {
            Ok(stored) if !*broken => {
                if place.points > 0 {
                    self.account(&place, stored);
                }
                self.result.lines = place.last_line;
                if let Err(e) = self.acknowledged(place.end_offset, place.timestamped).await {
                    *broken = true;
                    *stop = Some(Stop::Failed(e, String::new()));
                }
            }
            Ok(stored) => {
                if beyond.first_line == 0 {
                    beyond.first_line = place.first_line;
                }
                beyond.last_line = place.last_line;
                match stored {
                    Stored::All => beyond.points += place.points,
                    Stored::Partial { .. } => beyond.uncertain = true,
                }
            }
            Err(f) if !*broken => {
                *broken = true;
                *stop = Some(self.failure(f, &place));
            }
            // After a failed batch: not acknowledged either; a resume sends it again.
            Err(_) => {}
        }
    }

    /// Why the batch at `place` failed, in words.
    fn failure(&self, f: Failed, place: &Place) -> Stop {
        let lines = place.lines();
        let (err, attempts) = match f {
            Failed::Cancelled => {
                return Stop::Failed(
                    Error::Cancelled("The write was cancelled.".into()),
                    format!("{lines} were not acknowledged."),
                );
            }
            Failed::Batch(err, attempts) => (err, attempts),
        };
        let note = match &err {
            BatchError::Refused(_) => format!(
                "The server refused {lines} and stored none of them; the write stopped there."
            ),
            BatchError::Uncertain(_) if !place.timestamped => format!(
                "The server may or may not have stored {lines} ({} points): some have no \
                 timestamp, so sending them again could store them twice, and influxdesk did \
                 not resend them. Check what landed (e.g. with SELECT count(*)) before writing \
                 those lines again.",
                place.points
            ),
            _ => format!(
                "{lines} could not be written after {attempts} attempts; the write stopped there."
            ),
        };
        Stop::Failed(err.into_error(), note)
    }

    /// What of the batches sent alongside a failed one was stored anyway.
    fn beyond_note(&self, b: &Beyond) -> String {
        if b.first_line == 0 {
            return String::new();
        }
        let stored = if b.uncertain {
            "were stored as well, in part (the server dropped some of their points)".to_string()
        } else {
            format!(
                "were stored as well ({} point{})",
                b.points,
                plural(b.points)
            )
        };
        let again = if self.checkpoint.is_some() {
            " --resume sends them again: every point of theirs has a timestamp, so the same \
             points are rewritten, not added twice."
        } else {
            " Every point of theirs has a timestamp: writing them again rewrites the same \
             points, not adds them twice."
        };
        format!(
            " Lines {}-{}, sent alongside, {stored}, but are not counted as acknowledged \
             because an earlier batch was not.{again}",
            b.first_line, b.last_line
        )
    }

    fn account(&mut self, place: &Place, stored: Stored) {
        let r = &mut self.result;
        r.batches += 1;
        r.bytes += place.bytes;
        let rejection = |dropped: Option<usize>, server: String| WriteRejection {
            first_line: place.first_line,
            last_line: place.last_line,
            points: place.points,
            dropped,
            server,
        };
        match stored {
            Stored::All => r.points += place.points,
            Stored::Partial {
                dropped,
                written,
                message,
            } => {
                // A count of what was written is the surer one (2.x's unparsed lines).
                let dropped = written
                    .map(|w| place.points.saturating_sub(w))
                    .or(dropped)
                    .map(|d| d.min(place.points));
                match dropped {
                    Some(d) => {
                        r.points += place.points - d;
                        r.dropped += d;
                    }
                    None => r.uncertain += place.points,
                }
                r.rejections.push(rejection(dropped, message));
            }
        }
    }

    /// After a batch was answered: the checkpoint (written in the background, unless the
    /// batch had points without a timestamp: see [`checkpoint::Saver`]), then the progress.
    async fn acknowledged(&mut self, offset: u64, timestamped: bool) -> Result<()> {
        if let Some((_, cp)) = &mut self.checkpoint {
            cp.offset = offset;
            cp.line = self.result.lines;
            cp.record(&self.result);
            if let Some(saver) = &mut self.saver {
                if timestamped {
                    saver.offer(cp)?;
                } else {
                    saver.save(cp).await?;
                }
            }
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
