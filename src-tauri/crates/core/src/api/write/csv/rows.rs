//! A CSV file (plain or gzip, detected by its magic bytes) read row by row into lines of line
//! protocol, numbered by the file line each row starts on. Synchronous (the `csv` crate): the
//! import runs it on a blocking thread and hands rows to the pump through a channel
//! ([`CsvSource`]), so memory holds a few thousand rows whatever the file's size.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use ::csv::StringRecord;
use tokio::sync::mpsc;

use super::convert;
use super::layout::{self, CsvMapping, DEFAULT_INFER_ROWS, Layout};
use crate::api::write::lines::{Batch, MAX_BATCH_BYTES};
use crate::api::write::pump::Source;
use crate::error::{Error, Result};
use crate::influx::lineproto::{Validator, has_timestamp};

/// One data row: its line of line protocol, or why it has none.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    Point(usize, String),
    Bad(usize, String),
}

/// Counts the bytes read from the file (compressed bytes for gzip), for progress.
struct Counted<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

enum Pending {
    Rec(StringRecord),
    Bad(usize, String),
}

/// The rows of a CSV file as points.
pub struct Rows {
    reader: ::csv::Reader<Box<dyn Read + Send>>,
    mapping: CsvMapping,
    pub layout: Layout,
    pub header: Vec<String>,
    pub gzip: bool,
    pending: VecDeque<Pending>,
    /// Raw data records read ahead to infer types (kept for a preview).
    pub sample: Vec<Vec<String>>,
    read: Arc<AtomicU64>,
    /// Rows starting on or before this line are passed over (a resumed import).
    skip_through: usize,
}

fn line_of(rec: &StringRecord) -> usize {
    rec.position()
        .map_or(0, |p| usize::try_from(p.line()).unwrap_or(usize::MAX))
}

fn read_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::invalid(format!("could not read {}: {e}", path.display()))
}

impl Rows {
    /// Open `path`, read its header (and annotations, or the rows that types are inferred
    /// from) and resolve the layout; rows starting on or before line `skip_through` will not
    /// be given.
    pub fn open(path: &Path, mapping: &CsvMapping, skip_through: usize) -> Result<Rows> {
        let read = Arc::new(AtomicU64::new(0));
        let file = File::open(path)
            .map_err(|e| Error::invalid(format!("could not open {}: {e}", path.display())))?;
        let mut buf = BufReader::with_capacity(
            256 * 1024,
            Counted {
                inner: file,
                read: read.clone(),
            },
        );
        let gzip = buf
            .fill_buf()
            .map_err(|e| read_err(path, e))?
            .starts_with(&[0x1f, 0x8b]);
        let input: Box<dyn Read + Send> = if gzip {
            Box::new(flate2::bufread::MultiGzDecoder::new(buf))
        } else {
            Box::new(buf)
        };
        let mut reader = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(mapping.delimiter_byte()?)
            .from_reader(input);
        let mut annotations = Vec::new();
        let mut rec = StringRecord::new();
        let header = loop {
            match reader.read_record(&mut rec) {
                Ok(true) => {}
                Ok(false) => {
                    return Err(Error::invalid(format!(
                        "{} has no CSV header row",
                        path.display()
                    )));
                }
                Err(e) => return Err(read_err(path, e)),
            }
            strip_bom(&mut rec);
            if layout::is_annotation(&rec) {
                annotations.push(rec.clone());
            } else {
                break rec.clone();
            }
        };
        let annotated = !annotations.is_empty();
        let infer = mapping.infer_rows.unwrap_or(DEFAULT_INFER_ROWS).max(1);
        let (mut pending, mut sample, mut seen) = (VecDeque::new(), Vec::new(), Vec::new());
        while pending.len() < infer {
            let mut r = StringRecord::new();
            match reader.read_record(&mut r) {
                Ok(false) => break,
                Ok(true) if annotated && layout::is_annotation(&r) => {
                    pending.push_back(Pending::Rec(r));
                    break;
                }
                Ok(true) => {
                    if sample.len() < 100 {
                        sample.push(r.iter().map(str::to_string).collect());
                    }
                    seen.push(r.clone());
                    pending.push_back(Pending::Rec(r));
                }
                Err(e) => pending.push_back(bad_record(path, e)?),
            }
        }
        let layout = if annotated {
            layout::annotated(&annotations, &header, mapping, line_of(&header))?
        } else {
            layout::plain(&header, mapping, &seen)?
        };
        Ok(Rows {
            reader,
            mapping: mapping.clone(),
            layout,
            header: header.iter().map(str::to_string).collect(),
            gzip,
            pending,
            sample,
            read,
            skip_through,
        })
    }

    /// The next data row; `None` at the end. An error is the file's (unreadable, a broken
    /// gzip stream, a bad annotation block), not a row's.
    pub fn next_row(&mut self, path: &Path) -> Result<Option<Row>> {
        loop {
            let rec = match self.pending.pop_front() {
                Some(Pending::Bad(n, why)) => return Ok(Some(Row::Bad(n, why))),
                Some(Pending::Rec(r)) => r,
                None => {
                    let mut r = StringRecord::new();
                    match self.reader.read_record(&mut r) {
                        Ok(false) => return Ok(None),
                        Ok(true) => r,
                        Err(e) => match bad_record(path, e)? {
                            Pending::Bad(n, why) => return Ok(Some(Row::Bad(n, why))),
                            Pending::Rec(r) => r,
                        },
                    }
                }
            };
            if self.layout.annotated && layout::is_annotation(&rec) {
                self.next_table(path, rec)?;
                continue;
            }
            let n = line_of(&rec);
            if n <= self.skip_through {
                continue;
            }
            return Ok(Some(match convert::row(&self.layout, &rec) {
                Ok(lp) => Row::Point(n, lp),
                Err(why) => Row::Bad(n, why),
            }));
        }
    }

    /// An annotated CSV's next table: its annotation rows (the first is `first`) and header.
    fn next_table(&mut self, path: &Path, first: StringRecord) -> Result<()> {
        let mut annotations = vec![first];
        let mut r = StringRecord::new();
        loop {
            match self.reader.read_record(&mut r) {
                Ok(true) if layout::is_annotation(&r) => annotations.push(r.clone()),
                Ok(true) => break,
                Ok(false) => return Ok(()),
                Err(e) => return Err(read_err(path, e)),
            }
        }
        self.layout = layout::annotated(&annotations, &r, &self.mapping, line_of(&r))?;
        Ok(())
    }
}

fn bad_record(path: &Path, e: ::csv::Error) -> Result<Pending> {
    match e.kind() {
        ::csv::ErrorKind::Utf8 { pos, .. } => Ok(Pending::Bad(
            pos.as_ref()
                .map_or(0, |p| usize::try_from(p.line()).unwrap_or(usize::MAX)),
            "the row is not UTF-8 text".into(),
        )),
        _ => Err(read_err(path, e)),
    }
}

fn strip_bom(rec: &mut StringRecord) {
    if let Some(first) = rec.get(0).and_then(|c| c.strip_prefix('\u{feff}')) {
        let mut fields: Vec<String> = rec.iter().map(str::to_string).collect();
        fields[0] = first.to_string();
        let pos = rec.position().cloned();
        *rec = StringRecord::from(fields);
        rec.set_position(pos);
    }
}

/// Rows per message from the reading thread.
const CHUNK: usize = 1024;

/// The rows of a CSV file checked whole already, read again on a blocking thread, as
/// batches for the pump (converted, not checked a second time).
pub struct CsvSource {
    rx: mpsc::Receiver<Result<Vec<Row>>>,
    buf: VecDeque<Row>,
    read: Arc<AtomicU64>,
    /// Whether every point has a timestamp, none has, or only some (asked per row).
    stamps: Option<bool>,
    /// The last line the check read: rows after it (appended since) are not sent.
    last_line: usize,
    path: std::path::PathBuf,
}

impl CsvSource {
    /// Start reading `rows` (opened already) on a blocking thread. `stamps` and `last_line`
    /// are what the check of the same rows found.
    pub fn start(
        mut rows: Rows,
        path: std::path::PathBuf,
        stamps: Option<bool>,
        last_line: usize,
    ) -> CsvSource {
        let shown = path.clone();
        let (tx, rx) = mpsc::channel(4);
        let read = rows.read.clone();
        tokio::task::spawn_blocking(move || {
            loop {
                let mut chunk = Vec::with_capacity(CHUNK);
                let end = loop {
                    match rows.next_row(&path) {
                        Ok(Some(r)) => {
                            chunk.push(r);
                            if chunk.len() == CHUNK {
                                break false;
                            }
                        }
                        Ok(None) => break true,
                        Err(e) => {
                            let _ = tx.blocking_send(Ok(chunk));
                            let _ = tx.blocking_send(Err(e));
                            return;
                        }
                    }
                };
                // A closed channel: the import stopped; stop reading.
                if tx.blocking_send(Ok(chunk)).is_err() || end {
                    return;
                }
            }
        });
        CsvSource {
            rx,
            buf: VecDeque::new(),
            read,
            stamps,
            last_line,
            path: shown,
        }
    }

    async fn next(&mut self) -> Result<Option<Row>> {
        while self.buf.is_empty() {
            match self.rx.recv().await {
                None => return Ok(None),
                Some(Err(e)) => return Err(e),
                Some(Ok(rows)) => self.buf.extend(rows),
            }
        }
        Ok(self.buf.pop_front())
    }

    async fn next_batch(&mut self, max_lines: usize) -> Result<Option<Batch>> {
        let mut b: Option<Batch> = None;
        let mut taken = 0;
        while taken < max_lines.max(1) {
            if b.as_ref().is_some_and(|b| b.body.len() >= MAX_BATCH_BYTES) {
                break;
            }
            let Some(row) = self.next().await? else {
                break;
            };
            let n = match &row {
                Row::Point(n, _) | Row::Bad(n, _) => *n,
            };
            if n > self.last_line {
                // Appended after the check: not sent.
                self.buf.clear();
                self.last_line = 0;
                break;
            }
            taken += 1;
            let batch = b.get_or_insert_with(|| Batch {
                body: Vec::new(),
                points: 0,
                timestamped: true,
                first_line: n,
                last_line: n,
                end_offset: 0,
            });
            batch.last_line = n;
            match row {
                Row::Bad(n, why) => {
                    // The check passed every row: the file changed since.
                    return Err(Error::invalid(format!(
                        "{} changed while it was imported: line {n} is now wrong ({why}). \
                         Lines {}-{n} and the rest were not written.",
                        self.path.display(),
                        batch.first_line
                    )));
                }
                Row::Point(_, lp) => {
                    batch.points += 1;
                    batch.timestamped &=
                        self.stamps.unwrap_or_else(|| has_timestamp(lp.as_bytes()));
                    if !batch.body.is_empty() {
                        batch.body.push(b'\n');
                    }
                    batch.body.extend_from_slice(lp.as_bytes());
                }
            }
        }
        if let Some(b) = &mut b {
            b.end_offset = self.read.load(Ordering::Relaxed);
        }
        Ok(b)
    }
}

impl Source for CsvSource {
    fn batch(
        &mut self,
        _: &mut Validator,
        max_lines: usize,
    ) -> impl Future<Output = Result<Option<Batch>>> + Send {
        self.next_batch(max_lines)
    }

    fn checks(&self) -> bool {
        false
    }
}
