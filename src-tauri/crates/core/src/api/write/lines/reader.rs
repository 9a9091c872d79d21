//! A blocking reader of numbered lines, a chunk at a time: line by line, a block of whole
//! lines at once (checked as one), or a run of whole lines up to a count and a byte budget
//! (copied into a batch at once).

use std::io::Read;

use memchr::memchr;

use super::CHUNK;

/// `raw` without the line ending's `\r`s and `\n`s.
pub(super) fn strip_end(raw: &[u8]) -> &[u8] {
    let mut end = raw.len();
    while end > 0 && matches!(raw[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    &raw[..end]
}

/// A blocking reader as numbered lines, read a chunk at a time.
pub struct LineReader<R> {
    reader: R,
    pub(super) buf: Vec<u8>,
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

    /// Read until the buffer holds a whole line (or the input ended): `false` when nothing
    /// is left.
    fn fill(&mut self) -> std::io::Result<bool> {
        loop {
            if memchr(b'\n', &self.buf[self.start..self.end]).is_some() {
                return Ok(true);
            }
            if self.eof {
                return Ok(self.start < self.end);
            }
            self.read_more()?;
        }
    }

    /// Move what is left to the front of the buffer (growing it when it is full) and read
    /// more after it.
    fn read_more(&mut self) -> std::io::Result<()> {
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
        Ok(())
    }

    /// The whole lines in the buffer (at least one; with their line endings), and the
    /// number of the first; `None` at the end.
    pub fn next_block(&mut self) -> std::io::Result<Option<(usize, &[u8])>> {
        if !self.fill()? {
            return Ok(None);
        }
        let a = self.start;
        let b = match memchr::memrchr(b'\n', &self.buf[a..self.end]) {
            Some(i) => a + i + 1,
            None => self.end,
        };
        let block = &self.buf[a..b];
        let mut n = memchr::memchr_iter(b'\n', block).count();
        if block.last() != Some(&b'\n') {
            n += 1;
        }
        let first = self.line + 1;
        self.start = b;
        self.offset += (b - a) as u64;
        self.line += n;
        Ok(Some((first, &self.buf[a..b])))
    }

    /// Up to `max` whole lines from the buffer (at least one), with their line endings, as
    /// one slice: lines are taken while the bytes taken stay under `budget`. The number of
    /// lines, and the bytes; `None` at the end.
    pub fn take_lines(
        &mut self,
        max: usize,
        budget: usize,
    ) -> std::io::Result<Option<(usize, &[u8])>> {
        if !self.fill()? {
            return Ok(None);
        }
        let a = self.start;
        let (mut n, mut b) = (0, a);
        let mut ends = memchr::memchr_iter(b'\n', &self.buf[a..self.end]);
        while n < max.max(1) && b - a < budget.max(1) {
            match ends.next() {
                Some(i) => (n, b) = (n + 1, a + i + 1),
                None => {
                    // At the end of the input, the last line has no line ending.
                    if self.eof && b < self.end {
                        (n, b) = (n + 1, self.end);
                    }
                    break;
                }
            }
        }
        self.start = b;
        self.offset += (b - a) as u64;
        self.line += n;
        Ok(Some((n, &self.buf[a..b])))
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
            self.read_more()?;
        };
        self.offset += (self.start - a) as u64;
        self.line += 1;
        Ok(Some((self.line, strip_end(&self.buf[a..b]))))
    }
}
