//! Incremental parsers for query responses read as a byte stream, so a capped query never
//! holds more than the rows it keeps plus one chunk: v1 `/query?chunked=true` (one JSON
//! object per line, a series continued across chunks when marked `partial`) and v3 JSON
//! Lines. Each is fed bytes as they arrive and stops being fed once the row budget is spent
//! (the caller then closes the response). Flux CSV is fed record-aligned slices through
//! [`complete_records`]. Also the client's side of it: reading a body chunk by chunk up to
//! the caps, and 1.x `/query?chunked=true` with the KILL of a capped query.

use std::time::{Duration, Instant};

use reqwest::{Method, Response};

use super::parse::{self, Budget};
use super::{Client, contains_word, split_db_rp};
use crate::error::{Error, Result};
use crate::model::Frame;

/// Bytes of one query response read at most: past them the rows are capped like at the
/// row limit.
pub const MAX_RESPONSE_BYTES: usize = 128 * 1024 * 1024;

/// A query's rows and how reading its response went.
#[derive(Debug, Clone)]
pub struct QueryRead {
    pub frames: Vec<Frame>,
    /// Rows were cut at the row limit or the byte cap.
    pub capped: bool,
    /// Bytes of the response body read (0 where it is read whole: 2.x).
    pub bytes_read: usize,
    /// A capped 1.x query was found and killed on the server.
    pub killed: bool,
    /// When the response came and how long parsing it took.
    pub timing: ReadTiming,
}

/// How reading one query response went in time (all on the monotonic clock).
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadTiming {
    /// When the request was sent.
    pub sent: Option<Instant>,
    /// When the response's first byte came (its status line and headers, which influxd sends
    /// with the first chunk of rows).
    pub first_byte: Option<Instant>,
    /// When the frames were complete: the last byte read and parsed.
    pub parsed: Option<Instant>,
    /// Time spent in the parser, out of first byte to parsed (the rest is waiting for bytes).
    pub parse: Duration,
}

impl ReadTiming {
    /// Sent now.
    pub fn start() -> Self {
        ReadTiming {
            sent: Some(Instant::now()),
            ..ReadTiming::default()
        }
    }

    /// Run `f` as parsing time.
    pub fn parsing<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let t = Instant::now();
        let out = f();
        self.parse += t.elapsed();
        out
    }
}

impl Client {
    /// Read a response body chunk by chunk into `feed` until it ends, the row budget is spent
    /// or [`MAX_RESPONSE_BYTES`] were read. Returns the bytes read and whether it stopped
    /// early; the caller drops the response, which closes it (1.x: after the KILL, so the
    /// query is still there to find).
    pub(super) async fn read_capped(
        &self,
        resp: &mut Response,
        budget: &mut Budget,
        timing: &mut ReadTiming,
        mut feed: impl FnMut(&[u8], &mut Budget) -> Result<()>,
    ) -> Result<(usize, bool)> {
        // The headers are in: the response's first byte.
        timing.first_byte.get_or_insert_with(Instant::now);
        let mut read = 0usize;
        loop {
            if budget.truncated {
                return Ok((read, true));
            }
            if read >= MAX_RESPONSE_BYTES {
                budget.truncated = true;
                return Ok((read, true));
            }
            match resp
                .chunk()
                .await
                .map_err(|e| self.send_error(e, "reading the query result"))?
            {
                None => return Ok((read, false)),
                Some(b) => {
                    read += b.len();
                    timing.parsing(|| feed(&b, budget))?;
                }
            }
        }
    }

    /// InfluxQL on 1.x with `chunked=true`: influxd streams a JSON object per chunk of at
    /// most `chunk_size` rows, parsed as it arrives. At the cap the response is closed and
    /// the query killed on the server (it would otherwise run on).
    pub(super) async fn query_v1_chunked(
        &self,
        q: &str,
        database: Option<&str>,
        budget: &mut Budget,
    ) -> Result<QueryRead> {
        // One row past the cap tells "capped" from "exactly full".
        let chunk = budget.left.saturating_add(1).clamp(1, 10_000).to_string();
        let mut params: Vec<(&str, &str)> = vec![
            ("q", q),
            ("epoch", "ns"),
            ("chunked", "true"),
            ("chunk_size", &chunk),
        ];
        let (db, rp) = split_db_rp(database);
        if let Some(db) = db {
            params.push(("db", db));
        }
        if let Some(rp) = rp {
            params.push(("rp", rp));
        }
        let first = q
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let read_only = (first == "SELECT" && !contains_word(q, "INTO")) || first == "SHOW";
        let method = if read_only { Method::GET } else { Method::POST };
        let started = Instant::now();
        let mut timing = ReadTiming::start();
        let rb = self.request(method, "/query").query(&params);
        let mut resp = self.check(self.send(rb, "query").await?, "query").await?;
        let mut chunks = V1Chunks::default();
        let (bytes_read, stopped) = self
            .read_capped(&mut resp, budget, &mut timing, |b, budget| {
                chunks.feed(b, budget)
            })
            .await?;
        let frames = timing.parsing(|| chunks.finish(budget))?;
        timing.parsed = Some(Instant::now());
        let mut killed = false;
        if stopped && first == "SELECT" {
            // Boxed: kill_query itself queries.
            killed = Box::pin(self.kill_query(q, database, started.elapsed()))
                .await
                .unwrap_or_else(|e| {
                    tracing::debug!("could not kill the capped query: {e}");
                    false
                });
        }
        // Closed only now: while our response is open, influxd keeps the query running
        // (blocked on writing), so SHOW QUERIES above finds it whatever the machine's speed.
        drop(resp);
        Ok(QueryRead {
            frames,
            capped: budget.truncated,
            bytes_read,
            killed,
            timing,
        })
    }
}

/// The longest line kept while waiting for its end (a v1 chunk of `chunk_size` rows, a v3
/// row): a response with a longer one is refused rather than buffered without bound.
pub const MAX_LINE_BYTES: usize = 64 * 1024 * 1024;

/// Bytes split into complete lines as they arrive.
#[derive(Default)]
struct LineBuffer {
    pending: Vec<u8>,
}

impl LineBuffer {
    /// Append `bytes` and hand each complete line to `f` (which may ask to stop by returning
    /// false: the rest stays pending).
    fn feed(&mut self, bytes: &[u8], mut f: impl FnMut(&[u8]) -> Result<bool>) -> Result<()> {
        self.pending.extend_from_slice(bytes);
        let mut start = 0;
        while let Some(i) = memchr::memchr(b'\n', &self.pending[start..]) {
            let go_on = f(&self.pending[start..start + i])?;
            start += i + 1;
            if !go_on {
                break;
            }
        }
        self.pending.drain(..start);
        if self.pending.len() > MAX_LINE_BYTES {
            return Err(Error::Internal(format!(
                "the server sent a response line longer than {} MB; influxdesk does not buffer \
                 it. Narrow the query.",
                MAX_LINE_BYTES >> 20
            )));
        }
        Ok(())
    }

    fn rest(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.pending)
    }
}

/// v1 `/query?chunked=true&epoch=ns`: `{"results":[{"statement_id":0,"series":[...]}]}` per
/// line; a series with `"partial":true` continues in the next line.
#[derive(Default)]
pub struct V1Chunks {
    lines: LineBuffer,
    frames: Vec<Frame>,
    continues: bool,
}

impl V1Chunks {
    /// Parse the complete lines in `bytes` (and what was pending), until the budget is spent.
    pub fn feed(&mut self, bytes: &[u8], budget: &mut Budget) -> Result<()> {
        let mut lines = std::mem::take(&mut self.lines);
        let r = lines.feed(bytes, |line| {
            self.object(line, budget)?;
            Ok(!budget.truncated)
        });
        self.lines = lines;
        r
    }

    /// The frames, after parsing what is left (unless the budget was spent).
    pub fn finish(mut self, budget: &mut Budget) -> Result<Vec<Frame>> {
        let rest = self.lines.rest();
        if !budget.truncated {
            self.object(&rest, budget)?;
        }
        Ok(self.frames)
    }

    fn object(&mut self, line: &[u8], budget: &mut Budget) -> Result<()> {
        if line.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        let (frames, continues) = (&mut self.frames, &mut self.continues);
        parse::v1_objects(line, budget, &mut |frame, partial| {
            match frames.last_mut() {
                Some(last) if *continues && same_series(last, &frame) => append(last, frame),
                _ => frames.push(frame),
            }
            *continues = partial;
        })
    }
}

fn same_series(a: &Frame, b: &Frame) -> bool {
    a.name == b.name
        && a.tags == b.tags
        && a.columns.len() == b.columns.len()
        && a.columns
            .iter()
            .zip(&b.columns)
            .all(|(x, y)| x.name == y.name)
}

/// Rows of `more` after those of `into` (same columns), with the columns' kinds joined.
fn append(into: &mut Frame, more: Frame) {
    for (col, extra) in into.columns.iter_mut().zip(more.columns) {
        if extra.values.is_empty() {
            continue;
        }
        let kind = if col.values.is_empty() || col.kind == extra.kind {
            extra.kind
        } else {
            parse::join_kinds(col.kind, extra.kind)
        };
        col.values.append(extra.values);
        col.kind = kind;
    }
}

/// v3 JSON Lines, one row per line.
#[derive(Default)]
pub struct JsonLines {
    lines: LineBuffer,
    rows: parse::JsonlFrames,
}

impl JsonLines {
    pub fn feed(&mut self, bytes: &[u8], budget: &mut Budget) -> Result<()> {
        let mut lines = std::mem::take(&mut self.lines);
        let r = lines.feed(bytes, |line| {
            self.rows.row(line, budget)?;
            Ok(!budget.truncated)
        });
        self.lines = lines;
        r
    }

    pub fn finish(mut self, budget: &mut Budget) -> Result<Vec<Frame>> {
        let rest = self.lines.rest();
        if !budget.truncated {
            self.rows.row(&rest, budget)?;
        }
        Ok(self.rows.finish())
    }
}

/// How much of `buf` is whole CSV records: up to and including the last newline outside
/// quotes (a doubled quote inside a field toggles twice, so parity is enough).
pub fn complete_records(buf: &[u8]) -> usize {
    let mut quoted = false;
    let mut end = 0;
    for (i, b) in buf.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => end = i + 1,
            _ => {}
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_chunks_join_a_series_split_across_chunks_fed_in_pieces() {
        let body = concat!(
            r#"{"results":[{"statement_id":0,"series":[{"name":"m","columns":["time","v"],"values":[[1,1],[2,2]],"partial":true}],"partial":true}]}"#,
            "\n",
            r#"{"results":[{"statement_id":0,"series":[{"name":"m","columns":["time","v"],"values":[[3,3.5]]}]}]}"#,
            "\n",
            r#"{"results":[{"statement_id":1,"series":[{"name":"m","columns":["time","v"],"values":[[9,9]]}]}]}"#,
            "\n"
        );
        let mut p = V1Chunks::default();
        let mut b = Budget::new(100);
        for piece in body.as_bytes().chunks(7) {
            p.feed(piece, &mut b).unwrap();
        }
        let f = p.finish(&mut b).unwrap();
        assert_eq!(
            f.len(),
            2,
            "continued series joined, the next statement apart"
        );
        assert_eq!(f[0].rows(), 3);
        assert_eq!(
            f[0].column("v").unwrap().kind,
            crate::model::ColumnType::Float
        );
        assert_eq!(f[1].rows(), 1);
        assert!(!b.truncated);
    }

    #[test]
    fn v1_chunks_stop_at_the_budget_and_errors_are_classified() {
        let line = r#"{"results":[{"statement_id":0,"series":[{"name":"m","columns":["time","v"],"values":[[1,1],[2,2]],"partial":true}],"partial":true}]}"#;
        let mut p = V1Chunks::default();
        let mut b = Budget::new(1);
        p.feed(format!("{line}\n{line}\n").as_bytes(), &mut b)
            .unwrap();
        assert!(b.truncated);
        assert_eq!(p.finish(&mut b).unwrap()[0].rows(), 1);

        let mut p = V1Chunks::default();
        let e = p
            .feed(
                b"{\"results\":[{\"statement_id\":0,\"error\":\"database not found: x\"}]}\n",
                &mut Budget::new(1),
            )
            .unwrap_err();
        assert_eq!(e.code(), crate::error::ErrorCode::NotFound);
    }

    #[test]
    fn json_lines_fed_in_pieces() {
        let body = b"{\"time\":\"2024-01-01T00:00:00\",\"v\":1}\n{\"time\":\"2024-01-01T00:00:01\",\"v\":2}\n{\"time\":\"2024-01-01T00:00:02\",\"v\":3}";
        let mut p = JsonLines::default();
        let mut b = Budget::new(10);
        for piece in body.chunks(5) {
            p.feed(piece, &mut b).unwrap();
        }
        let f = p.finish(&mut b).unwrap();
        assert_eq!(f[0].rows(), 3, "the last line needs no newline");
        let mut p = JsonLines::default();
        let mut b = Budget::new(1);
        p.feed(body, &mut b).unwrap();
        assert!(b.truncated);
        assert_eq!(p.finish(&mut b).unwrap()[0].rows(), 1);
    }

    #[test]
    fn csv_records_end_outside_quotes() {
        assert_eq!(complete_records(b"a,b\nc,\"x\ny\"\nd,"), 12);
        assert_eq!(complete_records(b"a,\"open\n"), 0);
        assert_eq!(complete_records(b"a,\"\"\"q\"\"\"\n"), 10);
    }
}
