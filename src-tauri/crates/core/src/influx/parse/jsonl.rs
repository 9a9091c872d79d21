//! v3 JSON Lines (one JSON object per row) parsed straight into frames: a serde visitor reads
//! each row's keys without allocating them, finds their columns in the frame being filled,
//! and pushes each value into its column by type (text through one reused buffer per row);
//! times are read as epoch nanoseconds.
//! Columns come in order of first appearance; a column named `time` is the time column;
//! `iox::measurement` (InfluxQL on v3) names the frames. A key repeated in a row keeps its
//! last value, as a JSON object read whole would.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde_json::Value;

use super::{Budget, parse_time_ns};
use crate::error::{Error, Result};
use crate::model::{Column, ColumnType, Frame, Values};

const MEASUREMENT: &str = "iox::measurement";

/// v3 JSON Lines into frames (see the module doc).
pub fn jsonl(body: &[u8], budget: &mut Budget) -> Result<Vec<Frame>> {
    let mut rows = JsonlFrames::default();
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', body) {
        rows.row(&body[start..end], budget)?;
        start = end + 1;
    }
    rows.row(&body[start..], budget)?;
    Ok(rows.finish())
}

/// Where a row's value goes.
enum Slot {
    /// The column at this index of the frame being filled.
    Col(usize),
    /// A column not in it yet.
    New(String),
}

/// One value of the row being read; text is kept in the row's buffer.
enum Scalar {
    Null,
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(Range<usize>),
    /// An array or object.
    Other(Value),
}

/// Frames built row by row from JSON Lines (see [`jsonl`]).
#[derive(Default)]
pub struct JsonlFrames {
    frames: Vec<Frame>,
    /// The row being read: each value with where it goes, and the text of its string values
    /// (both reused from row to row).
    cells: Vec<(Slot, Scalar)>,
    text: String,
}

impl JsonlFrames {
    /// Add one line (a blank one is skipped).
    pub fn row(&mut self, line: &[u8], budget: &mut Budget) -> Result<()> {
        if line.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        let mut cells = std::mem::take(&mut self.cells);
        let mut text = std::mem::take(&mut self.text);
        cells.clear();
        text.clear();
        let columns = self.frames.last().map_or(&[][..], |f| &f.columns[..]);
        let mut de = serde_json::Deserializer::from_slice(line);
        let measurement = RowSeed {
            columns,
            cells: &mut cells,
            text: &mut text,
        }
        .deserialize(&mut de)
        .and_then(|m| de.end().map(|()| m))
        .map_err(|e| Error::Internal(format!("bad JSON Lines row from InfluxDB: {e}")))?;
        let name = match measurement {
            Some(Scalar::Str(r)) => text.get(r).unwrap_or_default(),
            _ => "",
        };
        if self.frames.last().map(|f| f.name.as_str()) != Some(name) {
            // The slots were found in the previous frame: name them for the new one.
            if let Some(prev) = self.frames.last() {
                for (slot, _) in &mut cells {
                    if let Slot::Col(i) = slot {
                        *slot = Slot::New(prev.columns[*i].name.clone());
                    }
                }
            }
            self.frames.push(Frame {
                name: name.to_string(),
                tags: BTreeMap::new(),
                columns: Vec::new(),
            });
        }
        if budget.take(1) > 0 {
            self.fill(&mut cells, &text);
        }
        self.cells = cells;
        self.text = text;
        Ok(())
    }

    /// Move a kept row's values into their columns.
    fn fill(&mut self, cells: &mut Vec<(Slot, Scalar)>, text: &str) {
        let Some(frame) = self.frames.last_mut() else {
            return;
        };
        let n = frame.rows();
        for (slot, v) in cells.drain(..) {
            let i = match slot {
                Slot::Col(i) => i,
                Slot::New(name) => match frame.columns.iter().position(|c| c.name == name) {
                    Some(i) => i,
                    None => {
                        frame.columns.push(Column {
                            name,
                            kind: ColumnType::Unknown,
                            values: Values::nulls(n),
                        });
                        frame.columns.len() - 1
                    }
                },
            };
            let col = &mut frame.columns[i];
            if col.values.len() > n {
                // The key came twice in this row: the last value wins.
                col.values.truncate(n);
            }
            let values = &mut col.values;
            match v {
                Scalar::Null => values.push_null(),
                Scalar::Bool(b) => values.push_bool(b),
                Scalar::I64(i) => values.push_i64(i),
                Scalar::U64(u) => values.push_u64(u),
                Scalar::F64(f) => values.push_f64(f),
                Scalar::Str(r) => {
                    let s = text.get(r).unwrap_or_default();
                    let ns = if col.name == "time" {
                        parse_time_ns(s)
                    } else {
                        None
                    };
                    match ns {
                        Some(ns) => values.push_time(ns),
                        None => values.push_str(s),
                    }
                }
                Scalar::Other(v) => values.push_value(v),
            }
        }
        for col in &mut frame.columns {
            if col.values.len() < n + 1 {
                col.values.push_null();
            }
        }
    }

    /// The frames, with column kinds settled.
    pub fn finish(mut self) -> Vec<Frame> {
        for frame in &mut self.frames {
            for col in &mut frame.columns {
                col.kind = if col.name == "time" {
                    ColumnType::Time
                } else {
                    col.values.kind()
                };
            }
        }
        self.frames
    }
}

/// One row object: its values into `cells`, its `iox::measurement` returned.
struct RowSeed<'s> {
    columns: &'s [Column],
    cells: &'s mut Vec<(Slot, Scalar)>,
    text: &'s mut String,
}

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = Option<Scalar>;
    fn deserialize<D: de::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = Option<Scalar>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a map")
    }
    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut measurement = None;
        while let Some(key) = map.next_key_seed(KeySeed {
            columns: self.columns,
            hint: self.cells.len(),
        })? {
            let v = map.next_value_seed(ScalarSeed(&mut *self.text))?;
            match key {
                None => measurement = Some(v),
                Some(slot) => self.cells.push((slot, v)),
            }
        }
        Ok(measurement)
    }
}

/// A value as a [`Scalar`], its text appended to the row's buffer.
struct ScalarSeed<'s>(&'s mut String);

impl<'de> DeserializeSeed<'de> for ScalarSeed<'_> {
    type Value = Scalar;
    fn deserialize<D: de::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

type DeResult<T, E> = std::result::Result<T, E>;

impl<'de> Visitor<'de> for ScalarSeed<'_> {
    type Value = Scalar;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value")
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> DeResult<Scalar, E> {
        Ok(Scalar::Bool(b))
    }
    fn visit_i64<E: de::Error>(self, i: i64) -> DeResult<Scalar, E> {
        Ok(Scalar::I64(i))
    }
    fn visit_u64<E: de::Error>(self, u: u64) -> DeResult<Scalar, E> {
        Ok(Scalar::U64(u))
    }
    fn visit_f64<E: de::Error>(self, f: f64) -> DeResult<Scalar, E> {
        Ok(Scalar::F64(f))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> DeResult<Scalar, E> {
        let start = self.0.len();
        self.0.push_str(s);
        Ok(Scalar::Str(start..self.0.len()))
    }
    fn visit_unit<E: de::Error>(self) -> DeResult<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_none<E: de::Error>(self) -> DeResult<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> DeResult<Scalar, A::Error> {
        Value::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Scalar::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> DeResult<Scalar, A::Error> {
        Value::deserialize(de::value::MapAccessDeserializer::new(map)).map(Scalar::Other)
    }
}

/// A key: `None` for `iox::measurement`, else its slot. `hint` is where the key usually is
/// (rows of a result have their keys in the same order).
struct KeySeed<'s> {
    columns: &'s [Column],
    hint: usize,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Option<Slot>;
    fn deserialize<D: de::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed<'_> {
    type Value = Option<Slot>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a column name")
    }
    fn visit_str<E: de::Error>(self, s: &str) -> std::result::Result<Self::Value, E> {
        if s == MEASUREMENT {
            return Ok(None);
        }
        if self.columns.get(self.hint).is_some_and(|c| c.name == s) {
            return Ok(Some(Slot::Col(self.hint)));
        }
        Ok(Some(match self.columns.iter().position(|c| c.name == s) {
            Some(i) => Slot::Col(i),
            None => Slot::New(s.to_string()),
        }))
    }
}
