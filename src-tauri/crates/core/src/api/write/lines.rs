//! Input of any size read as numbered lines and cut into batches: at most N lines (5,000 by
//! default) and at most [`MAX_BATCH_BYTES`] bytes each, so memory holds a few batches whatever
//! the input's size, and no body comes near 1.x's 25 MB limit. Blank lines and comments are
//! counted but not sent.
//!
//! A file is read twice, each line checked once: [`validate_file`] checks every line (so
//! nothing is sent from a file with a bad line), a block of whole lines at a time with one
//! UTF-8 check per block, then [`FileBatches`] cuts the same bytes into batches on a blocking
//! thread without checking them again, reusing the bodies the pump hands back ([`Pool`]):
//! when every line is a point sent as it is ([`Shape::verbatim`]), a batch is copied as whole
//! runs of lines, not line by line. Text in memory is checked and cut the same way
//! ([`TextBatches`]). A stream ([`Lines`], standard input) is checked batch by batch as it is
//! read.

use std::io::Read;
use std::path::Path;
use std::sync::Mutex;

use tokio::io::{AsyncBufRead, AsyncBufReadExt};
use tokio::sync::mpsc;

use crate::error::{Error, Result};
use crate::influx::lineproto::{Checked, Finder, Validator, has_timestamp};

mod reader;
pub use reader::LineReader;
use reader::strip_end;

/// Bytes of line protocol in one batch at most (1.x refuses bodies over 25 MB by default).
pub const MAX_BATCH_BYTES: usize = 8 * 1024 * 1024;
/// Bytes read from a file at a time.
const CHUNK: usize = 1024 * 1024;
/// Batch bodies kept for reuse.
const POOL: usize = 8;

/// One batch ready to send.
pub struct Batch {
    pub body: Vec<u8>,
    pub points: usize,
    /// Every point has a timestamp, so resending rewrites the same points.
    pub timestamped: bool,
    pub first_line: usize,
    pub last_line: usize,
    /// The input offset just after the batch's last line.
    pub end_offset: u64,
}

impl Batch {
    fn empty(body: Vec<u8>, line: usize, offset: u64) -> Batch {
        Batch {
            body,
            points: 0,
            timestamped: true,
            first_line: line + 1,
            last_line: line,
            end_offset: offset,
        }
    }

    /// Add a point's line (without its line ending).
    fn push(&mut self, line: &[u8], timestamped: bool) {
        self.points += 1;
        self.timestamped &= timestamped;
        if !self.body.is_empty() {
            self.body.push(b'\n');
        }
        self.body.extend_from_slice(line);
    }
}

/// Batch bodies handed back by the pump once sent, for the reader to fill again.
#[derive(Default)]
pub struct Pool(Mutex<Vec<Vec<u8>>>);

impl Pool {
    fn take(&self) -> Vec<u8> {
        self.0
            .lock()
            .ok()
            .and_then(|mut p| p.pop())
            .unwrap_or_default()
    }

    /// Keep `body` (emptied) for a later batch.
    pub fn give(&self, mut body: Vec<u8>) {
        body.clear();
        if let Ok(mut p) = self.0.lock()
            && p.len() < POOL
        {
            p.push(body);
        }
    }
}

fn open_at(path: &Path, offset: u64) -> Result<std::fs::File> {
    use std::io::Seek;
    let mut f = std::fs::File::open(path)
        .map_err(|e| Error::invalid(format!("could not open {}: {e}", path.display())))?;
    f.seek(std::io::SeekFrom::Start(offset))
        .map_err(|e| Error::invalid(format!("could not read {}: {e}", path.display())))?;
    Ok(f)
}

fn read_error(path: &Path, e: std::io::Error) -> Error {
    Error::invalid(format!("could not read {}: {e}", path.display()))
}

/// Check every remaining line of `lines` into `v`, a block of whole lines at a time (UTF-8
/// checked once per block; a block that is not UTF-8 is checked line by line, to name the
/// lines). Whether every line is a point to send as it is (no blank line, no comment, no
/// `\r\n`), so that batches can be cut as whole runs of bytes ([`Shape::verbatim`]).
pub fn check_lines<R: Read>(lines: &mut LineReader<R>, v: &mut Validator) -> std::io::Result<bool> {
    let mut verbatim = true;
    while let Some((first, block)) = lines.next_block()? {
        let mut n = first;
        match std::str::from_utf8(block) {
            Ok(text) => {
                // Line ends by bitmask: a short line costs a bit, not a search.
                let mut ends = Finder::new(text.as_bytes(), [b'\n']);
                let mut at = 0;
                while at < text.len() {
                    let end = ends.next(at);
                    let line = &text[at..end];
                    at = end + 1;
                    verbatim &= line.as_bytes().last() != Some(&b'\r');
                    verbatim &= v.check_text(n, line) != Checked::Skip;
                    n += 1;
                }
            }
            Err(_) => {
                for raw in block
                    .strip_suffix(b"\n")
                    .unwrap_or(block)
                    .split(|&b| b == b'\n')
                {
                    verbatim &= v.check(n, strip_end(raw)) != Checked::Skip;
                    n += 1;
                }
            }
        }
    }
    Ok(verbatim)
}

/// Check every line of the file at `path` after byte `offset` (line `line`), on a blocking
/// thread: the validator's findings (nothing else is kept), the offset where the file
/// ended, which is as far as [`FileBatches`] will read, and the [`Shape`] to cut it by.
pub async fn validate_file(
    path: &Path,
    offset: u64,
    line: usize,
) -> Result<(Validator, u64, Shape)> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut v = Validator::default();
        let mut lines = LineReader::new(open_at(&path, offset)?, offset, line);
        let verbatim = check_lines(&mut lines, &mut v).map_err(|e| read_error(&path, e))?;
        let shape = Shape::of(&v, verbatim);
        Ok((v, lines.offset, shape))
    })
    .await
    .map_err(|e| Error::Internal(format!("the file reader failed: {e}")))?
}

/// The batches of a file already checked whole, cut on a blocking thread a little ahead of
/// the pump.
pub struct FileBatches {
    rx: mpsc::Receiver<Result<Batch>>,
}

impl FileBatches {
    /// Start cutting the file at `path` from byte `offset` (line `line`) up to byte `end`
    /// into batches of at most `max_lines` lines. `end` and `shape` are what
    /// [`validate_file`] found: nothing after `end` (bytes appended since the check) is read.
    /// `ahead` batches wait at most.
    pub fn start(
        path: &Path,
        (offset, line, end): (u64, usize, u64),
        shape: Shape,
        max_lines: usize,
        ahead: usize,
        pool: std::sync::Arc<Pool>,
    ) -> FileBatches {
        let (tx, rx) = mpsc::channel(ahead.max(1));
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || {
            let mut lines = match open_at(&path, offset) {
                Ok(f) => LineReader::new(f.take(end.saturating_sub(offset)), offset, line),
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            };
            loop {
                let b = match cut(&mut lines, shape, max_lines, pool.take()) {
                    Ok(Some(b)) => b,
                    Ok(None) => return,
                    Err(e) => {
                        let _ = tx.blocking_send(Err(read_error(&path, e)));
                        return;
                    }
                };
                // A closed channel: the write stopped; stop reading.
                if tx.blocking_send(Ok(b)).is_err() {
                    return;
                }
            }
        });
        FileBatches { rx }
    }

    /// The next batch; `None` at the end.
    pub async fn next(&mut self) -> Result<Option<Batch>> {
        self.rx.recv().await.transpose()
    }
}

/// What the check of an input found that lets its batches be cut without a second check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Whether every point has a timestamp (`Some(true)`), none has (`Some(false)`), or
    /// only some (`None`: asked line by line when batches are cut).
    pub stamps: Option<bool>,
    /// Every line is a point sent as it is (no blank line, no comment, no `\r\n`): a batch
    /// is a run of whole lines copied at once.
    pub verbatim: bool,
}

impl Shape {
    /// The shape of an input checked into `v` ([`check_lines`] says `verbatim`).
    pub fn of(v: &Validator, verbatim: bool) -> Shape {
        let stamps = match (v.without_timestamp, v.points) {
            (0, _) => Some(true),
            (w, p) if w == p => Some(false),
            _ => None,
        };
        Shape { stamps, verbatim }
    }
}

/// The next batch of an input checked already: at most `max_lines` lines, filled into `body`
/// (emptied first); `None` at the end. `shape` is what the check found.
pub fn cut<R: Read>(
    lines: &mut LineReader<R>,
    shape: Shape,
    max_lines: usize,
    mut body: Vec<u8>,
) -> std::io::Result<Option<Batch>> {
    body.clear();
    let mut b = Batch::empty(body, lines.line, lines.offset);
    let mut taken = 0;
    let max_lines = max_lines.max(1);
    match shape {
        Shape {
            stamps: Some(stamped),
            verbatim: true,
        } => {
            // Whole runs of lines, each copied at once, line endings and all.
            while taken < max_lines && b.body.len() < MAX_BATCH_BYTES {
                let budget = MAX_BATCH_BYTES - b.body.len();
                let Some((n, run)) = lines.take_lines(max_lines - taken, budget)? else {
                    break;
                };
                taken += n;
                b.body.extend_from_slice(run);
            }
            if b.body.last() == Some(&b'\n') {
                b.body.pop();
            }
            b.points = taken;
            b.timestamped = stamped;
        }
        _ => {
            while taken < max_lines && b.body.len() < MAX_BATCH_BYTES {
                let Some((_, raw)) = lines.next_line()? else {
                    break;
                };
                taken += 1;
                if is_point(raw) {
                    let ts = shape.stamps.unwrap_or_else(|| has_timestamp(raw));
                    b.push(raw, ts);
                }
            }
        }
    }
    if taken == 0 {
        return Ok(None);
    }
    b.last_line = lines.line;
    b.end_offset = lines.offset;
    Ok(Some(b))
}

/// Text in memory checked whole already ([`check_lines`]), cut into batches without a
/// second check (the Load Data screen's pasted text, the MCP write).
pub struct TextBatches<'a> {
    lines: LineReader<&'a [u8]>,
    shape: Shape,
}

impl<'a> TextBatches<'a> {
    pub fn new(text: &'a [u8], shape: Shape) -> Self {
        TextBatches {
            lines: LineReader::new(text, 0, 0),
            shape,
        }
    }

    /// The next batch of at most `max_lines` lines; `None` at the end.
    pub fn next(&mut self, max_lines: usize) -> Result<Option<Batch>> {
        cut(&mut self.lines, self.shape, max_lines, Vec::new())
            .map_err(|e| Error::invalid(format!("could not read the input: {e}")))
    }
}

/// Whether a line (of a file checked already) holds a point: not blank, not a comment.
fn is_point(raw: &[u8]) -> bool {
    match raw.first() {
        None | Some(b'#') => false,
        Some(&b) if b.is_ascii() && !char::from(b).is_whitespace() => true,
        _ => std::str::from_utf8(raw)
            .map(str::trim_start)
            .is_ok_and(|l| !l.is_empty() && !l.starts_with('#')),
    }
}

/// A stream as numbered lines, with the byte offset reached.
pub struct Lines<R> {
    reader: R,
    /// Bytes consumed so far.
    pub offset: u64,
    /// Lines consumed so far.
    pub line: usize,
    buf: Vec<u8>,
}

impl<R: AsyncBufRead + Unpin> Lines<R> {
    /// Read `reader`, which starts at byte `offset`, line `line` of the input.
    pub fn new(reader: R, offset: u64, line: usize) -> Self {
        Lines {
            reader,
            offset,
            line,
            buf: Vec::with_capacity(4096),
        }
    }

    /// The next line without its line ending, and its number; `None` at the end.
    async fn next(&mut self) -> Result<Option<(usize, &[u8])>> {
        self.buf.clear();
        let n = self
            .reader
            .read_until(b'\n', &mut self.buf)
            .await
            .map_err(|e| Error::invalid(format!("could not read the input: {e}")))?;
        if n == 0 {
            return Ok(None);
        }
        self.offset += n as u64;
        self.line += 1;
        Ok(Some((self.line, strip_end(&self.buf))))
    }

    /// Validate every remaining line (nothing is kept but the validator's findings).
    pub async fn validate_all(&mut self, v: &mut Validator) -> Result<()> {
        while let Some((n, raw)) = self.next().await? {
            v.check(n, raw);
        }
        Ok(())
    }

    /// The next batch of at most `max_lines` lines; `None` at the end. Lines are validated
    /// into `v`: the caller checks `v.problems()` before sending. A batch may hold no point
    /// (only blank lines and comments): it is then not sent, only passed over.
    pub async fn batch(&mut self, v: &mut Validator, max_lines: usize) -> Result<Option<Batch>> {
        let mut b = Batch::empty(Vec::new(), self.line, self.offset);
        let mut taken = 0;
        while taken < max_lines.max(1) && b.body.len() < MAX_BATCH_BYTES {
            let Some((n, raw)) = self.next().await? else {
                break;
            };
            taken += 1;
            if let Checked::Point(ts) = v.check(n, raw) {
                b.push(raw, ts);
            }
        }
        if taken == 0 {
            return Ok(None);
        }
        b.last_line = self.line;
        b.end_offset = self.offset;
        Ok(Some(b))
    }
}

#[cfg(test)]
mod tests;
