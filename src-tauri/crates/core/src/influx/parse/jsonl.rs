//! v3 JSON Lines (one JSON object per row) parsed straight into frames: a serde visitor reads
//! each row's keys without allocating them, finds their columns in the frame being filled,
//! and moves each value into its column; times are turned into RFC 3339 as they are pushed.
//! Columns come in order of first appearance; a column named `time` is the time column;
//! `iox::measurement` (InfluxQL on v3) names the frames. A key repeated in a row keeps its
//! last value, as a JSON object read whole would.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde_json::Value;

use super::{Budget, kind_of, ns_to_rfc3339, parse_time_ns};
use crate::error::{Error, Result};
use crate::model::{Column, ColumnType, Frame};

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

/// Frames built row by row from JSON Lines (see [`jsonl`]).
#[derive(Default)]
pub struct JsonlFrames {
    frames: Vec<Frame>,
    /// The row being read: each value with where it goes (reused from row to row).
    cells: Vec<(Slot, Value)>,
}

impl JsonlFrames {
    /// Add one line (a blank one is skipped).
    pub fn row(&mut self, line: &[u8], budget: &mut Budget) -> Result<()> {
        if line.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        let mut cells = std::mem::take(&mut self.cells);
        cells.clear();
        let columns = self.frames.last().map_or(&[][..], |f| &f.columns[..]);
        let mut de = serde_json::Deserializer::from_slice(line);
        let measurement = RowSeed {
            columns,
            cells: &mut cells,
        }
        .deserialize(&mut de)
        .and_then(|m| de.end().map(|()| m))
        .map_err(|e| Error::Internal(format!("bad JSON Lines row from InfluxDB: {e}")))?;
        let name = measurement
            .as_ref()
            .and_then(Value::as_str)
            .unwrap_or_default();
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
            self.fill(&mut cells);
        }
        self.cells = cells;
        Ok(())
    }

    /// Move a kept row's values into their columns.
    fn fill(&mut self, cells: &mut Vec<(Slot, Value)>) {
        let Some(frame) = self.frames.last_mut() else {
            return;
        };
        let n = frame.rows();
        for (slot, mut v) in cells.drain(..) {
            let i = match slot {
                Slot::Col(i) => i,
                Slot::New(name) => match frame.columns.iter().position(|c| c.name == name) {
                    Some(i) => i,
                    None => {
                        frame.columns.push(Column {
                            name,
                            kind: ColumnType::Unknown,
                            values: vec![Value::Null; n],
                        });
                        frame.columns.len() - 1
                    }
                },
            };
            let col = &mut frame.columns[i];
            if col.name == "time"
                && let Some(ns) = v.as_str().and_then(parse_time_ns)
            {
                v = Value::String(ns_to_rfc3339(ns));
            }
            if col.values.len() > n {
                // The key came twice in this row: the last value wins.
                col.values[n] = v;
            } else {
                col.values.push(v);
            }
        }
        for col in &mut frame.columns {
            if col.values.len() < n + 1 {
                col.values.push(Value::Null);
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
                    kind_of(&col.values)
                };
            }
        }
        self.frames
    }
}

/// One row object: its values into `cells`, its `iox::measurement` returned.
struct RowSeed<'s> {
    columns: &'s [Column],
    cells: &'s mut Vec<(Slot, Value)>,
}

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = Option<Value>;
    fn deserialize<D: de::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = Option<Value>;
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
            let v: Value = map.next_value()?;
            match key {
                None => measurement = Some(v),
                Some(slot) => self.cells.push((slot, v)),
            }
        }
        Ok(measurement)
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
