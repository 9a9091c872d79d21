//! From query frames to chart series: one series per numeric column per frame (and per group of
//! string values, for results that keep tags as columns). Strings are not charted; booleans
//! chart as 0/1; rows whose time or value is null are skipped.

use std::collections::{BTreeMap, HashMap};

use crate::model::{Cell, ColumnType, Frame, Values};

/// One line on a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Stable identity, used for colors, legend toggles and the right axis:
    /// `<frame name>.<column> k=v,k=v` (tags sorted; the frame name and its dot are left out
    /// when the frame has no name; a Flux `_value` column is named by its `_field`).
    pub key: String,
    /// What the legend shows: the key without the parts every series shares.
    pub name: String,
    /// `(epoch ns, value)`, sorted by time.
    pub points: Vec<(i64, f64)>,
}

/// String columns with more distinct combinations than this are treated as fields (not
/// charted), not as tags to split series by.
const MAX_GROUPS: usize = 50;

struct Draft {
    measurement: String,
    label: String,
    tags: BTreeMap<String, String>,
    points: Vec<(i64, f64)>,
}

/// One series per numeric (float, integer, unsigned, boolean as 0/1) non-time column of each
/// frame. A frame without tags whose tags come as string columns (SQL, InfluxQL without GROUP
/// BY) is split by the values of its string columns when there are at most 50 combinations. Frames without a
/// time column use the row number as time (useful for single stat and table charts). Series
/// with no points are left out.
pub fn series_from_frames(frames: &[Frame]) -> Vec<Series> {
    let mut drafts: Vec<Draft> = Vec::new();
    for frame in frames {
        frame_series(frame, &mut drafts);
    }
    name_series(drafts)
}

fn time_column(frame: &Frame) -> Option<usize> {
    let is_time = |i: &usize| frame.columns[*i].kind == ColumnType::Time;
    let idx = 0..frame.columns.len();
    idx.clone()
        .filter(is_time)
        .find(|i| matches!(frame.columns[*i].name.as_str(), "_time" | "time"))
        .or_else(|| idx.clone().find(|i| frame.columns[*i].name == "time"))
        .or_else(|| idx.clone().find(is_time))
}

/// A number to chart: numbers, and booleans as 0/1.
fn number(c: Cell) -> Option<f64> {
    match c {
        Cell::Boolean(b) => Some(f64::from(u8::from(b))),
        c => c.as_f64().filter(|x| x.is_finite()),
    }
}

/// Row `i`'s number, read straight from typed storage.
fn number_at(values: &Values, i: usize) -> Option<f64> {
    match values {
        Values::Float(v) => v.get(i).copied().flatten(),
        Values::Integer(v) => v.get(i).copied().flatten().map(|x| x as f64),
        other => number(other.get(i)?),
    }
}

/// A time column's epoch nanoseconds (time cells, RFC 3339 text or integers).
fn time_values(values: &Values) -> Vec<Option<i64>> {
    match values {
        Values::Time(v) => v.clone(),
        other => other.iter().map(Cell::time_ns).collect(),
    }
}

fn frame_series(frame: &Frame, out: &mut Vec<Draft>) {
    let rows = frame.rows();
    let tcol = time_column(frame);
    let times: Vec<Option<i64>> = match tcol {
        Some(i) => time_values(&frame.columns[i].values),
        None => (0..rows as i64).map(Some).collect(),
    };
    let numeric: Vec<usize> = (0..frame.columns.len())
        .filter(|i| Some(*i) != tcol)
        .filter(|i| {
            let c = &frame.columns[*i];
            match c.kind {
                ColumnType::Float
                | ColumnType::Integer
                | ColumnType::Unsigned
                | ColumnType::Boolean => true,
                // Untyped (e.g. JSON Lines with mixed nulls): numeric if every value is.
                ColumnType::Unknown => {
                    c.cells().any(|v| !v.is_null())
                        && c.cells().all(|v| v.is_null() || number(v).is_some())
                }
                _ => false,
            }
        })
        .collect();
    if numeric.is_empty() {
        return;
    }

    // Tags kept as string columns: split rows by their values.
    let strings: Vec<usize> = (0..frame.columns.len())
        .filter(|i| Some(*i) != tcol && frame.columns[*i].kind == ColumnType::String)
        .collect();
    let mut group_of_row: Vec<usize> = vec![0; rows];
    let mut groups: Vec<Vec<&str>> = vec![Vec::new()];
    // Only frames without tags: a frame that has tags (v1 GROUP BY, Flux group keys) keeps
    // its other strings as fields.
    if !strings.is_empty() && frame.tags.is_empty() {
        let mut seen: HashMap<Vec<&str>, usize> = HashMap::new();
        let mut found: Vec<Vec<&str>> = Vec::new();
        let mut ok = true;
        for (r, g) in group_of_row.iter_mut().enumerate() {
            let k: Vec<&str> = strings
                .iter()
                .map(|c| frame.columns[*c].str_at(r).unwrap_or(""))
                .collect();
            let next = found.len();
            let id = *seen.entry(k.clone()).or_insert(next);
            if id == next {
                found.push(k);
                if found.len() > MAX_GROUPS {
                    ok = false;
                    break;
                }
            }
            *g = id;
        }
        if ok && !found.is_empty() {
            groups = found;
        } else {
            group_of_row.iter_mut().for_each(|g| *g = 0);
        }
    }
    let split = groups.len() > 1 || !groups[0].is_empty();

    for (gi, gvals) in groups.iter().enumerate() {
        for &ci in &numeric {
            let col = &frame.columns[ci];
            let mut tags = frame.tags.clone();
            if split {
                for (si, v) in strings.iter().zip(gvals) {
                    if !v.is_empty() {
                        tags.insert(frame.columns[*si].name.clone(), v.to_string());
                    }
                }
            }
            let label = match (col.name.as_str(), tags.remove("_field")) {
                ("_value", Some(field)) => field,
                (_, Some(field)) => {
                    tags.insert("_field".into(), field);
                    col.name.clone()
                }
                (_, None) => col.name.clone(),
            };
            let mut points: Vec<(i64, f64)> = (0..rows.min(col.len()))
                .filter(|r| group_of_row[*r] == gi)
                .filter_map(|r| Some((times[r]?, number_at(&col.values, r)?)))
                .collect();
            if points.is_empty() {
                continue;
            }
            if !points.is_sorted_by_key(|p| p.0) {
                points.sort_by_key(|p| p.0);
            }
            out.push(Draft {
                measurement: frame.name.clone(),
                label,
                tags,
                points,
            });
        }
    }
}

fn tag_text<'a>(tags: impl Iterator<Item = (&'a String, &'a String)>) -> String {
    tags.map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Keys carry everything; names drop the measurement when all series share it and the tags
/// whose value is the same in every series.
fn name_series(drafts: Vec<Draft>) -> Vec<Series> {
    let one_measurement = drafts
        .windows(2)
        .all(|w| w[0].measurement == w[1].measurement);
    let shared: BTreeMap<&String, &String> = match drafts.split_first() {
        Some((first, rest)) if !rest.is_empty() => first
            .tags
            .iter()
            .filter(|(k, v)| rest.iter().all(|d| d.tags.get(*k) == Some(*v)))
            .collect(),
        Some((first, _)) => first.tags.iter().collect(),
        None => BTreeMap::new(),
    };
    let mut used: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::with_capacity(drafts.len());
    for d in &drafts {
        let head = if d.measurement.is_empty() {
            d.label.clone()
        } else {
            format!("{}.{}", d.measurement, d.label)
        };
        let all_tags = tag_text(d.tags.iter());
        let mut key = if all_tags.is_empty() {
            head.clone()
        } else {
            format!("{head} {all_tags}")
        };
        let n = used.entry(key.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            key = format!("{key} #{n}");
        }
        let own_tags = tag_text(d.tags.iter().filter(|(k, _)| !shared.contains_key(k)));
        let base = if one_measurement { &d.label } else { &head };
        let name = if own_tags.is_empty() {
            base.clone()
        } else {
            format!("{base} {own_tags}")
        };
        out.push(Series {
            key,
            name,
            points: d.points.clone(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Column;
    use serde_json::{Value, json};

    fn col(name: &str, kind: ColumnType, values: Vec<Value>) -> Column {
        Column::new(name, kind, values)
    }

    #[test]
    fn v1_frames_become_one_series_per_numeric_column() {
        let frames: Vec<Frame> = ["a", "b"]
            .iter()
            .map(|host| Frame {
                name: "cpu".into(),
                tags: [("host".to_string(), host.to_string())].into(),
                columns: vec![
                    col(
                        "time",
                        ColumnType::Time,
                        vec![json!("2024-05-01T10:00:00Z"), json!("2024-05-01T10:01:00Z")],
                    ),
                    col("usage", ColumnType::Float, vec![json!(1.5), Value::Null]),
                    col("up", ColumnType::Boolean, vec![json!(true), json!(false)]),
                    col("note", ColumnType::String, vec![json!("x"), json!("y")]),
                ],
            })
            .collect();
        let s = series_from_frames(&frames);
        let keys: Vec<&str> = s.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "cpu.usage host=a",
                "cpu.up host=a",
                "cpu.usage host=b",
                "cpu.up host=b"
            ],
            "string fields are not charted; booleans are"
        );
        assert_eq!(s[0].points.len(), 1, "the null value row is skipped");
        assert_eq!(
            s[0].name, "usage host=a",
            "the shared measurement is left out"
        );
        assert_eq!(
            s[1].points,
            vec![
                (1_714_557_600_000_000_000, 1.0),
                (1_714_557_660_000_000_000, 0.0)
            ]
        );
    }

    #[test]
    fn flux_value_columns_are_named_by_field_and_sql_tags_split_series() {
        let flux = Frame {
            name: "cpu".into(),
            tags: [
                ("_field".to_string(), "usage_user".to_string()),
                ("host".to_string(), "a".to_string()),
            ]
            .into(),
            columns: vec![
                col(
                    "_start",
                    ColumnType::Time,
                    vec![json!("2024-05-01T00:00:00Z")],
                ),
                col(
                    "_time",
                    ColumnType::Time,
                    vec![json!("2024-05-01T10:00:00Z")],
                ),
                col("_value", ColumnType::Float, vec![json!(3.0)]),
            ],
        };
        let s = series_from_frames(&[flux]);
        assert_eq!(s[0].key, "cpu.usage_user host=a");
        assert_eq!(s[0].name, "usage_user");
        assert_eq!(
            s[0].points[0].0, 1_714_557_600_000_000_000,
            "_time, not _start"
        );

        let sql = Frame {
            name: String::new(),
            tags: BTreeMap::new(),
            columns: vec![
                col(
                    "host",
                    ColumnType::String,
                    vec![json!("a"), json!("b"), json!("a")],
                ),
                col(
                    "time",
                    ColumnType::Time,
                    vec![
                        json!("2024-05-01T10:02:00Z"),
                        json!("2024-05-01T10:00:00Z"),
                        json!("2024-05-01T10:00:00Z"),
                    ],
                ),
                col("v", ColumnType::Integer, vec![json!(1), json!(2), json!(3)]),
            ],
        };
        let s = series_from_frames(&[sql]);
        assert_eq!(s.len(), 2);
        assert_eq!(
            (s[0].key.as_str(), s[0].name.as_str()),
            ("v host=a", "v host=a")
        );
        assert!(
            s[0].points.windows(2).all(|w| w[0].0 <= w[1].0),
            "points are sorted by time"
        );
        assert_eq!(
            s[0].points.iter().map(|p| p.1).collect::<Vec<_>>(),
            [3.0, 1.0]
        );
    }

    #[test]
    fn frames_without_numbers_give_nothing() {
        let f = Frame {
            name: "m".into(),
            tags: BTreeMap::new(),
            columns: vec![
                col(
                    "time",
                    ColumnType::Time,
                    vec![json!("2024-05-01T10:00:00Z")],
                ),
                col("s", ColumnType::String, vec![json!("x")]),
            ],
        };
        assert!(series_from_frames(&[f]).is_empty());
        assert!(series_from_frames(&[]).is_empty());
    }
}
