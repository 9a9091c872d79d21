//! Queries and their results: time ranges, languages, requests, columns and frames.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{ApiKind, Cell, Values};

/// Query languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum QueryLanguage {
    Influxql,
    Flux,
    Sql,
}

impl QueryLanguage {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "influxql" | "iql" => Some(Self::Influxql),
            "flux" => Some(Self::Flux),
            "sql" => Some(Self::Sql),
            _ => None,
        }
    }

    /// A query that reads as Flux: a pipe, `from(` or a leading `import "`.
    pub fn looks_like_flux(q: &str) -> bool {
        q.contains("|>") || q.contains("from(") || q.trim_start().starts_with("import \"")
    }

    /// The language a query runs in: the one named, Flux by its looks, else what the server
    /// speaks besides Flux (SQL on 3.x, InfluxQL on 1.x/2.x). `None` when the server's kind
    /// is not known yet (an `auto` profile not probed).
    pub fn for_query(q: &str, named: Option<Self>, api: Option<ApiKind>) -> Option<Self> {
        if named.is_some() {
            return named;
        }
        if Self::looks_like_flux(q) {
            return Some(Self::Flux);
        }
        match api? {
            ApiKind::V3 => Some(Self::Sql),
            ApiKind::V1 | ApiKind::V2 => Some(Self::Influxql),
            ApiKind::Auto => None,
        }
    }

    /// The language's name as people write it: InfluxQL, Flux, SQL.
    pub fn name(self) -> &'static str {
        match self {
            Self::Influxql => "InfluxQL",
            Self::Flux => "Flux",
            Self::Sql => "SQL",
        }
    }
}

/// Run a query on a profile.
#[derive(Debug, Clone, Deserialize, JsonSchema, TS)]
#[ts(export)]
pub struct RunQueryReq {
    /// Profile id or name; the active profile when absent.
    #[serde(default)]
    pub profile: Option<String>,
    /// influxql, flux or sql; the profile's natural language when absent (v1: influxql,
    /// v2: flux, v3: sql).
    #[serde(default)]
    pub language: Option<QueryLanguage>,
    /// Database (v1/v3, `db` or `db/rp` on v1) or bucket; the profile's default when absent.
    #[serde(default)]
    pub database: Option<String>,
    /// The query text.
    pub query: String,
    /// Stop after this many rows in all (default: the settings' row limit).
    #[serde(default)]
    pub row_limit: Option<usize>,
    /// The time range: `$timeFilter` (InfluxQL, SQL), `v.timeRangeStart`/`v.timeRangeStop`
    /// (Flux) and `$interval`/`v.windowPeriod` follow it; a SELECT with no time bound gets it.
    #[serde(default)]
    pub time_range: Option<TimeRange>,
    /// Names this run so it can be cancelled, and its result charted or exported.
    #[serde(default)]
    pub query_id: Option<String>,
}

/// Column data types, as InfluxDB reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum ColumnType {
    Time,
    Float,
    Integer,
    Unsigned,
    String,
    Boolean,
    /// Not known (e.g. all values null).
    Unknown,
}

/// One column of a frame. `values[i]` is row i; time values are RFC 3339 strings in UTC with
/// up to nanosecond precision; absent values are null.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Column {
    pub name: String,
    pub kind: ColumnType,
    // Stored by type ([`Values`]: times as epoch nanoseconds, numbers, text in one buffer);
    // serialized as the JSON array described above.
    #[ts(type = "Array<string | number | boolean | null>")]
    pub values: Values,
}

impl Column {
    /// A column of these values (JSON values are stored by type).
    pub fn new(name: impl Into<String>, kind: ColumnType, values: impl Into<Values>) -> Column {
        Column {
            name: name.into(),
            kind,
            values: values.into(),
        }
    }
    pub fn len(&self) -> usize {
        self.values.len()
    }
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
    /// Row `i` read in place (null past the end).
    pub fn cell(&self, i: usize) -> Cell<'_> {
        self.values.get(i).unwrap_or(Cell::Null)
    }
    /// Row `i` as JSON (null past the end), for code off the hot paths.
    pub fn value(&self, i: usize) -> serde_json::Value {
        self.values.value(i)
    }
    /// Row `i` as a number (integers and floats; not booleans or text).
    pub fn f64_at(&self, i: usize) -> Option<f64> {
        self.cell(i).as_f64()
    }
    /// Row `i` as epoch nanoseconds (a time, RFC 3339 text or an integer).
    pub fn time_ns_at(&self, i: usize) -> Option<i64> {
        self.cell(i).time_ns()
    }
    /// Row `i` when it is text.
    pub fn str_at(&self, i: usize) -> Option<&str> {
        self.cell(i).as_str()
    }
    /// Every row, read in place.
    pub fn cells(&self) -> super::Cells<'_> {
        self.values.iter()
    }
}

/// One table of results: a series (v1), a table (Flux) or a result set (SQL).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Frame {
    /// Measurement or table name ("" when the server gives none).
    pub name: String,
    /// Group-by tags of this series.
    pub tags: BTreeMap<String, String>,
    pub columns: Vec<Column>,
}

impl Frame {
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |c| c.len())
    }
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// The result of a query: frames in the order the server gave them.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct QueryResult {
    pub frames: Vec<Frame>,
    pub language: QueryLanguage,
    /// Total rows over all frames.
    pub rows: usize,
    /// True when rows were dropped because of the row limit.
    pub truncated: bool,
    pub row_limit: usize,
    pub elapsed_ms: f64,
    /// The query text as sent, after time-range substitution.
    pub executed_query: String,
    /// The query id this result is kept under for charts and exports, when one was given.
    pub query_id: Option<String>,
}

/// Rows of a frame sent to the window at a time: the head of each frame, and each page the
/// table reads after it (`query::rows`).
pub const PAGE_ROWS: usize = 500;
/// At most this many rows in a result's head over all its frames: frames past it start with no
/// rows (the table reads a frame's first page when it is picked).
pub const HEAD_ROWS: usize = 20_000;
/// The most rows one page may ask for.
pub const MAX_PAGE_ROWS: usize = 5_000;

impl QueryResult {
    /// The result as the window gets it: everything but the rows past each frame's first page
    /// (see [`ResultHead`]). A result kept under no query id has nowhere to read pages from,
    /// so its head holds every row.
    pub fn head(&self) -> ResultHead {
        let mut budget = if self.query_id.is_some() {
            HEAD_ROWS
        } else {
            usize::MAX
        };
        let page = if self.query_id.is_some() {
            PAGE_ROWS
        } else {
            usize::MAX
        };
        let frames = self
            .frames
            .iter()
            .map(|f| {
                let n = f.rows().min(page).min(budget);
                budget -= n;
                FrameHead {
                    name: f.name.clone(),
                    tags: f.tags.clone(),
                    rows: f.rows(),
                    columns: f.page(0, n),
                }
            })
            .collect();
        ResultHead {
            frames,
            language: self.language,
            rows: self.rows,
            truncated: self.truncated,
            row_limit: self.row_limit,
            elapsed_ms: self.elapsed_ms,
            executed_query: self.executed_query.clone(),
            query_id: self.query_id.clone(),
        }
    }
}

impl Frame {
    /// Rows `offset..offset + n` (clamped to the frame) of every column.
    pub fn page(&self, offset: usize, n: usize) -> Vec<Column> {
        self.columns
            .iter()
            .map(|c| Column {
                name: c.name.clone(),
                kind: c.kind,
                values: c.values.slice(offset..offset.saturating_add(n)),
            })
            .collect()
    }
}

/// A result as the window gets it from a run: the run's summary and each frame's first rows
/// (a page; all of them when the frame is small). The rest stays in the kept result, and the
/// table reads it a page at a time ([`RowPage`]), so a million-row result does not cross to
/// the window as JSON when the chart is drawn from the kept result anyway.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ResultHead {
    pub frames: Vec<FrameHead>,
    pub language: QueryLanguage,
    /// Total rows over all frames.
    pub rows: usize,
    /// True when rows were dropped because of the row limit.
    pub truncated: bool,
    pub row_limit: usize,
    pub elapsed_ms: f64,
    /// The query text as sent, after time-range substitution.
    pub executed_query: String,
    /// The query id the whole result is kept under (for pages, charts and exports).
    pub query_id: Option<String>,
}

/// A frame's name, tags and size, and its first rows: `columns[c].values` holds rows
/// `0..columns[c].values.length` of the frame's `rows`.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct FrameHead {
    pub name: String,
    pub tags: BTreeMap<String, String>,
    /// Rows in the whole frame.
    pub rows: usize,
    pub columns: Vec<Column>,
}

/// Rows `offset..` of one frame of a kept result (as many as asked for, fewer at its end).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct RowPage {
    pub frame: usize,
    pub offset: usize,
    /// Rows in the whole frame.
    pub rows: usize,
    pub columns: Vec<Column>,
}

/// The time range a query runs over (the time picker's value, or an MCP `time_range`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum TimeRange {
    /// From `duration` ago until now, e.g. "5m", "6h", "30d".
    Relative { duration: String },
    /// A fixed window; RFC 3339 timestamps.
    Absolute { from: String, to: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_detected() {
        use QueryLanguage::*;
        let flux = "from(bucket: \"b\") |> range(start: -1h)";
        assert_eq!(
            QueryLanguage::for_query(flux, None, Some(ApiKind::V1)),
            Some(Flux)
        );
        assert_eq!(
            QueryLanguage::for_query("SELECT 1", None, Some(ApiKind::V2)),
            Some(Influxql)
        );
        assert_eq!(
            QueryLanguage::for_query("SELECT 1", None, Some(ApiKind::V3)),
            Some(Sql)
        );
        assert_eq!(
            QueryLanguage::for_query("SHOW DATABASES", None, Some(ApiKind::V1)),
            Some(Influxql)
        );
        assert_eq!(
            QueryLanguage::for_query("SELECT 1", Some(Sql), Some(ApiKind::V1)),
            Some(Sql)
        );
        assert_eq!(QueryLanguage::for_query("SELECT 1", None, None), None);
    }
}
