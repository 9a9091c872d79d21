//! The tools' parameters and structured results. Names and parameters follow the seed's
//! InfluxDB MCP server (extended, never renamed); doc comments are the schema text an assistant
//! reads in `tools/list`, so they say what a value looks like and what happens when it is left
//! out. Core's request types are built from these in the tool modules.

use std::collections::BTreeMap;

use influxdesk_core::chart::ChartSpec;
use influxdesk_core::model::{Frame, Precision, QueryLanguage};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

// Schema only: values arrive as JSON and `write-metrics` checks them itself, so a wrong one is
// a clear tool error rather than a protocol error.
/// A field value: a number, a string or a boolean.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum FieldValueSchema {
    Number(f64),
    Text(String),
    Boolean(bool),
}

/// One point.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct PointParams {
    /// Measurement name, e.g. "cpu".
    #[serde(default)]
    pub measurement: Option<String>,
    /// Tags: indexed string metadata that identifies the series, e.g. {"host": "web-1"}.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub tags: BTreeMap<String, Value>,
    /// Field values, at least one: numbers, strings or booleans, e.g. {"usage": 0.52,
    /// "state": "ok"}. Numbers are written as floats, or as integers when the field already
    /// holds integers.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, FieldValueSchema>")]
    pub fields: BTreeMap<String, Value>,
    /// When the point happened, RFC 3339, e.g. "2024-05-01T12:00:00Z"; the server's clock when
    /// absent.
    #[serde(default)]
    pub timestamp: Option<String>,
}

/// `write-metrics`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct WriteMetricsParams {
    /// Where to write: database (InfluxDB 1.x `db` or `db/rp`, 3.x) or bucket (2.x); the
    /// connection's default when absent.
    #[serde(default)]
    pub bucket: Option<String>,
    /// Measurement name of the point, e.g. "cpu".
    #[serde(default)]
    pub measurement: Option<String>,
    /// Tags: indexed string metadata that identifies the series, e.g. {"host": "web-1"}.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub tags: BTreeMap<String, Value>,
    /// Field values, at least one: numbers, strings or booleans, e.g. {"usage": 0.52,
    /// "state": "ok"}. Numbers are written as floats, or as integers when the field already
    /// holds integers.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, FieldValueSchema>")]
    pub fields: BTreeMap<String, Value>,
    /// When the point happened, RFC 3339, e.g. "2024-05-01T12:00:00Z"; the server's clock when
    /// absent.
    #[serde(default)]
    pub timestamp: Option<String>,
    /// The precision timestamps are stored with: ns (default), us, ms or s. Finer parts of a
    /// timestamp are cut off.
    #[serde(default)]
    pub precision: Option<Precision>,
    /// More points written in the same batch (with the point above, if one is given). The
    /// whole batch is checked first: if one point is wrong, nothing is written.
    #[serde(default)]
    pub points: Vec<PointParams>,
}

/// What `write-metrics` wrote.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct WriteMetricsResult {
    /// The database/bucket written to.
    pub bucket: String,
    /// Points the server stored.
    pub points: usize,
    /// Points the server did not store (a partial write); 0 when all landed.
    pub dropped: usize,
    /// Points whose fate the server did not tell (a partly refused batch without a count).
    pub uncertain: usize,
    /// The server's own words for what it did not store, when it did not store everything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_message: Option<String>,
    /// The line protocol sent, one point per line.
    pub line_protocol: String,
}

/// Output formats of `query-data`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DataFormat {
    /// Rows as JSON (also the structured result).
    #[default]
    Json,
    /// CSV with a header per table; series tags as leading columns.
    Csv,
    /// An aligned text table.
    Table,
}

/// `query-data`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct QueryDataParams {
    /// The query, in InfluxQL, Flux or SQL. It must only read, under every assistant policy:
    /// statements that write or change the server (SELECT ... INTO, DROP, DELETE, CREATE,
    /// ALTER, Flux to() or http, SQL INSERT/UPDATE/...) are refused.
    pub query: String,
    /// Database (InfluxQL `db` or `db/rp`, SQL) or bucket the query runs on; the connection's
    /// default when absent. Flux names its bucket in from().
    #[serde(default)]
    pub bucket: Option<String>,
    /// The time range: "-1h" (the last hour; also -15m, -6h, -7d) or "START..STOP" with RFC
    /// 3339 times (STOP may be "now"). `$timeFilter`, `$interval` and Flux's
    /// `v.timeRangeStart`/`v.timeRangeStop` follow it, and a SELECT without a time condition
    /// gets it. Default: the last hour.
    #[serde(default)]
    pub time_range: Option<String>,
    /// json (default), csv or table.
    #[serde(default)]
    pub format: Option<DataFormat>,
    /// influxql, flux or sql. Detected when absent: Flux when the query has `|>` or `from(`,
    /// otherwise SQL on InfluxDB 3 and InfluxQL on 1.x/2.x.
    #[serde(default)]
    pub language: Option<QueryLanguage>,
    /// At most this many rows in all (default 1000; capped by the app's row limit setting).
    /// The result says when rows were cut.
    #[serde(default)]
    pub limit: Option<usize>,
}

/// One table of a result, row by row.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Table {
    /// Measurement or table name ("" when the server gives none).
    pub name: String,
    /// The series' group-by tags.
    pub tags: BTreeMap<String, String>,
    /// Column names; `time` is RFC 3339 UTC.
    pub columns: Vec<String>,
    /// Rows of values in column order (null when absent).
    pub rows: Vec<Vec<Value>>,
}

/// What `query-data` returned.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct QueryDataResult {
    /// The language the query ran in.
    pub language: QueryLanguage,
    /// Rows returned over all tables.
    pub rows: usize,
    /// True when more rows matched than `limit`: narrow the query or raise the limit.
    pub truncated: bool,
    /// The row cap that applied.
    pub limit: usize,
    /// The query as sent, after the time range was applied.
    pub executed_query: String,
    /// Anything the assistant should know about this result (truncation, a lowered limit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The tables (format json).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tables: Option<Vec<Table>>,
    /// The result as text (format csv or table).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl Table {
    /// The frames row by row: JSON made straight from typed cells, JSON values moved.
    pub fn from_frames(frames: Vec<Frame>) -> Vec<Table> {
        frames
            .into_iter()
            .map(|f| {
                let n = f.rows();
                let mut rows: Vec<Vec<serde_json::Value>> = (0..n)
                    .map(|_| Vec::with_capacity(f.columns.len()))
                    .collect();
                let mut columns = Vec::with_capacity(f.columns.len());
                for c in f.columns {
                    columns.push(c.name);
                    let mut values = c.values.into_json();
                    for row in &mut rows {
                        row.push(values.next().unwrap_or_default());
                    }
                }
                Table {
                    name: f.name,
                    tags: f.tags,
                    columns,
                    rows,
                }
            })
            .collect()
    }
}

impl QueryDataResult {
    /// The result as the JSON its `Serialize` gives, built by moving the rows in rather than
    /// copying them (a result holds thousands of values; `serde_json::to_value` would clone
    /// each one).
    pub fn into_value(self) -> Value {
        let mut m = serde_json::Map::new();
        m.insert("language".into(), serde_json::json!(self.language));
        m.insert("rows".into(), self.rows.into());
        m.insert("truncated".into(), self.truncated.into());
        m.insert("limit".into(), self.limit.into());
        m.insert("executed_query".into(), self.executed_query.into());
        if let Some(note) = self.note {
            m.insert("note".into(), note.into());
        }
        if let Some(tables) = self.tables {
            let tables = tables.into_iter().map(|t| {
                let mut o = serde_json::Map::new();
                o.insert("name".into(), t.name.into());
                let tags = t.tags.into_iter().map(|(k, v)| (k, Value::String(v)));
                o.insert("tags".into(), Value::Object(tags.collect()));
                let columns = t.columns.into_iter().map(Value::String).collect();
                o.insert("columns".into(), Value::Array(columns));
                let rows = t.rows.into_iter().map(Value::Array).collect();
                o.insert("rows".into(), Value::Array(rows));
                Value::Object(o)
            });
            m.insert("tables".into(), Value::Array(tables.collect()));
        }
        if let Some(text) = self.text {
            m.insert("text".into(), text.into());
        }
        Value::Object(m)
    }
}

pub use crate::bucket_params::*;

/// `list-measurements`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct ListMeasurementsParams {
    /// Database (`db` or `db/rp` on InfluxDB 1.x) or bucket; the connection's default when
    /// absent.
    #[serde(default)]
    pub bucket: Option<String>,
    /// At most this many names (default 1000).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// The measurements of a database/bucket.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct MeasurementList {
    /// The database/bucket listed.
    pub bucket: String,
    pub measurements: Vec<String>,
}

/// `describe-measurement`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct DescribeMeasurementParams {
    /// The measurement (or table, on InfluxDB 3) to describe.
    pub measurement: String,
    /// Database (`db` or `db/rp` on InfluxDB 1.x) or bucket; the connection's default when
    /// absent.
    #[serde(default)]
    pub bucket: Option<String>,
}

/// A field and its type.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FieldInfo {
    pub name: String,
    /// float, integer, unsigned, string, boolean, or unknown.
    #[serde(rename = "type")]
    pub kind: String,
}

/// A measurement's schema.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct MeasurementSchema {
    pub bucket: String,
    pub measurement: String,
    /// Tag keys (indexed, string values).
    pub tag_keys: Vec<String>,
    /// Field keys with their types.
    pub field_keys: Vec<FieldInfo>,
}

/// `render-chart`: a query and how to draw its result.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct RenderChartParams {
    /// The query whose result is drawn (InfluxQL, Flux or SQL; read-only statements only).
    /// Group by time for long ranges, e.g. `SELECT mean(v) FROM m WHERE $timeFilter GROUP BY
    /// time($interval), host`.
    pub query: String,
    /// Database or bucket the query runs on; the connection's default when absent.
    #[serde(default)]
    pub bucket: Option<String>,
    /// The time range: "-6h" or "START..STOP" (RFC 3339). Default: the last hour.
    #[serde(default)]
    pub time_range: Option<String>,
    /// influxql, flux or sql; detected when absent (as in query-data).
    #[serde(default)]
    pub language: Option<QueryLanguage>,
    /// How to draw it (chart_type, title, unit, size, ...).
    #[serde(flatten)]
    pub chart: ChartSpec,
}

// Schema only: `create-alerts`, `delete-alerts` and `get-metrics` read these values themselves
// (alerts.rs), so a wrong one is a clear tool error naming what is accepted rather than a
// protocol error, and severity words are taken leniently.
/// How the query's last value is compared with `value`.
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum OperatorSchema {
    Greater,
    Less,
    Equal,
    NotEqual,
    GreaterEqual,
    LessEqual,
}

/// threshold (default): the last value crosses `value` (or the `warn`/`crit` levels); deadman:
/// the query returns no data for the rule's window (the longer of `every`, `for` and one
/// minute); inside/outside: the value is inside/outside `low`..`high`; relative: the change
/// against `period` ago (in % with `percent`) crosses `value` or the levels.
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum ThresholdTypeSchema {
    Threshold,
    Deadman,
    Inside,
    Outside,
    Relative,
}

/// The state the rule enters when it fires: info, warning (WARN, the default) or critical
/// (CRIT). "warn" and "crit" are accepted too.
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum SeveritySchema {
    Info,
    Warning,
    Critical,
}

/// One alert name, or a list of them.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum NamesSchema {
    One(String),
    Many(Vec<String>),
}

/// What metrics to get.
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum MetricTypeSchema {
    /// Server health: memory, goroutines, requests, writes, queries.
    System,
    /// Per database/bucket: measurements, series cardinality, disk size.
    Database,
    /// influxdesk's own query log: count, errors, p50/p99 latency, rows, by actor.
    Query,
}

/// When an alert fires.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct ThresholdParams {
    /// greater, less, equal, not_equal, greater_equal or less_equal: the rule's condition is
    /// `last value <operator> value`. Needed for type threshold.
    #[serde(default)]
    #[schemars(with = "Option<OperatorSchema>")]
    pub operator: Option<Value>,
    /// The number the query's last value is compared with. Needed for type threshold.
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub value: Option<Value>,
    /// threshold (default), deadman, inside, outside or relative.
    #[serde(default, rename = "type")]
    #[schemars(with = "Option<ThresholdTypeSchema>")]
    pub kind: Option<Value>,
    /// WARN when the value (relative: its change) crosses this level, e.g. 80. With `crit`,
    /// one rule has two levels; `value` is then not needed.
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub warn: Option<Value>,
    /// CRIT when the value (relative: its change) crosses this level, e.g. 90.
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub crit: Option<Value>,
    /// inside/outside: the range's low end (inclusive).
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub low: Option<Value>,
    /// inside/outside: the range's high end (inclusive).
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub high: Option<Value>,
    /// relative: compare with the value this long ago, e.g. "1h" (as Kapacitor's relative
    /// alerts).
    #[serde(default)]
    pub period: Option<String>,
    /// relative: the change in percent of the earlier value (default: absolute).
    #[serde(default)]
    #[schemars(with = "Option<bool>")]
    pub percent: Option<Value>,
}

/// Where and how an alert tells about a change of state.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct NotificationParams {
    /// Where each change of state is sent: "webhook:<url>" (a JSON POST), "slack:<incoming
    /// webhook url>" (a Slack message), "teams:<incoming webhook url>", "pagerduty:<routing
    /// key>" (Events API v2), "email:<address>[,<address>...]" (a mail through the SMTP
    /// account the user set in influxdesk) or "desktop" (a notification while the app runs).
    /// "history" alone, or no channels: history only (the state is only recorded).
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub channels: Option<Value>,
    /// Text sent with each change of state, e.g. "CPU on web-1 is high: check the web tier".
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    #[schemars(with = "Option<SeveritySchema>")]
    pub severity: Option<Value>,
}

/// `create-alerts`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct CreateAlertsParams {
    /// A name for the alert, unique among the alerts, e.g. "cpu high on web-1".
    pub alert_name: String,
    /// A read-only query whose newest value is checked, e.g. `SELECT last(usage) FROM cpu
    /// WHERE host = 'web-1'`. It runs over the rule's window (the longer of `every`, `for` and
    /// one minute), so leave the time condition out.
    pub query: String,
    /// When the alert fires.
    pub threshold: ThresholdParams,
    /// Where and how it tells about a change of state (OK -> CRIT, CRIT -> OK, ...).
    #[serde(default)]
    pub notification: NotificationParams,
    /// How often the rule is evaluated, e.g. "30s", "1m" (default), "1h".
    #[serde(default)]
    pub every: Option<String>,
    /// How long the condition must hold before the alert fires, e.g. "5m"; default "0s" (at
    /// once).
    #[serde(default, rename = "for")]
    pub for_duration: Option<String>,
    /// influxql, flux or sql; detected when absent (as in query-data).
    #[serde(default)]
    pub language: Option<QueryLanguage>,
    /// Database or bucket the query runs on and the `influxdesk_alerts` status points go to;
    /// the connection's default when absent.
    #[serde(default)]
    pub database: Option<String>,
}

/// Where an alert sends its changes of state.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct NotificationInfo {
    /// webhook:<url>, slack:<url> or desktop; the secret parts of URLs (a Slack webhook's path,
    /// credentials, query strings) are shown as "…".
    pub channels: Vec<String>,
    pub message: String,
    /// info, warning or critical.
    pub severity: String,
}

/// An alert rule and its current state.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AlertInfo {
    pub alert_name: String,
    pub id: String,
    /// unknown (not evaluated yet, or its query failed), ok, info, warn or crit.
    pub status: String,
    /// When the status last changed (RFC 3339).
    pub since: Option<String>,
    /// The query's newest value at the last evaluation.
    pub last_value: Option<f64>,
    /// When the rule was last evaluated (RFC 3339); null until the first evaluation.
    pub last_evaluation: Option<String>,
    /// Since when the condition has held while waiting out `for` (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_since: Option<String>,
    pub query: String,
    /// influxql, flux or sql; null: detected when it runs.
    pub language: Option<QueryLanguage>,
    /// Where the query runs and the status points go.
    pub database: Option<String>,
    pub threshold: influxdesk_core::api::alerts::Threshold,
    pub notification: NotificationInfo,
    pub every: String,
    #[serde(rename = "for")]
    pub for_duration: String,
    pub enabled: bool,
    /// Each series' state (a query grouped by tags has one per series, e.g. per host).
    pub series: Vec<influxdesk_core::api::alerts::SeriesState>,
    /// Muted notifications (history is still recorded).
    pub silences: Vec<influxdesk_core::api::alerts::Silence>,
}

/// What `create-alerts` created.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CreateAlertsResult {
    pub alert: AlertInfo,
    /// How the rule is evaluated and where its history is.
    pub note: String,
}

/// `list-alerts`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct ListAlertsParams {
    /// Only this alert (by name); every alert of the connection when absent.
    #[serde(default)]
    pub alert_name: Option<String>,
}

/// The alerts of the connection.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AlertList {
    pub alerts: Vec<AlertInfo>,
    /// Where each evaluation's status is recorded: the `influxdesk_alerts` measurement (tags
    /// alert, status; fields level, value, transition, message) of the alert's database.
    pub history: String,
    /// Which influxdesk process evaluates the rules (the app or `influxdesk serve`: one at a
    /// time), or that none does.
    pub evaluator: String,
}

/// `delete-alerts`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct DeleteAlertsParams {
    /// The alert to delete, or a list of alerts. All must exist, else nothing is deleted. Their
    /// recorded status points stay in `influxdesk_alerts`.
    #[schemars(with = "NamesSchema")]
    pub alert_name: Value,
}

/// What `delete-alerts` deleted.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DeleteAlertsResult {
    /// The names of the deleted alerts.
    pub deleted: Vec<String>,
}

/// `get-metrics`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct GetMetricsParams {
    /// system (default), database or query.
    #[serde(default)]
    #[schemars(with = "Option<MetricTypeSchema>")]
    pub metric_type: Option<Value>,
    /// For query metrics: how far back the query log is read, e.g. "-1h" (default), "24h",
    /// "-7d". system and database metrics are the server's current numbers.
    #[serde(default)]
    pub time_range: Option<String>,
}

/// One number.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct MetricInfo {
    pub name: String,
    pub value: f64,
    /// bytes, count, ms, s, or "".
    pub unit: String,
    /// What the number is about, e.g. {"database": "telegraf"} or {"actor": "assistant"}.
    pub labels: BTreeMap<String, String>,
}

/// What `get-metrics` measured.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct MetricsResult {
    /// system, database or query.
    pub metric_type: String,
    /// Where the numbers come from, e.g. "SHOW STATS", "/metrics", "influxdesk query history".
    pub source: String,
    pub metrics: Vec<MetricInfo>,
}
