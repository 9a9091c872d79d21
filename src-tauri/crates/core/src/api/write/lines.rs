//! Input of any size read as numbered lines and cut into batches: at most N lines (5,000 by
//! default) and at most [`MAX_BATCH_BYTES`] bytes each, so memory holds one batch whatever the
//! input's size, and no body comes near 1.x's 25 MB limit. Each line goes through the
//! validator on the way; blank lines and comments are counted but not sent.

use tokio::io::{AsyncBufRead, AsyncBufReadExt};

use crate::error::{Error, Result};
use crate::influx::lineproto::Validator;

/// Bytes of line protocol in one batch at most (1.x refuses bodies over 25 MB by default).
pub const MAX_BATCH_BYTES: usize = 8 * 1024 * 1024;

/// A reader as numbered lines, with the byte offset reached.
pub struct Lines<R> {
    reader: R,
    /// Bytes consumed so far (from the start of the input, resumed offset included).
    pub offset: u64,
    /// Lines consumed so far.
    pub line: usize,
    buf: Vec<u8>,
}

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
        let mut end = self.buf.len();
        while end > 0 && matches!(self.buf[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        Ok(Some((self.line, &self.buf[..end])))
    }

    /// Validate every remaining line (nothing is kept but the validator's findings).
    pub async fn validate_all(&mut self, v: &mut Validator) -> Result<()> {
        while let Some((n, raw)) = self.next().await? {
            match std::str::from_utf8(raw) {
                Ok(text) => {
                    v.line(n, text);
                }
                Err(_) => {
                    v.bad(n, "the line is not UTF-8 text".into());
                }
            }
        }
        Ok(())
    }

    /// The next batch of at most `max_lines` lines; `None` at the end. Lines are validated
    /// into `v`: the caller checks `v.has_errors()` before sending. A batch may hold no
    /// point (only blank lines and comments): it is then not sent, only passed over.
    pub async fn batch(&mut self, v: &mut Validator, max_lines: usize) -> Result<Option<Batch>> {
        let mut b = Batch {
            body: Vec::new(),
            points: 0,
            timestamped: true,
            first_line: self.line + 1,
            last_line: self.line,
            end_offset: self.offset,
        };
        let mut taken = 0;
        while taken < max_lines.max(1) && b.body.len() < MAX_BATCH_BYTES {
            let Some((n, raw)) = self.next().await? else {
                break;
            };
            taken += 1;
            let point = match std::str::from_utf8(raw) {
                Ok(text) => v.line(n, text),
                Err(_) => v.bad(n, "the line is not UTF-8 text".into()),
            };
            if let Some(p) = point {
                b.points += 1;
                b.timestamped &= p.timestamp.is_some();
                if !b.body.is_empty() {
                    b.body.push(b'\n');
                }
                b.body.extend_from_slice(raw);
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
