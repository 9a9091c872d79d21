//! Render a [`QueryResult`] as text for people and programs: an aligned `table`, `csv` (one
//! header per frame, tags as leading columns) or `json` (the result model itself). Used by the
//! CLI now; the MCP `query-data` tool and exports share it.

use std::fmt::Write as _;

use crate::error::{Error, Result};
use crate::model::{Cell, Frame, QueryResult};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Csv,
    Json,
}

impl Format {
    pub fn parse(s: &str) -> Result<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "table" => Ok(Format::Table),
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            other => Err(Error::invalid(format!(
                "unknown format \"{other}\": use table, csv or json"
            ))),
        }
    }
}

pub fn render(r: &QueryResult, f: Format) -> String {
    match f {
        Format::Json => serde_json::to_string_pretty(r).unwrap_or_default() + "\n",
        Format::Csv => csv(r),
        Format::Table => table(r),
    }
}

fn title(f: &Frame) -> String {
    let tags: Vec<String> = f.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
    match (f.name.is_empty(), tags.is_empty()) {
        (true, true) => String::new(),
        (false, true) => f.name.clone(),
        (true, false) => tags.join(","),
        (false, false) => format!("{} {}", f.name, tags.join(",")),
    }
}

fn footer(r: &QueryResult) -> String {
    let mut s = format!(
        "{} rows in {} frames, {:.1} ms",
        r.rows,
        r.frames.len(),
        r.elapsed_ms
    );
    if r.truncated {
        let _ = write!(
            s,
            " (truncated at the row limit of {}; raise it with the row limit setting)",
            r.row_limit
        );
    }
    s
}

/// CSV: one header row per distinct frame shape; frame name and tags as leading columns.
pub fn csv(r: &QueryResult) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut last_header: Option<Vec<String>> = None;
    for f in &r.frames {
        let tag_keys: Vec<&String> = f.tags.keys().collect();
        let mut header = vec!["name".to_string()];
        header.extend(tag_keys.iter().map(|k| k.to_string()));
        header.extend(f.columns.iter().map(|c| c.name.clone()));
        if last_header.as_ref() != Some(&header) {
            let _ = w.write_record(&header);
            last_header = Some(header);
        }
        for i in 0..f.rows() {
            let mut rec = vec![f.name.clone()];
            rec.extend(tag_keys.iter().map(|k| f.tags[*k].clone()));
            rec.extend(f.columns.iter().map(|c| c.cell(i).text().into_owned()));
            let _ = w.write_record(&rec);
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Aligned text tables, one per frame, with a footer line.
pub fn table(r: &QueryResult) -> String {
    let mut out = String::new();
    for f in &r.frames {
        let t = title(f);
        if !t.is_empty() {
            let _ = writeln!(out, "{t}");
        }
        let rows: Vec<Vec<String>> = (0..f.rows())
            .map(|i| {
                f.columns
                    .iter()
                    .map(|c| c.cell(i).text().into_owned())
                    .collect()
            })
            .collect();
        let widths: Vec<usize> = f
            .columns
            .iter()
            .enumerate()
            .map(|(j, c)| {
                rows.iter()
                    .map(|r| r[j].chars().count())
                    .chain([c.name.chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &[String]| {
            cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_string()
        };
        let names: Vec<String> = f.columns.iter().map(|c| c.name.clone()).collect();
        let _ = writeln!(out, "{}", line(&names));
        let _ = writeln!(
            out,
            "{}",
            widths
                .iter()
                .map(|w| "-".repeat(*w))
                .collect::<Vec<_>>()
                .join("  ")
        );
        for r in &rows {
            let _ = writeln!(out, "{}", line(r));
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{}", footer(r));
    out
}

/// Line protocol: one point per row. Frame name and tags carry over; the `time`/`_time`
/// column is the timestamp (ns); Flux's `_field`/`_value` pairs become one field; other
/// columns are fields typed by their values. Rows without any field value are skipped.
pub fn line_protocol(r: &QueryResult) -> String {
    use crate::influx::lineproto::{FieldValue, Point};
    const FLUX_META: [&str; 6] = [
        "_start",
        "_stop",
        "_measurement",
        "_field",
        "_value",
        "_time",
    ];
    let mut out = String::new();
    for f in &r.frames {
        let time = f.column("time").or_else(|| f.column("_time"));
        let field_col = f.column("_field");
        let value_col = f.column("_value");
        for i in 0..f.rows() {
            let mut fields = Vec::new();
            let to_field = |v: Cell| -> Option<FieldValue> {
                match v {
                    Cell::Boolean(b) => Some(FieldValue::Boolean(b)),
                    Cell::String(s) => Some(FieldValue::String(s.to_string())),
                    Cell::Time(_) => Some(FieldValue::String(v.text().into_owned())),
                    Cell::Integer(i) => Some(FieldValue::Integer(i)),
                    Cell::Unsigned(u) => Some(FieldValue::Unsigned(u)),
                    Cell::Float(f) => Some(FieldValue::Float(f)),
                    Cell::Null | Cell::Other(_) => None,
                }
            };
            if let (Some(fc), Some(vc)) = (field_col, value_col)
                && let (Some(name), Some(v)) = (fc.str_at(i), to_field(vc.cell(i)))
            {
                fields.push((name.to_string(), v));
            }
            for c in &f.columns {
                if c.kind == crate::model::ColumnType::Time
                    || FLUX_META.contains(&c.name.as_str())
                    || f.tags.contains_key(&c.name)
                {
                    continue;
                }
                if let Some(v) = to_field(c.cell(i)) {
                    fields.push((c.name.clone(), v));
                }
            }
            if fields.is_empty() {
                continue;
            }
            let measurement = if f.name.is_empty() {
                "result".to_string()
            } else {
                f.name.clone()
            };
            let p = Point {
                measurement,
                tags: f
                    .tags
                    .iter()
                    .filter(|(k, _)| !k.starts_with('_'))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                fields,
                timestamp: time.and_then(|t| t.time_ns_at(i)),
            };
            out.push_str(&p.to_line());
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, ColumnType, QueryLanguage};
    use serde_json::Value;

    fn sample(truncated: bool) -> QueryResult {
        QueryResult {
            frames: vec![Frame {
                name: "cpu".into(),
                tags: [("host".to_string(), "a,b".to_string())].into(),
                columns: vec![
                    Column::new(
                        "time",
                        ColumnType::Time,
                        vec![Value::from("2024-01-01T00:00:00Z")],
                    ),
                    Column::new("v", ColumnType::Float, vec![Value::from(1.5)]),
                ],
            }],
            language: QueryLanguage::Influxql,
            rows: 1,
            truncated,
            row_limit: 1,
            elapsed_ms: 2.0,
            executed_query: String::new(),
            query_id: None,
        }
    }

    #[test]
    fn csv_quotes_and_carries_tags() {
        assert_eq!(
            csv(&sample(false)),
            "name,host,time,v\ncpu,\"a,b\",2024-01-01T00:00:00Z,1.5\n"
        );
    }

    #[test]
    fn table_aligns_and_reports_truncation() {
        let t = table(&sample(true));
        assert!(
            t.starts_with("cpu host=a,b\ntime                  v\n"),
            "{t}"
        );
        assert!(t.contains("truncated at the row limit of 1"), "{t}");
    }

    #[test]
    fn line_protocol_round_trips_through_the_parser() {
        let lp = line_protocol(&sample(false));
        assert_eq!(lp, "cpu,host=a\\,b v=1.5 1704067200000000000\n");
        let points = crate::influx::lineproto::parse_batch(&lp).unwrap();
        assert_eq!(points[0].tags["host"], "a,b");
    }

    #[test]
    fn formats_parse() {
        assert_eq!(Format::parse("CSV").unwrap(), Format::Csv);
        assert_eq!(
            Format::parse("xml").unwrap_err().code(),
            crate::error::ErrorCode::InvalidInput
        );
    }
}
