//! The serde_json path the parsers replaced (a JSON tree, then copies into columns; chrono
//! for every time), kept as the reference the tests compare the new parsers with.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Budget, classify_v1_error, kind_of};
use crate::error::{Error, Result};
use crate::model::{self, ColumnType, Values};

/// The old model's column: its JSON values.
pub struct Column {
    pub name: String,
    pub kind: ColumnType,
    pub values: Vec<Value>,
}

/// The old model's frame.
pub struct Frame {
    pub name: String,
    pub tags: BTreeMap<String, String>,
    pub columns: Vec<Column>,
}

impl Frame {
    fn rows(&self) -> usize {
        self.columns.first().map_or(0, |c| c.values.len())
    }
}

/// The frames as the model holds them, every column kept as its JSON values.
fn model(frames: Vec<Frame>) -> Vec<model::Frame> {
    frames
        .into_iter()
        .map(|f| model::Frame {
            name: f.name,
            tags: f.tags,
            columns: f
                .columns
                .into_iter()
                .map(|c| model::Column {
                    name: c.name,
                    kind: c.kind,
                    values: Values::mixed(c.values),
                })
                .collect(),
        })
        .collect()
}

/// Format epoch nanoseconds as RFC 3339 UTC.
pub fn ns_to_rfc3339(ns: i64) -> String {
    let dt = chrono::DateTime::from_timestamp(
        ns.div_euclid(1_000_000_000),
        ns.rem_euclid(1_000_000_000) as u32,
    )
    .unwrap_or_default();
    dt.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// Parse an RFC 3339 (or zone-less, taken as UTC) timestamp to epoch nanoseconds.
pub fn parse_time_ns(s: &str) -> Option<i64> {
    super::time::chrono_parse(s)
}

/// v1 `/query` JSON (with `epoch=ns`): `{"results":[{"series":[...],"error":...}]}`.
pub fn v1_json(body: &[u8], budget: &mut Budget) -> Result<Vec<model::Frame>> {
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        Error::Internal(format!(
            "InfluxDB sent a query response that is not JSON: {e}"
        ))
    })?;
    if let Some(err) = v.get("error").and_then(Value::as_str) {
        return Err(classify_v1_error(err));
    }
    let mut frames = Vec::new();
    for result in v
        .get("results")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(err) = result.get("error").and_then(Value::as_str) {
            return Err(classify_v1_error(err));
        }
        for series in result
            .get("series")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            frames.push(v1_series(series, budget));
        }
    }
    Ok(model(frames))
}

pub fn v1_series(series: &Value, budget: &mut Budget) -> Frame {
    let name = series
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let tags: BTreeMap<String, String> = series
        .get("tags")
        .and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    let names: Vec<String> = series
        .get("columns")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|c| c.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default();
    let rows = series
        .get("values")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let keep = budget.take(rows.len());
    let mut columns: Vec<Column> = names
        .into_iter()
        .map(|name| Column {
            name,
            kind: ColumnType::Unknown,
            values: Vec::with_capacity(keep),
        })
        .collect();
    for row in &rows[..keep] {
        let cells = row.as_array().map(Vec::as_slice).unwrap_or(&[]);
        for (i, col) in columns.iter_mut().enumerate() {
            col.values
                .push(cells.get(i).cloned().unwrap_or(Value::Null));
        }
    }
    for col in &mut columns {
        if col.name == "time" && col.values.iter().all(|v| v.is_i64() || v.is_null()) {
            col.kind = ColumnType::Time;
            for v in &mut col.values {
                if let Some(ns) = v.as_i64() {
                    *v = Value::String(ns_to_rfc3339(ns));
                }
            }
        } else {
            col.kind = kind_of(&col.values);
        }
    }
    Frame {
        name,
        tags,
        columns,
    }
}

/// Flux annotated CSV (`#datatype`, `#group`, `#default` annotations, tables separated by
/// blank lines). A Flux runtime error arrives as a table with `error,reference` columns.
pub fn flux_csv(body: &[u8], budget: &mut Budget) -> Result<Vec<model::Frame>> {
    let mut csv = FluxCsv::default();
    csv.records(body, budget)?;
    Ok(model(csv.frames))
}

/// Flux annotated CSV parsed record by record, as it streams in (see [`flux_csv`]).
#[derive(Default)]
pub struct FluxCsv {
    pub frames: Vec<Frame>,
    datatypes: Vec<String>,
    groups: Vec<bool>,
    header: Option<Vec<String>>,
    /// (result, table) of the frame being filled
    current: Option<(String, String)>,
}

impl FluxCsv {
    /// Parse whole records (`body` ends at a record boundary), until the budget is spent.
    pub fn records(&mut self, body: &[u8], budget: &mut Budget) -> Result<()> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(body);
        for rec in rdr.records() {
            if budget.truncated {
                break;
            }
            let rec =
                rec.map_err(|e| Error::Internal(format!("bad annotated CSV from InfluxDB: {e}")))?;
            self.record(&rec, budget)?;
        }
        Ok(())
    }

    fn record(&mut self, rec: &csv::StringRecord, budget: &mut Budget) -> Result<()> {
        if rec.iter().all(str::is_empty) {
            self.header = None;
            self.current = None;
            return Ok(());
        }
        let first = rec.get(0).unwrap_or_default();
        if first.starts_with('#') {
            let rest: Vec<String> = rec.iter().skip(1).map(str::to_string).collect();
            match first {
                "#datatype" => {
                    self.datatypes = rest;
                    self.header = None;
                }
                "#group" => self.groups = rest.iter().map(|g| g == "true").collect(),
                _ => {}
            }
            return Ok(());
        }
        let Some(cols) = &self.header else {
            // The header; after an `error,reference` header the next record is the error.
            self.header = Some(rec.iter().skip(1).map(str::to_string).collect());
            return Ok(());
        };
        let cells: Vec<&str> = rec.iter().skip(1).collect();
        if cols.first().map(String::as_str) == Some("error") {
            let msg = cells.first().copied().unwrap_or("unknown error");
            return Err(Error::QuerySyntax(format!("Flux error: {msg}")));
        }
        let idx = |n: &str| cols.iter().position(|c| c == n);
        let result = idx("result")
            .and_then(|i| cells.get(i))
            .copied()
            .unwrap_or("_result");
        let table = idx("table")
            .and_then(|i| cells.get(i))
            .copied()
            .unwrap_or("0");
        let key = (result.to_string(), table.to_string());
        if self.current.as_ref() != Some(&key) {
            let mut tags = BTreeMap::new();
            let mut name = String::new();
            for (i, c) in cols.iter().enumerate() {
                let grouped = self.groups.get(i).copied().unwrap_or(false);
                if !grouped || matches!(c.as_str(), "result" | "table" | "_start" | "_stop") {
                    continue;
                }
                let v = cells.get(i).copied().unwrap_or_default().to_string();
                if c == "_measurement" {
                    name = v;
                } else {
                    tags.insert(c.clone(), v);
                }
            }
            let columns = cols
                .iter()
                .enumerate()
                .filter(|(_, c)| !matches!(c.as_str(), "result" | "table"))
                .map(|(i, c)| Column {
                    name: c.clone(),
                    kind: flux_type(
                        self.datatypes
                            .get(i)
                            .map(String::as_str)
                            .unwrap_or("string"),
                    ),
                    values: Vec::new(),
                })
                .collect();
            self.frames.push(Frame {
                name,
                tags,
                columns,
            });
            self.current = Some(key);
        }
        if budget.take(1) == 0 {
            return Ok(());
        }
        let Some(frame) = self.frames.last_mut() else {
            return Ok(());
        };
        let mut ci = 0;
        for (i, c) in cols.iter().enumerate() {
            if matches!(c.as_str(), "result" | "table") {
                continue;
            }
            let Some(col) = frame.columns.get_mut(ci) else {
                break;
            };
            ci += 1;
            col.values.push(flux_value(
                col.kind,
                cells.get(i).copied().unwrap_or_default(),
            ));
        }
        Ok(())
    }
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

fn flux_value(kind: ColumnType, s: &str) -> Value {
    if s.is_empty() && kind != ColumnType::String {
        return Value::Null;
    }
    match kind {
        ColumnType::Float => s
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        ColumnType::Integer => s.parse::<i64>().map(Value::from).unwrap_or(Value::Null),
        ColumnType::Unsigned => s.parse::<u64>().map(Value::from).unwrap_or(Value::Null),
        ColumnType::Boolean => Value::Bool(s == "true"),
        ColumnType::Time => parse_time_ns(s)
            .map(|ns| Value::String(ns_to_rfc3339(ns)))
            .unwrap_or(Value::Null),
        _ => Value::String(s.to_string()),
    }
}

/// v3 JSON Lines: one JSON object per row. Columns in order of first appearance; a column
/// named `time` is the time column; `iox::measurement` (InfluxQL on v3) names the frames.
pub fn jsonl(body: &[u8], budget: &mut Budget) -> Result<Vec<model::Frame>> {
    let mut rows = JsonlFrames::default();
    for line in body.split(|b| *b == b'\n') {
        rows.row(line, budget)?;
    }
    Ok(rows.finish())
}

/// Frames built row by row from JSON Lines (see [`jsonl`]).
#[derive(Default)]
pub struct JsonlFrames {
    frames: Vec<Frame>,
}

impl JsonlFrames {
    /// Add one line (a blank one is skipped).
    pub fn row(&mut self, line: &[u8], budget: &mut Budget) -> Result<()> {
        if line.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        let frames = &mut self.frames;
        let row: serde_json::Map<String, Value> = serde_json::from_slice(line)
            .map_err(|e| Error::Internal(format!("bad JSON Lines row from InfluxDB: {e}")))?;
        let name = row
            .get("iox::measurement")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if frames.last().map(|f| f.name.as_str()) != Some(name) {
            frames.push(Frame {
                name: name.to_string(),
                tags: BTreeMap::new(),
                columns: Vec::new(),
            });
        }
        if budget.take(1) == 0 {
            return Ok(());
        }
        let frame = frames.last_mut().expect("frame was pushed");
        let n = frame.rows();
        for (k, v) in row {
            if k == "iox::measurement" {
                continue;
            }
            let col = match frame.columns.iter().position(|c| c.name == k) {
                Some(i) => &mut frame.columns[i],
                None => {
                    frame.columns.push(Column {
                        name: k,
                        kind: ColumnType::Unknown,
                        values: vec![Value::Null; n],
                    });
                    frame.columns.last_mut().expect("pushed")
                }
            };
            col.values.push(v);
        }
        for col in &mut frame.columns {
            if col.values.len() < n + 1 {
                col.values.push(Value::Null);
            }
        }
        Ok(())
    }

    /// The frames, with column kinds and times settled.
    pub fn finish(mut self) -> Vec<model::Frame> {
        for frame in &mut self.frames {
            for col in &mut frame.columns {
                if col.name == "time" {
                    col.kind = ColumnType::Time;
                    for v in &mut col.values {
                        if let Some(ns) = v.as_str().and_then(parse_time_ns) {
                            *v = Value::String(ns_to_rfc3339(ns));
                        }
                    }
                } else {
                    col.kind = kind_of(&col.values);
                }
            }
        }
        model(self.frames)
    }
}
