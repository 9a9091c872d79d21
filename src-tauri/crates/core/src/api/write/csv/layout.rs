//! How the columns of a CSV file become points: the user's [`CsvMapping`] (time column and
//! format, tags, fields, types, measurement) resolved against the header into a [`Layout`],
//! with field types inferred from the first rows where the mapping does not fix them; and the
//! InfluxDB 2 annotated CSV (`#datatype`, `#group`, `#default` rows) read as it is. Converting
//! one row with a layout is `convert.rs`'s job.

use std::collections::BTreeMap;

use ::csv::StringRecord;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::convert::TimeFormat;
use crate::error::{Error, Result};

/// Rows read to infer field types, unless the mapping says otherwise.
pub const DEFAULT_INFER_ROWS: usize = 100;

/// A field's type in InfluxDB.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, ts_rs::TS, Hash,
)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum CsvFieldType {
    Float,
    Integer,
    Unsigned,
    Boolean,
    String,
}

impl CsvFieldType {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "float" | "double" => Self::Float,
            "integer" | "int" | "long" => Self::Integer,
            "unsigned" | "uint" | "unsignedlong" => Self::Unsigned,
            "boolean" | "bool" => Self::Boolean,
            "string" | "str" => Self::String,
            _ => return None,
        })
    }
}

/// What a column is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum CsvRole {
    Time,
    Tag,
    Field,
    Measurement,
    Ignore,
    /// Annotated CSV: the column naming each row's field (`_field`).
    FieldName,
    /// Annotated CSV: the column holding each row's field value (`_value`).
    FieldValue,
}

/// How to read a CSV file as points. Columns not named as time, tag, measurement or ignored
/// are fields when `fields` is empty. An InfluxDB 2 annotated CSV ignores all of this but
/// `measurement` (used when it has no `_measurement` column): its annotations say it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema, ts_rs::TS)]
#[ts(export)]
pub struct CsvMapping {
    /// The column with each row's time; default: a column named `time`, `_time` or
    /// `timestamp` (any case), else the points get the server's clock.
    #[serde(default)]
    pub time_column: Option<String>,
    /// `rfc3339` (the default), `s`, `ms`, `us` or `ns` (epoch, decimals allowed), or a chrono
    /// pattern such as `%Y-%m-%d %H:%M:%S` (UTC unless the pattern has `%z`).
    #[serde(default)]
    pub time_format: Option<String>,
    /// Columns that are tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Columns that are fields; when empty, every column not used otherwise.
    #[serde(default)]
    pub fields: Vec<String>,
    /// Columns to leave out.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Field types by column, instead of the inferred ones.
    #[serde(default)]
    pub types: BTreeMap<String, CsvFieldType>,
    /// The measurement of every point (when no measurement column is given).
    #[serde(default)]
    pub measurement: Option<String>,
    /// The column holding each row's measurement.
    #[serde(default)]
    pub measurement_column: Option<String>,
    /// The separator, one character (default `,`).
    #[serde(default)]
    pub delimiter: Option<String>,
    /// Rows read to infer field types (default 100).
    #[serde(default)]
    pub infer_rows: Option<usize>,
}

/// One column as it will be used.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CsvColumn {
    pub name: String,
    pub role: CsvRole,
    /// The field type (fields and annotated values).
    #[serde(rename = "type")]
    pub kind: Option<CsvFieldType>,
    /// Whether the type was inferred from the first rows (not set by the mapping).
    pub inferred: bool,
}

/// The columns resolved against a header: what each is, how to read time, the defaults
/// of an annotated CSV.
#[derive(Debug, Clone)]
pub struct Layout {
    pub columns: Vec<CsvColumn>,
    pub time: TimeFormat,
    /// Per column, the value of an empty cell (annotated `#default`).
    pub defaults: Vec<Option<String>>,
    pub measurement: Option<String>,
    pub annotated: bool,
}

impl CsvMapping {
    /// The delimiter as a byte.
    pub fn delimiter_byte(&self) -> Result<u8> {
        match self.delimiter.as_deref() {
            None | Some("") => Ok(b','),
            Some("\\t") | Some("tab") => Ok(b'\t'),
            Some(d) if d.len() == 1 => Ok(d.as_bytes()[0]),
            Some(d) => Err(Error::invalid(format!(
                "delimiter {d:?} is not one ASCII character: give e.g. `,`, `;` or `\\t`"
            ))),
        }
    }
}

fn find(header: &StringRecord, name: &str, what: &str) -> Result<usize> {
    header.iter().position(|h| h == name).ok_or_else(|| {
        let have: Vec<&str> = header.iter().collect();
        Error::invalid(format!(
            "the {what} column \"{name}\" is not in the CSV header (its columns: {})",
            have.join(", ")
        ))
    })
}

/// The layout of a plain CSV from its `header`, the `mapping`, and the first data `rows`
/// (for types the mapping does not fix).
pub fn plain(header: &StringRecord, mapping: &CsvMapping, rows: &[StringRecord]) -> Result<Layout> {
    let n = header.len();
    let mut roles: Vec<Option<CsvRole>> = vec![None; n];
    let set = |i: usize, role: CsvRole, roles: &mut Vec<Option<CsvRole>>| match roles[i] {
        Some(r) if r != role => Err(Error::invalid(format!(
            "column \"{}\" is given two roles ({r:?} and {role:?}): give each column one",
            &header[i]
        ))),
        _ => {
            roles[i] = Some(role);
            Ok(())
        }
    };
    let time = match mapping.time_column.as_deref().filter(|s| !s.is_empty()) {
        Some(t) => Some(find(header, t, "time")?),
        None => header.iter().position(|h| {
            matches!(
                h.to_ascii_lowercase().as_str(),
                "time" | "_time" | "timestamp"
            )
        }),
    };
    if let Some(i) = time {
        set(i, CsvRole::Time, &mut roles)?;
    }
    let measurement_col = mapping
        .measurement_column
        .as_deref()
        .filter(|s| !s.is_empty());
    match (
        measurement_col,
        mapping.measurement.as_deref().map(str::trim),
    ) {
        (Some(_), Some(m)) if !m.is_empty() => {
            return Err(Error::invalid(
                "give the measurement as a constant or as a column, not both",
            ));
        }
        (Some(c), _) => set(
            find(header, c, "measurement")?,
            CsvRole::Measurement,
            &mut roles,
        )?,
        (None, Some(m)) if !m.is_empty() => {}
        _ => {
            return Err(Error::invalid(
                "no measurement: give one (--measurement NAME) or the column that holds it \
                 (--measurement-column COLUMN)",
            ));
        }
    }
    for t in &mapping.tags {
        set(find(header, t, "tag")?, CsvRole::Tag, &mut roles)?;
    }
    for c in &mapping.ignore {
        set(find(header, c, "ignored")?, CsvRole::Ignore, &mut roles)?;
    }
    for f in &mapping.fields {
        set(find(header, f, "field")?, CsvRole::Field, &mut roles)?;
    }
    for name in mapping.types.keys() {
        let i = find(header, name, "typed")?;
        if roles[i].is_some_and(|r| r != CsvRole::Field) {
            return Err(Error::invalid(format!(
                "column \"{name}\" has a type but is not a field"
            )));
        }
    }
    let rest = if mapping.fields.is_empty() {
        CsvRole::Field
    } else {
        CsvRole::Ignore
    };
    let mut columns = Vec::with_capacity(n);
    for (i, name) in header.iter().enumerate() {
        let role = roles[i].unwrap_or(rest);
        let (kind, inferred) = match role {
            CsvRole::Field => match mapping.types.get(name) {
                Some(t) => (Some(*t), false),
                None => (Some(infer(rows.iter().filter_map(|r| r.get(i)))), true),
            },
            _ => (None, false),
        };
        columns.push(CsvColumn {
            name: name.to_string(),
            role,
            kind,
            inferred,
        });
    }
    if !columns.iter().any(|c| c.role == CsvRole::Field) {
        return Err(Error::invalid(
            "no field columns: a point needs at least one field (name them with --fields, or \
             leave some columns unassigned)",
        ));
    }
    let time = TimeFormat::parse(mapping.time_format.as_deref())?;
    Ok(Layout {
        defaults: vec![None; n],
        columns,
        time,
        measurement: mapping.measurement.clone().filter(|m| !m.trim().is_empty()),
        annotated: false,
    })
}

/// The type the non-empty `values` fit: integer, else float, else boolean, else string
/// (string when there are none).
pub fn infer<'a>(values: impl Iterator<Item = &'a str>) -> CsvFieldType {
    let (mut int, mut float, mut boolean, mut any) = (true, true, true, false);
    for v in values.map(str::trim).filter(|v| !v.is_empty()) {
        any = true;
        int &= v.parse::<i64>().is_ok();
        float &= v.parse::<f64>().is_ok_and(f64::is_finite);
        boolean &= matches!(v.to_ascii_lowercase().as_str(), "true" | "false");
    }
    match (any, int, float, boolean) {
        (false, ..) => CsvFieldType::String,
        (_, true, ..) => CsvFieldType::Integer,
        (_, _, true, _) => CsvFieldType::Float,
        (_, _, _, true) => CsvFieldType::Boolean,
        _ => CsvFieldType::String,
    }
}

/// Whether a record starts an annotation row.
pub fn is_annotation(r: &StringRecord) -> bool {
    r.get(0).is_some_and(|c| c.starts_with('#'))
}

/// The layout of an annotated CSV table from its annotation rows and header. Columns
/// `_measurement`, `_field`, `_value`, `_time` as in a Flux result (`result`, `table`,
/// `_start`, `_stop` left out, other columns tags); or the extended `#datatype` words
/// `measurement`, `tag`, `field`, `time`/`dateTime`, `ignored` and the data types (fields).
pub fn annotated(
    annotations: &[StringRecord],
    header: &StringRecord,
    mapping: &CsvMapping,
    line: usize,
) -> Result<Layout> {
    let row = |name: &str| {
        annotations
            .iter()
            .rev()
            .find(|r| r.get(0).is_some_and(|c| c.trim() == name))
    };
    let datatype = row("#datatype");
    let default = row("#default");
    let n = header.len();
    let cell = |r: Option<&StringRecord>, i: usize| {
        r.and_then(|r| r.get(i))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let flux = header.iter().any(|h| h == "_value") && header.iter().any(|h| h == "_field");
    let mut time = TimeFormat::Rfc3339;
    let mut columns = Vec::with_capacity(n);
    for (i, name) in header.iter().enumerate() {
        let dt = cell(datatype, i).unwrap_or_default();
        let (base, arg) = dt.split_once(':').unwrap_or((dt.as_str(), ""));
        let base_lc = base.to_ascii_lowercase();
        let data = match base_lc.as_str() {
            "double" => Some(CsvFieldType::Float),
            "long" => Some(CsvFieldType::Integer),
            "unsignedlong" => Some(CsvFieldType::Unsigned),
            "boolean" => Some(CsvFieldType::Boolean),
            "string" | "duration" | "" => Some(CsvFieldType::String),
            _ => None,
        };
        let is_time = base_lc == "datetime" || base_lc == "time" || name == "_time";
        if is_time && (name == "_time" || !flux) {
            time = match arg.to_ascii_lowercase().as_str() {
                "" | "rfc3339" | "rfc3339nano" => TimeFormat::AnnotatedAuto,
                "number" => TimeFormat::Epoch(9),
                _ => TimeFormat::parse(Some(arg))?,
            };
        }
        let (role, kind) = if i == 0 && name.is_empty() {
            (CsvRole::Ignore, None)
        } else if flux {
            match name {
                "_measurement" => (CsvRole::Measurement, None),
                "_field" => (CsvRole::FieldName, None),
                "_value" => (CsvRole::FieldValue, data.or(Some(CsvFieldType::String))),
                "_time" => (CsvRole::Time, None),
                "result" | "table" | "_start" | "_stop" => (CsvRole::Ignore, None),
                _ => (CsvRole::Tag, None),
            }
        } else {
            match base_lc.as_str() {
                "measurement" => (CsvRole::Measurement, None),
                "tag" => (CsvRole::Tag, None),
                "ignore" | "ignored" => (CsvRole::Ignore, None),
                "field" => (CsvRole::Field, Some(CsvFieldType::Float)),
                _ if is_time => (CsvRole::Time, None),
                _ => match data {
                    Some(_) if name == "_measurement" => (CsvRole::Measurement, None),
                    Some(t) => (CsvRole::Field, Some(t)),
                    None => {
                        return Err(Error::invalid(format!(
                            "line {line}: column \"{name}\" has the unknown #datatype {dt:?} \
                             (expected measurement, tag, field, dateTime, double, long, \
                             unsignedLong, boolean, string or ignored)"
                        )));
                    }
                },
            }
        };
        columns.push(CsvColumn {
            name: name.to_string(),
            role,
            kind,
            inferred: false,
        });
    }
    let has_measurement = columns.iter().any(|c| c.role == CsvRole::Measurement);
    let measurement = mapping.measurement.clone().filter(|m| !m.trim().is_empty());
    if !has_measurement && measurement.is_none() {
        return Err(Error::invalid(format!(
            "line {line}: the annotated CSV has no _measurement (or #datatype measurement) \
             column: give the measurement (--measurement NAME)"
        )));
    }
    let has_value = columns
        .iter()
        .any(|c| matches!(c.role, CsvRole::Field | CsvRole::FieldValue));
    if !has_value {
        return Err(Error::invalid(format!(
            "line {line}: the annotated CSV has no field column (_field and _value, or a \
             #datatype field/double/long/... column)"
        )));
    }
    Ok(Layout {
        defaults: (0..n).map(|i| cell(default, i)).collect(),
        columns,
        time,
        measurement,
        annotated: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(s: &[&str]) -> StringRecord {
        StringRecord::from(s.to_vec())
    }

    #[test]
    fn types_are_inferred_from_the_values_seen() {
        assert_eq!(infer(["1", "2", ""].into_iter()), CsvFieldType::Integer);
        assert_eq!(infer(["1", "2.5"].into_iter()), CsvFieldType::Float);
        assert_eq!(infer(["true", "FALSE"].into_iter()), CsvFieldType::Boolean);
        assert_eq!(infer(["1", "x"].into_iter()), CsvFieldType::String);
        assert_eq!(
            infer(["NaN"].into_iter()),
            CsvFieldType::String,
            "not a finite number"
        );
        assert_eq!(infer(["", " "].into_iter()), CsvFieldType::String);
    }

    #[test]
    fn a_plain_layout_takes_roles_from_the_mapping_and_types_from_the_rows() {
        let header = rec(&["time", "host", "usage", "ok", "note"]);
        let rows = [rec(&["1", "a", "1.5", "true", "x"])];
        let m = CsvMapping {
            tags: vec!["host".into()],
            measurement: Some("cpu".into()),
            types: [("usage".to_string(), CsvFieldType::Float)].into(),
            ..CsvMapping::default()
        };
        let l = plain(&header, &m, &rows).unwrap();
        let roles: Vec<_> = l.columns.iter().map(|c| (c.role, c.kind)).collect();
        assert_eq!(
            roles,
            vec![
                (CsvRole::Time, None),
                (CsvRole::Tag, None),
                (CsvRole::Field, Some(CsvFieldType::Float)),
                (CsvRole::Field, Some(CsvFieldType::Boolean)),
                (CsvRole::Field, Some(CsvFieldType::String)),
            ],
            "time found by name, the rest fields"
        );
        assert!(!l.columns[2].inferred && l.columns[3].inferred);

        let e = plain(&header, &CsvMapping::default(), &rows).unwrap_err();
        assert!(e.message().contains("no measurement"), "{}", e.message());
        let bad = CsvMapping {
            tags: vec!["nope".into()],
            ..m.clone()
        };
        let e = plain(&header, &bad, &rows).unwrap_err();
        assert!(
            e.message()
                .contains("\"nope\" is not in the CSV header (its columns: time, host"),
            "{}",
            e.message()
        );
        let twice = CsvMapping {
            fields: vec!["host".into()],
            ..m
        };
        assert!(
            plain(&header, &twice, &rows).is_err(),
            "a tag cannot be a field too"
        );
    }

    #[test]
    fn a_flux_result_is_read_by_its_annotations() {
        let ann = [
            rec(&[
                "#group", "false", "false", "true", "true", "false", "false", "true", "true",
            ]),
            rec(&[
                "#datatype",
                "string",
                "long",
                "dateTime:RFC3339",
                "dateTime:RFC3339",
                "dateTime:RFC3339",
                "double",
                "string",
                "string",
            ]),
            rec(&["#default", "_result", "", "", "", "", "", "", ""]),
        ];
        let header = rec(&[
            "", "result", "table", "_start", "_stop", "_time", "_value", "_field", "host",
        ]);
        let l = annotated(&ann, &header, &CsvMapping::default(), 4);
        let e = l.unwrap_err();
        assert!(e.message().contains("no _measurement"), "{}", e.message());
        let m = CsvMapping {
            measurement: Some("cpu".into()),
            ..CsvMapping::default()
        };
        let l = annotated(&ann, &header, &m, 4).unwrap();
        let roles: Vec<_> = l.columns.iter().map(|c| c.role).collect();
        use CsvRole::*;
        assert_eq!(
            roles,
            vec![
                Ignore, Ignore, Ignore, Ignore, Ignore, Time, FieldValue, FieldName, Tag
            ]
        );
        assert_eq!(l.columns[6].kind, Some(CsvFieldType::Float));
        assert_eq!(l.defaults[1].as_deref(), Some("_result"));
    }
}
