//! Writing points: precision, write requests and the honest write report.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Timestamp precision of line protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Precision {
    #[default]
    Ns,
    Us,
    Ms,
    S,
}

impl Precision {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "ns" | "n" => Some(Self::Ns),
            "us" | "u" | "µs" => Some(Self::Us),
            "ms" => Some(Self::Ms),
            "s" => Some(Self::S),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ns => "ns",
            Self::Us => "us",
            Self::Ms => "ms",
            Self::S => "s",
        }
    }
}

/// Write line protocol to a database or bucket.
#[derive(Debug, Clone, Deserialize, JsonSchema, TS)]
#[ts(export)]
pub struct WriteReq {
    /// Profile id or name; the active profile when absent.
    #[serde(default)]
    pub profile: Option<String>,
    /// Bucket (v2), database (v3) or `db` / `db/rp` (v1); the profile's default when absent.
    #[serde(default)]
    pub bucket: Option<String>,
    #[serde(default)]
    pub precision: Precision,
    /// Line protocol, one point per line.
    pub lines: String,
}

/// What a write did: what landed and what did not, in the server's words.
#[derive(Debug, Clone, Default, Serialize, TS)]
#[ts(export)]
pub struct WriteResult {
    /// Points the server stored.
    pub points: usize,
    /// Bytes of line protocol the server acknowledged.
    pub bytes: usize,
    pub bucket: String,
    /// Points the server said it did not store (a partial write: a field type conflict, a
    /// point outside the retention period). 0 when everything landed.
    pub dropped: usize,
    /// Points of a partly refused batch whose fate the server did not tell (2.x without a
    /// count). 0 almost always.
    pub uncertain: usize,
    /// Each batch the server partly refused: its lines and the server's own words.
    pub rejections: Vec<WriteRejection>,
    /// Batches sent and answered.
    pub batches: usize,
    /// Lines of input read (blank lines and comments included).
    pub lines: usize,
    /// The line an interrupted import resumed after (`write --resume`).
    pub resumed_after_line: Option<usize>,
}

/// A batch the server stored only part of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct WriteRejection {
    pub first_line: usize,
    pub last_line: usize,
    /// Points sent in the batch.
    pub points: usize,
    /// Points the server dropped, when it said how many.
    pub dropped: Option<usize>,
    /// The server's words, e.g. "partial write: points beyond retention policy dropped=2".
    pub server: String,
}

impl WriteResult {
    /// Whether every point sent landed.
    pub fn complete(&self) -> bool {
        self.dropped == 0 && self.uncertain == 0
    }

    /// The result when every point landed; otherwise an error (InvalidInput) whose message
    /// is the [`summary`](Self::summary): what landed, what did not, the server's words.
    pub fn into_complete(self) -> crate::error::Result<WriteResult> {
        if self.complete() {
            Ok(self)
        } else {
            Err(crate::error::Error::invalid(format!(
                "partial write: {}",
                self.summary()
            )))
        }
    }

    /// One paragraph for a terminal or a log: what landed, what did not and why.
    pub fn summary(&self) -> String {
        let s = |n: usize| if n == 1 { "" } else { "s" };
        let mut out = format!(
            "wrote {} point{} ({} bytes) to {} in {} batch{}",
            self.points,
            s(self.points),
            self.bytes,
            self.bucket,
            self.batches,
            if self.batches == 1 { "" } else { "es" }
        );
        if let Some(l) = self.resumed_after_line {
            out.push_str(&format!(", resuming after line {l}"));
        }
        if self.dropped > 0 {
            out.push_str(&format!(
                "; the server did NOT store {} point{}",
                self.dropped,
                s(self.dropped)
            ));
        }
        if self.uncertain > 0 {
            out.push_str(&format!(
                "; the server did not say whether it stored {} point{} of partly refused \
                 batches",
                self.uncertain,
                s(self.uncertain)
            ));
        }
        for r in &self.rejections {
            out.push_str(&format!(
                "\n  lines {}-{} ({} point{}): {}",
                r.first_line,
                r.last_line,
                r.points,
                s(r.points),
                r.server
            ));
        }
        out
    }
}
