//! Flux annotated CSV (`#datatype`, `#group`, `#default` annotations, tables separated by
//! blank lines) parsed record by record into frames: the `csv` crate's byte records (one
//! buffer reused for every record), numbers and times parsed from the field bytes, a row's
//! table told from the previous one by comparing bytes. A Flux runtime error arrives as a
//! table with `error,reference` columns.

use std::collections::BTreeMap;

use super::{Budget, parse_time_ns};
use crate::error::{Error, Result};
use crate::model::{Column, ColumnType, Frame, Values};

/// Flux annotated CSV into frames (see the module doc).
pub fn flux_csv(body: &[u8], budget: &mut Budget) -> Result<Vec<Frame>> {
    let mut csv = FluxCsv::default();
    csv.records(body, budget)?;
    Ok(csv.frames)
}

/// Flux annotated CSV parsed record by record, as it streams in (see [`flux_csv`]).
#[derive(Default)]
pub struct FluxCsv {
    pub frames: Vec<Frame>,
    datatypes: Vec<String>,
    groups: Vec<bool>,
    header: Option<Header>,
    /// (result, table) cells of the frame being filled
    current: Option<(Vec<u8>, Vec<u8>)>,
    record: csv::ByteRecord,
    /// Per column of the current frame, the bytes of its last time cell: the same bytes again
    /// (`_start` and `_stop` repeat on every row of a table) copy the value above.
    last_times: Vec<Vec<u8>>,
}

/// A table's header row.
struct Header {
    /// Column names (the first, empty field left out).
    names: Vec<String>,
    result: Option<usize>,
    table: Option<usize>,
    /// Cell indices that become columns (all but `result` and `table`).
    kept: Vec<usize>,
}

impl Header {
    fn new(names: Vec<String>) -> Self {
        let idx = |n: &str| names.iter().position(|c| c == n);
        Header {
            result: idx("result"),
            table: idx("table"),
            kept: (0..names.len())
                .filter(|&i| !matches!(names[i].as_str(), "result" | "table"))
                .collect(),
            names,
        }
    }
}

/// A field's text: records are checked as UTF-8 as a whole before their fields are used.
fn text(field: &[u8]) -> &str {
    std::str::from_utf8(field).unwrap_or_default()
}

impl FluxCsv {
    /// Parse whole records (`body` ends at a record boundary), until the budget is spent.
    pub fn records(&mut self, body: &[u8], budget: &mut Budget) -> Result<()> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(body);
        let mut rec = std::mem::take(&mut self.record);
        let r = loop {
            match rdr.read_byte_record(&mut rec) {
                Ok(false) => break Ok(()),
                Ok(true) => {}
                Err(e) => break Err(bad_csv(&e)),
            }
            if budget.truncated {
                break Ok(());
            }
            if let Err(e) = check_utf8(&rec) {
                break Err(bad_csv(&e));
            }
            if let Err(e) = self.record(&rec, budget) {
                break Err(e);
            }
        };
        self.record = rec;
        r
    }

    fn record(&mut self, rec: &csv::ByteRecord, budget: &mut Budget) -> Result<()> {
        if rec.iter().all(<[u8]>::is_empty) {
            self.header = None;
            self.current = None;
            return Ok(());
        }
        let first = rec.get(0).unwrap_or_default();
        if first.starts_with(b"#") {
            match first {
                b"#datatype" => {
                    self.datatypes = rec.iter().skip(1).map(|f| text(f).to_string()).collect();
                    self.header = None;
                }
                b"#group" => self.groups = rec.iter().skip(1).map(|g| g == b"true").collect(),
                _ => {}
            }
            return Ok(());
        }
        let Some(header) = &self.header else {
            // The header; after an `error,reference` header the next record is the error.
            let names = rec.iter().skip(1).map(|f| text(f).to_string()).collect();
            self.header = Some(Header::new(names));
            return Ok(());
        };
        let cell = |i: usize| rec.get(i + 1);
        if header.names.first().map(String::as_str) == Some("error") {
            let msg = cell(0).map_or("unknown error", text);
            return Err(Error::QuerySyntax(format!("Flux error: {msg}")));
        }
        let result = header.result.and_then(cell).unwrap_or(b"_result");
        let table = header.table.and_then(cell).unwrap_or(b"0");
        let same = self
            .current
            .as_ref()
            .is_some_and(|(r, t)| r == result && t == table);
        if !same {
            self.frames.push(self.new_frame(header, rec));
            self.current = Some((result.to_vec(), table.to_vec()));
        }
        if budget.take(1) == 0 {
            return Ok(());
        }
        let Some(frame) = self.frames.last_mut() else {
            return Ok(());
        };
        self.last_times.resize(frame.columns.len(), Vec::new());
        for ((col, &i), last) in frame
            .columns
            .iter_mut()
            .zip(&header.kept)
            .zip(&mut self.last_times)
        {
            let field = cell(i).unwrap_or_default();
            match &mut col.values {
                Values::Time(times) => {
                    let above = times.last().copied();
                    match above {
                        Some(above) if last[..] == *field => times.push(above),
                        _ => {
                            last.clear();
                            last.extend_from_slice(field);
                            times.push(flux_time(field));
                        }
                    }
                }
                values => push_flux_value(values, col.kind, field),
            }
        }
        Ok(())
    }

    /// The frame of a new table: grouped columns name it and tag it.
    fn new_frame(&self, header: &Header, rec: &csv::ByteRecord) -> Frame {
        let mut tags = BTreeMap::new();
        let mut name = String::new();
        for (i, c) in header.names.iter().enumerate() {
            let grouped = self.groups.get(i).copied().unwrap_or(false);
            if !grouped || matches!(c.as_str(), "result" | "table" | "_start" | "_stop") {
                continue;
            }
            let v = text(rec.get(i + 1).unwrap_or_default()).to_string();
            if c == "_measurement" {
                name = v;
            } else {
                tags.insert(c.clone(), v);
            }
        }
        let columns = header
            .kept
            .iter()
            .map(|&i| {
                let kind = flux_type(self.datatypes.get(i).map_or("string", String::as_str));
                Column {
                    name: header.names[i].clone(),
                    kind,
                    values: Values::with_kind(kind),
                }
            })
            .collect();
        Frame {
            name,
            tags,
            columns,
        }
    }
}

/// Every field of `rec` is UTF-8 (as a string record would check): the fields' bytes as a
/// whole are, and no field starts inside a character of the one before.
fn check_utf8(rec: &csv::ByteRecord) -> std::result::Result<(), String> {
    let all = std::str::from_utf8(rec.as_slice()).map_err(|e| format!("invalid UTF-8: {e}"))?;
    match (0..rec.len()).find(|&i| {
        rec.range(i)
            .is_some_and(|r| !all.is_char_boundary(r.start) || !all.is_char_boundary(r.end))
    }) {
        Some(i) => Err(format!("invalid UTF-8 in field {i}")),
        None => Ok(()),
    }
}

fn bad_csv(e: &dyn std::fmt::Display) -> Error {
    Error::Internal(format!("bad annotated CSV from InfluxDB: {e}"))
}

fn flux_type(t: &str) -> ColumnType {
    match t {
        t if t.starts_with("dateTime") => ColumnType::Time,
        "double" => ColumnType::Float,
        "long" => ColumnType::Integer,
        "unsignedLong" => ColumnType::Unsigned,
        "boolean" => ColumnType::Boolean,
        _ => ColumnType::String,
    }
}

/// A time cell: null when empty or not a time.
fn flux_time(field: &[u8]) -> Option<i64> {
    if field.is_empty() {
        return None;
    }
    parse_time_ns(text(field))
}

/// One cell as its column's type (an empty cell is null, except in a string column; a cell
/// that does not parse as its type is null).
fn push_flux_value(values: &mut Values, kind: ColumnType, field: &[u8]) {
    if field.is_empty() && kind != ColumnType::String {
        return values.push_null();
    }
    let s = text(field);
    match kind {
        ColumnType::Float => match s.parse::<f64>() {
            Ok(f) => values.push_f64(f),
            Err(_) => values.push_null(),
        },
        ColumnType::Integer => match s.parse::<i64>() {
            Ok(i) => values.push_i64(i),
            Err(_) => values.push_null(),
        },
        ColumnType::Unsigned => match s.parse::<u64>() {
            Ok(u) => values.push_u64(u),
            Err(_) => values.push_null(),
        },
        ColumnType::Boolean => values.push_bool(s == "true"),
        ColumnType::Time => match parse_time_ns(s) {
            Some(ns) => values.push_time(ns),
            None => values.push_null(),
        },
        _ => values.push_str(s),
    }
}
