//! One CSV row to one line of line protocol, by a [`Layout`]: the time in its format to epoch
//! nanoseconds, cells to typed field values, tags and the measurement escaped by the line
//! protocol builder. A row that cannot be converted gives the reason (the caller adds its line
//! number).

use std::collections::BTreeMap;

use ::csv::StringRecord;
use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, NaiveDate, NaiveDateTime};

use super::layout::{CsvFieldType, CsvRole, Layout};
use crate::error::{Error, Result};
use crate::influx::lineproto::{FieldValue, Point};

/// How a time cell is written.
#[derive(Debug, Clone, PartialEq)]
pub enum TimeFormat {
    /// RFC 3339, e.g. `2024-05-01T12:00:00Z` or with an offset and fractions.
    Rfc3339,
    /// An annotated CSV's `dateTime`: RFC 3339, or epoch nanoseconds.
    AnnotatedAuto,
    /// Epoch time with this many decimal digits per second: 0 (s), 3 (ms), 6 (us), 9 (ns).
    Epoch(u32),
    /// A chrono pattern (UTC unless it has an offset).
    Pattern(String),
}

impl TimeFormat {
    /// Read the mapping's `time_format`.
    pub fn parse(s: Option<&str>) -> Result<Self> {
        let s = s.map(str::trim).unwrap_or("");
        Ok(match s.to_ascii_lowercase().as_str() {
            "" | "rfc3339" | "rfc3339nano" | "iso8601" => Self::Rfc3339,
            "s" | "epoch" | "unix" => Self::Epoch(0),
            "ms" => Self::Epoch(3),
            "us" | "µs" => Self::Epoch(6),
            "ns" => Self::Epoch(9),
            _ => {
                let bad = StrftimeItems::new(s).any(|i| matches!(i, Item::Error));
                if bad || !s.contains('%') {
                    return Err(Error::invalid(format!(
                        "time format {s:?} is not rfc3339, s, ms, us, ns or a chrono pattern \
                         (e.g. \"%Y-%m-%d %H:%M:%S\" or \"%d/%m/%Y %H:%M\")"
                    )));
                }
                Self::Pattern(s.to_string())
            }
        })
    }

    /// The name shown in a preview.
    pub fn describe(&self) -> String {
        match self {
            Self::Rfc3339 => "rfc3339".into(),
            Self::AnnotatedAuto => "rfc3339 or epoch ns".into(),
            Self::Epoch(0) => "s".into(),
            Self::Epoch(3) => "ms".into(),
            Self::Epoch(6) => "us".into(),
            Self::Epoch(_) => "ns".into(),
            Self::Pattern(p) => p.clone(),
        }
    }

    /// `s` as epoch nanoseconds.
    pub fn to_ns(&self, s: &str) -> std::result::Result<i64, String> {
        let s = s.trim();
        let rfc = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .ok()
                .and_then(|t| t.timestamp_nanos_opt())
        };
        let got = match self {
            Self::Rfc3339 => rfc(s),
            Self::AnnotatedAuto => rfc(s).or_else(|| s.parse::<i64>().ok()),
            Self::Epoch(digits) => epoch_ns(s, *digits),
            Self::Pattern(p) => pattern_ns(s, p),
        };
        got.ok_or_else(|| match self {
            Self::Epoch(_) => format!(
                "time {s:?} is not an epoch time in {} (or is out of range)",
                self.describe()
            ),
            _ => format!(
                "time {s:?} does not match the time format {} (or is out of range)",
                self.describe()
            ),
        })
    }
}

/// A decimal epoch time with `digits` decimals per second, exactly, in nanoseconds.
fn epoch_ns(s: &str, digits: u32) -> Option<i64> {
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let scale = 10i64.pow(9 - digits.min(9));
    let whole = int.parse::<i64>().ok()?.checked_mul(scale)?;
    // The decimals, as nanoseconds: digits past nanoseconds are cut.
    let mut part: i64 = 0;
    let mut unit = scale;
    for b in frac.bytes() {
        unit /= 10;
        if unit == 0 {
            break;
        }
        part += i64::from(b - b'0') * unit;
    }
    let ns = whole.checked_add(part)?;
    Some(if neg { -ns } else { ns })
}

fn pattern_ns(s: &str, p: &str) -> Option<i64> {
    if let Ok(t) = DateTime::parse_from_str(s, p) {
        return t.timestamp_nanos_opt();
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(s, p) {
        return t.and_utc().timestamp_nanos_opt();
    }
    NaiveDate::parse_from_str(s, p)
        .ok()?
        .and_hms_opt(0, 0, 0)?
        .and_utc()
        .timestamp_nanos_opt()
}

/// A boolean as CSV files write them.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "1" => Some(true),
        "false" | "f" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

fn value(kind: CsvFieldType, s: &str) -> std::result::Result<FieldValue, &'static str> {
    let t = s.trim();
    match kind {
        CsvFieldType::String => Ok(FieldValue::String(s.to_string())),
        CsvFieldType::Integer => t.parse().map(FieldValue::Integer).map_err(|_| "an integer"),
        CsvFieldType::Unsigned => t
            .parse()
            .map(FieldValue::Unsigned)
            .map_err(|_| "an unsigned integer"),
        CsvFieldType::Float => match t.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(FieldValue::Float(f)),
            _ => Err("a finite float"),
        },
        CsvFieldType::Boolean => parse_bool(t).map(FieldValue::Boolean).ok_or("a boolean"),
    }
}

fn no_break(name: &str, s: &str) -> std::result::Result<(), String> {
    if s.contains(['\n', '\r']) {
        return Err(format!(
            "column \"{name}\" holds a line break, which line protocol cannot carry"
        ));
    }
    Ok(())
}

/// Row `rec` as one line of line protocol.
pub fn row(l: &Layout, rec: &StringRecord) -> std::result::Result<String, String> {
    if rec.len() != l.columns.len() {
        return Err(format!(
            "the row has {} columns, the header {}",
            rec.len(),
            l.columns.len()
        ));
    }
    let mut measurement = l.measurement.clone();
    let mut tags = BTreeMap::new();
    let mut fields = Vec::new();
    let mut timestamp = None;
    let (mut field_name, mut field_value) = (None, None);
    for (i, col) in l.columns.iter().enumerate() {
        let raw = rec.get(i).unwrap_or("");
        let cell = if raw.is_empty() {
            match l.defaults.get(i).and_then(Option::as_deref) {
                Some(d) => d,
                None => continue,
            }
        } else {
            raw
        };
        let name = col.name.as_str();
        match col.role {
            CsvRole::Ignore => {}
            CsvRole::Time => timestamp = Some(l.time.to_ns(cell)?),
            CsvRole::Measurement => {
                no_break(name, cell)?;
                measurement = Some(cell.to_string());
            }
            CsvRole::Tag => {
                no_break(name, cell)?;
                tags.insert(name.to_string(), cell.to_string());
            }
            CsvRole::FieldName => {
                no_break(name, cell)?;
                field_name = Some(cell.to_string());
            }
            CsvRole::Field | CsvRole::FieldValue => {
                no_break(name, cell)?;
                let kind = col.kind.unwrap_or(CsvFieldType::String);
                let v = value(kind, cell).map_err(|want| {
                    let how = if col.inferred {
                        format!(
                            " (the type seen in the first rows; set the column's type to read \
                             it otherwise, e.g. --type {name}=float)"
                        )
                    } else {
                        String::new()
                    };
                    format!("column \"{name}\": {cell:?} is not {want}{how}")
                })?;
                if col.role == CsvRole::Field {
                    fields.push((name.to_string(), v));
                } else {
                    field_value = Some(v);
                }
            }
        }
    }
    match (field_name, field_value) {
        (Some(n), Some(v)) => fields.push((n, v)),
        (None, Some(_)) => return Err("the _field cell is empty".into()),
        _ => {}
    }
    let measurement = measurement
        .filter(|m| !m.is_empty())
        .ok_or_else(|| "the measurement cell is empty".to_string())?;
    if measurement.starts_with('#') {
        return Err(format!(
            "measurement {measurement:?} starts with #, which line protocol reads as a comment"
        ));
    }
    if fields.is_empty() {
        return Err("no field values (every field cell is empty)".into());
    }
    Ok(Point {
        measurement,
        tags,
        fields,
        timestamp,
    }
    .to_line())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::write::csv::layout::CsvColumn;

    #[test]
    fn epoch_times_are_exact_in_every_unit() {
        let ns = |s: &str, d: u32| TimeFormat::Epoch(d).to_ns(s);
        assert_eq!(ns("1700000000", 0), Ok(1_700_000_000_000_000_000));
        assert_eq!(ns("1700000000.123456789", 0), Ok(1_700_000_000_123_456_789));
        assert_eq!(ns("1700000000123", 3), Ok(1_700_000_000_123_000_000));
        assert_eq!(ns("1700000000123456", 6), Ok(1_700_000_000_123_456_000));
        assert_eq!(ns("1700000000123456789", 9), Ok(1_700_000_000_123_456_789));
        assert_eq!(ns("-1.5", 0), Ok(-1_500_000_000));
        assert!(ns("99999999999999999999", 0).is_err(), "out of range");
        assert!(ns("1e9", 0).is_err());
        assert!(ns("", 0).is_err());
    }

    #[test]
    fn rfc3339_and_patterns() {
        let r = TimeFormat::parse(None).unwrap();
        assert_eq!(
            r.to_ns("2024-05-01T00:00:01.5+02:00"),
            Ok(1_714_514_401_500_000_000)
        );
        assert!(r.to_ns("2024-05-01").is_err());
        let p = TimeFormat::parse(Some("%d/%m/%Y %H:%M")).unwrap();
        assert_eq!(p.to_ns("01/05/2024 00:00"), Ok(1_714_521_600_000_000_000));
        let d = TimeFormat::parse(Some("%Y-%m-%d")).unwrap();
        assert_eq!(d.to_ns("2024-05-01"), Ok(1_714_521_600_000_000_000));
        let e = TimeFormat::parse(Some("weird")).unwrap_err();
        assert!(e.message().contains("chrono pattern"), "{}", e.message());
    }

    #[test]
    fn rows_become_escaped_typed_lines() {
        let col = |name: &str, role, kind| CsvColumn {
            name: name.into(),
            role,
            kind,
            inferred: true,
        };
        let l = Layout {
            columns: vec![
                col("t", CsvRole::Time, None),
                col("host name", CsvRole::Tag, None),
                col("n", CsvRole::Field, Some(CsvFieldType::Integer)),
                col("x", CsvRole::Field, Some(CsvFieldType::Float)),
                col("ok", CsvRole::Field, Some(CsvFieldType::Boolean)),
                col("s", CsvRole::Field, Some(CsvFieldType::String)),
            ],
            time: TimeFormat::Epoch(0),
            defaults: vec![None; 6],
            measurement: Some("my m".into()),
            annotated: false,
        };
        let r = |cells: &[&str]| row(&l, &StringRecord::from(cells.to_vec()));
        assert_eq!(
            r(&["5", "a,b", "3", "1", "yes", "say \"hi\""]),
            Ok(r#"my\ m,host\ name=a\,b n=3i,x=1.0,ok=true,s="say \"hi\"" 5000000000"#.into())
        );
        assert_eq!(
            r(&["5", "", "", "2.5", "", ""]),
            Ok("my\\ m x=2.5 5000000000".into())
        );
        let e = r(&["5", "a", "1.5", "", "", ""]).unwrap_err();
        assert!(
            e.contains("column \"n\": \"1.5\" is not an integer (the type seen"),
            "{e}"
        );
        assert!(
            r(&["5", "a", "", "", "", ""])
                .unwrap_err()
                .contains("no field values")
        );
        assert!(
            r(&["x", "a", "1", "", "", ""])
                .unwrap_err()
                .contains("epoch time in s")
        );
        assert!(
            r(&["5", "a"])
                .unwrap_err()
                .contains("2 columns, the header 6")
        );
        assert!(
            r(&["5", "a\nb", "1", "", "", ""])
                .unwrap_err()
                .contains("line break")
        );
    }
}
