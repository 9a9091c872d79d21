//! Input of any size read as numbered lines and cut into batches: at most N lines (5,000 by
//! default) and at most [`MAX_BATCH_BYTES`] bytes each, so memory holds a few batches whatever
//! the input's size, and no body comes near 1.x's 25 MB limit. Blank lines and comments are
//! counted but not sent.
//!
//! A file is read twice, each line checked once: [`validate_file`] checks every line (so
//! nothing is sent from a file with a bad line), then [`FileBatches`] cuts the same bytes into
//! batches on a blocking thread without checking them again, reusing the bodies the pump hands
//! back ([`Pool`]). A stream ([`Lines`], standard input) is checked batch by batch as it is
//! read.

use std::io::Read;
use std::path::Path;
use std::sync::Mutex;

use memchr::memchr;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};
use tokio::sync::mpsc;

use crate::error::{Error, Result};
use crate::influx::lineproto::{Checked, Validator, has_timestamp};

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

/// `raw` without the line ending's `\r`s and `\n`s.
fn strip_end(raw: &[u8]) -> &[u8] {
    let mut end = raw.len();
    while end > 0 && matches!(raw[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    &raw[..end]
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

/// A blocking reader as numbered lines, read a chunk at a time.
pub struct LineReader<R> {
    reader: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    /// Bytes consumed so far (from the start of the input, resumed offset included).
    pub offset: u64,
    /// Lines consumed so far.
    pub line: usize,
}

impl<R: Read> LineReader<R> {
    /// Read `reader`, which starts at byte `offset`, line `line` of the input.
    pub fn new(reader: R, offset: u64, line: usize) -> Self {
        LineReader {
            reader,
            buf: vec![0; CHUNK],
            start: 0,
            end: 0,
            eof: false,
            offset,
            line,
        }
    }

    /// The next line without its line ending, and its number; `None` at the end.
    pub fn next_line(&mut self) -> std::io::Result<Option<(usize, &[u8])>> {
        let (a, b) = loop {
            if let Some(i) = memchr(b'\n', &self.buf[self.start..self.end]) {
                let a = self.start;
                self.start += i + 1;
                break (a, a + i);
            }
            if self.eof {
                if self.start == self.end {
                    return Ok(None);
                }
                let a = self.start;
                self.start = self.end;
                break (a, self.end);
            }
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.end == self.buf.len() {
                // A line longer than the buffer.
                self.buf.resize(self.buf.len() * 2, 0);
            }
            match self.reader.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        self.offset += (self.start - a) as u64;
        self.line += 1;
        Ok(Some((self.line, strip_end(&self.buf[a..b]))))
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

/// Check every line of the file at `path` after byte `offset` (line `line`), on a blocking
/// thread: the validator's findings (nothing else is kept), and the offset where the file
/// ended, which is as far as [`FileBatches`] will read.
pub async fn validate_file(path: &Path, offset: u64, line: usize) -> Result<(Validator, u64)> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut v = Validator::default();
        let mut lines = LineReader::new(open_at(&path, offset)?, offset, line);
        while let Some((n, raw)) = lines.next_line().map_err(|e| read_error(&path, e))? {
            v.check(n, raw);
        }
        Ok((v, lines.offset))
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
    /// into batches of at most `max_lines` lines. `v` and `end` are what [`validate_file`]
    /// found: `v` says whether every point, none or only some have a timestamp, and nothing
    /// after `end` (bytes appended since the check) is read. `ahead` batches wait at most.
    pub fn start(
        path: &Path,
        (offset, line, end): (u64, usize, u64),
        v: &Validator,
        max_lines: usize,
        ahead: usize,
        pool: std::sync::Arc<Pool>,
    ) -> FileBatches {
        let (tx, rx) = mpsc::channel(ahead.max(1));
        let path = path.to_path_buf();
        let stamps = stamps(v);
        tokio::task::spawn_blocking(move || {
            let mut lines = match open_at(&path, offset) {
                Ok(f) => LineReader::new(f.take(end.saturating_sub(offset)), offset, line),
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            };
            loop {
                let b = match cut(&mut lines, stamps, max_lines, pool.take()) {
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

/// Whether every point of a checked input has a timestamp (`Some(true)`), none has
/// (`Some(false)`), or only some (`None`: asked line by line when batches are cut).
pub fn stamps(v: &Validator) -> Option<bool> {
    match (v.without_timestamp, v.points) {
        (0, _) => Some(true),
        (w, p) if w == p => Some(false),
        _ => None,
    }
}

/// The next batch of an input checked already: at most `max_lines` lines, filled into `body`
/// (emptied first); `None` at the end. `stamps` is [`stamps`] of the input.
pub fn cut<R: Read>(
    lines: &mut LineReader<R>,
    stamps: Option<bool>,
    max_lines: usize,
    mut body: Vec<u8>,
) -> std::io::Result<Option<Batch>> {
    body.clear();
    let mut b = Batch::empty(body, lines.line, lines.offset);
    let mut taken = 0;
    while taken < max_lines.max(1) && b.body.len() < MAX_BATCH_BYTES {
        let Some((_, raw)) = lines.next_line()? else {
            break;
        };
        taken += 1;
        if is_point(raw) {
            let ts = stamps.unwrap_or_else(|| has_timestamp(raw));
            b.push(raw, ts);
        }
    }
    if taken == 0 {
        return Ok(None);
    }
    b.last_line = lines.line;
    b.end_offset = lines.offset;
    Ok(Some(b))
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
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test]
    async fn batches_cut_by_lines_keep_offsets_and_numbers() {
        let input = b"# header\r\nm v=1 1\r\nm v=2\n\nm v=3 3\nm v=4 4";
        let mut lines = Lines::new(&input[..], 0, 0);
        let mut v = Validator::default();
        let a = lines.batch(&mut v, 3).await.unwrap().unwrap();
        assert_eq!(a.body, b"m v=1 1\nm v=2", "comment skipped, CR LF cut");
        assert_eq!((a.points, a.timestamped), (2, false));
        assert_eq!((a.first_line, a.last_line, a.end_offset), (1, 3, 25));
        let b = lines.batch(&mut v, 3).await.unwrap().unwrap();
        assert_eq!(b.body, b"m v=3 3\nm v=4 4");
        assert_eq!((b.points, b.timestamped), (2, true));
        assert_eq!((b.first_line, b.last_line), (4, 6));
        assert_eq!(b.end_offset, input.len() as u64);
        assert!(lines.batch(&mut v, 3).await.unwrap().is_none());
        assert!(!v.has_errors());

        // Resuming at an offset numbers lines on from there.
        let mut lines = Lines::new(&input[25..], 25, 3);
        let c = lines.batch(&mut v, 10).await.unwrap().unwrap();
        assert_eq!((c.first_line, c.last_line, c.points), (4, 6, 2));
    }

    #[tokio::test]
    async fn a_file_is_cut_into_the_same_batches_without_a_second_check() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.lp");
        // A line longer than the read buffer, too.
        let long = format!("m s=\"{}\" 9", "x".repeat(CHUNK + 10));
        let input = format!("# header\r\nm v=1 1\r\nm v=2\n\n  m v=3 3\n{long}\nm v=4 4");
        std::fs::write(&path, &input).unwrap();
        let (v, end) = validate_file(&path, 0, 0).await.unwrap();
        assert_eq!((v.points, v.without_timestamp, v.bad_lines()), (5, 1, 0));
        assert_eq!(end, input.len() as u64);
        // Bytes appended after the check are not sent.
        std::fs::write(&path, format!("{input}\nm v=5 5\n")).unwrap();
        let pool = Arc::new(Pool::default());
        let mut batches = FileBatches::start(&path, (0, 0, end), &v, 3, 2, pool.clone());
        let a = batches.next().await.unwrap().unwrap();
        assert_eq!(a.body, b"m v=1 1\nm v=2");
        assert_eq!(
            (a.points, a.timestamped),
            (2, false),
            "mixed: asked per line"
        );
        assert_eq!((a.first_line, a.last_line, a.end_offset), (1, 3, 25));
        pool.give(a.body);
        let b = batches.next().await.unwrap().unwrap();
        assert_eq!(b.body, format!("  m v=3 3\n{long}").as_bytes());
        assert_eq!((b.points, b.timestamped), (2, true));
        assert_eq!((b.first_line, b.last_line), (4, 6));
        let c = batches.next().await.unwrap().unwrap();
        assert_eq!(
            (c.body.as_slice(), c.first_line, c.last_line),
            (&b"m v=4 4"[..], 7, 7)
        );
        assert_eq!(c.end_offset, input.len() as u64);
        assert!(batches.next().await.unwrap().is_none());

        // Resuming at an offset numbers lines on from there.
        std::fs::write(&path, &input).unwrap();
        let (v, end) = validate_file(&path, 25, 3).await.unwrap();
        assert_eq!(v.points, 3);
        let mut batches = FileBatches::start(&path, (25, 3, end), &v, 10, 2, pool);
        let c = batches.next().await.unwrap().unwrap();
        assert_eq!((c.first_line, c.last_line, c.points), (4, 7, 3));
    }

    #[tokio::test]
    async fn bad_lines_are_recorded_with_their_numbers() {
        let input = b"m v=1 1\nm\n\xff v=1\n";
        let mut v = Validator::default();
        Lines::new(&input[..], 0, 0)
            .validate_all(&mut v)
            .await
            .unwrap();
        let e = v.finish().unwrap_err();
        assert!(e.message().contains("line 2: no fields"), "{}", e.message());
        assert!(
            e.message().contains("line 3: the line is not UTF-8"),
            "{}",
            e.message()
        );
    }
}
