//! The installation's facts and the schema browser's and query builder's requests.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{ColumnType, QueryLanguage};

/// Facts about this installation for the GUI's About/Settings.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AppInfo {
    pub version: String,
    pub config_dir: String,
    pub data_dir: String,
    /// Where secrets are kept, e.g. "OS keychain".
    pub secret_store: String,
    /// True when `INFLUX_URL` defines the `env` profile for this process.
    pub env_profile: bool,
}

/// A measurement's field with its type.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema, TS)]
#[ts(export)]
pub struct FieldKey {
    pub name: String,
    pub kind: ColumnType,
}

/// Which schema level to list; the fields below `what` narrow it down.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct SchemaReq {
    /// Profile id or name; the active profile when absent.
    pub profile: Option<String>,
    /// Database (`db` or `db/rp` on v1) or bucket; the profile's default when absent.
    pub database: Option<String>,
    pub measurement: Option<String>,
    /// For tag values: the tag key.
    pub tag_key: Option<String>,
    /// For tag values: only values containing this text (case-insensitive).
    pub search: Option<String>,
    /// At most this many entries (default 1000).
    pub limit: Option<usize>,
}

/// Aggregates the query builder offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Aggregate {
    Mean,
    Median,
    Min,
    Max,
    Sum,
    Count,
    First,
    Last,
}

/// How the builder fills empty time buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Fill {
    #[default]
    None,
    Null,
    Previous,
    Linear,
    Zero,
}

/// A tag condition in the builder: `key = v1 OR key = v2` (or `!=` for all values).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[ts(export)]
pub struct TagFilter {
    pub key: String,
    pub values: Vec<String>,
    /// Exclude the values instead of keeping them.
    #[serde(default)]
    pub negate: bool,
}

/// The simple query builder's form; it writes a query in `language`.
#[derive(Debug, Clone, Deserialize, JsonSchema, TS)]
#[ts(export)]
pub struct BuildQueryReq {
    pub language: QueryLanguage,
    /// Bucket (Flux) or database; `db/rp` on InfluxQL.
    pub database: String,
    pub measurement: String,
    /// Fields to select (at least one).
    pub fields: Vec<String>,
    #[serde(default)]
    pub tag_filters: Vec<TagFilter>,
    #[serde(default)]
    pub aggregate: Option<Aggregate>,
    /// GROUP BY time interval: "auto" (follows the time range) or a duration like "1m".
    #[serde(default)]
    pub group_by_time: Option<String>,
    #[serde(default)]
    pub group_by_tags: Vec<String>,
    #[serde(default)]
    pub fill: Fill,
}
