//! Query history, saved queries, exports and user settings.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{QueryLanguage, TimeRange};

/// An entry of the query history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct HistoryEntry {
    pub id: String,
    /// RFC 3339.
    pub at: String,
    pub actor: String,
    pub profile_id: String,
    pub profile_name: String,
    pub language: Option<QueryLanguage>,
    pub database: Option<String>,
    pub query: String,
    pub time_range: Option<TimeRange>,
    pub elapsed_ms: f64,
    pub rows: usize,
    /// The error message when the query failed.
    pub error: Option<String>,
}

impl Default for HistoryEntry {
    fn default() -> Self {
        HistoryEntry {
            id: String::new(),
            at: String::new(),
            actor: String::new(),
            profile_id: String::new(),
            profile_name: String::new(),
            language: None,
            database: None,
            query: String::new(),
            time_range: None,
            elapsed_ms: 0.0,
            rows: 0,
            error: None,
        }
    }
}

/// Search the history.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct ListHistoryReq {
    /// Only entries whose query contains this text (case-insensitive).
    pub search: Option<String>,
    /// Only this profile (id or name).
    pub profile: Option<String>,
    /// Newest first, at most this many (default 200).
    pub limit: Option<usize>,
}

/// A named, saved query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct SavedQuery {
    pub id: String,
    pub name: String,
    pub language: QueryLanguage,
    pub database: Option<String>,
    pub query: String,
    /// RFC 3339.
    pub updated: String,
}

impl Default for SavedQuery {
    fn default() -> Self {
        SavedQuery {
            id: String::new(),
            name: String::new(),
            language: QueryLanguage::Influxql,
            database: None,
            query: String::new(),
            updated: String::new(),
        }
    }
}

/// Save a query under a name (replaces one with the same name).
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct SaveQueryReq {
    pub name: String,
    pub language: QueryLanguage,
    #[serde(default)]
    pub database: Option<String>,
    pub query: String,
}

/// File formats for exporting a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ExportFormat {
    Csv,
    Json,
    LineProtocol,
    Png,
    Svg,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
            ExportFormat::LineProtocol => "lp",
            ExportFormat::Png => "png",
            ExportFormat::Svg => "svg",
        }
    }
}

/// Where an export went.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ExportResult {
    pub path: String,
    pub bytes: usize,
}

/// Settings a user can change.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct UserSettings {
    /// Default cap on the rows one query returns.
    pub row_limit: usize,
}
