//! The types of dashboards: the dashboard, its cells and variables, the file that keeps a
//! profile's dashboards, the requests of the actions on them, and the limits they obey.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Annotation, NewCell, TagDependency};
use crate::chart::ChartSpec;
use crate::model::{QueryLanguage, TimeRange};
use crate::store::CURRENT_VERSION;

/// The folder of the data dir holding one dashboards file per profile.
pub const DASHBOARDS_DIR: &str = "dashboards";
/// Columns of the grid.
pub const GRID_COLUMNS: u32 = 12;
/// Tallest cell, in grid rows.
pub const MAX_CELL_HEIGHT: u32 = 48;
/// Lowest row a cell may start on.
pub const MAX_ROW: u32 = 1000;
/// Most cells on one dashboard.
pub const MAX_CELLS: usize = 100;
/// Longest name or title, in characters.
pub const MAX_NAME: usize = 200;
/// Shortest auto-refresh interval, in seconds.
pub const MIN_REFRESH_SECS: i64 = 5;

/// A dashboard: a grid of cells over one time range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct Dashboard {
    pub id: String,
    pub name: String,
    /// The range every cell shows unless it has its own.
    pub time_range: TimeRange,
    /// Auto-refresh interval, e.g. "30s"; none: off.
    pub refresh: Option<String>,
    /// Template variables, used in queries as `${name}`.
    pub variables: Vec<Variable>,
    pub cells: Vec<Cell>,
    /// Notes at times, drawn on every time chart cell (with the alert rules' changes).
    pub annotations: Vec<Annotation>,
    /// RFC 3339 of the last change.
    pub updated_at: String,
}

impl Default for Dashboard {
    fn default() -> Self {
        Dashboard {
            id: String::new(),
            name: String::new(),
            time_range: default_range(),
            refresh: None,
            variables: Vec::new(),
            cells: Vec::new(),
            annotations: Vec::new(),
            updated_at: String::new(),
        }
    }
}

pub(super) fn default_range() -> TimeRange {
    TimeRange::Relative {
        duration: "1h".into(),
    }
}

/// What a cell shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "DashboardCellKind")]
pub enum CellKind {
    /// A query drawn as a chart.
    #[default]
    Query,
    /// A markdown note.
    Note,
}

/// One cell of a dashboard, at (`x`, `y`) on the 12-column grid, `w` columns wide and `h`
/// rows high.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export, rename = "DashboardCell")]
pub struct Cell {
    pub id: String,
    pub kind: CellKind,
    pub title: String,
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
    /// query cells: the query text (`${name}` for variables, `$timeFilter` etc. for the range).
    pub query: String,
    /// query cells: influxql, flux or sql; the profile's own language when absent.
    pub language: Option<QueryLanguage>,
    /// query cells: the database or bucket; the profile's default when absent.
    pub database: Option<String>,
    /// query cells: how to draw it (its width and height follow the cell's size).
    pub chart: ChartSpec,
    /// query cells: a range of its own instead of the dashboard's.
    pub time_range: Option<TimeRange>,
    /// note cells: markdown.
    pub note: String,
}

impl Default for Cell {
    fn default() -> Self {
        Cell {
            id: String::new(),
            kind: CellKind::Query,
            title: String::new(),
            x: 0,
            y: 0,
            w: 6,
            h: 4,
            query: String::new(),
            language: None,
            database: None,
            chart: ChartSpec::default(),
            time_range: None,
            note: String::new(),
        }
    }
}

/// How a variable gets its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum VariableKind {
    /// One of `values`.
    #[default]
    Custom,
    /// Always `values[0]`.
    Constant,
    /// One of the values of tag `tag_key` of `measurement` (in `database`).
    Query,
    /// One of the durations in `values`, e.g. 10s, 1m, 1h: written bare (a duration literal)
    /// where the query has it unquoted.
    Interval,
}

/// A template variable, used in cell queries as `${name}`. Its value is quoted for the
/// query's language where the placeholder stands bare, and escaped inside quotes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export, optional_fields = nullable)]
pub struct Variable {
    /// Letters, digits and `_`, not starting with a digit.
    pub name: String,
    pub kind: VariableKind,
    /// custom and interval: the choices; constant: the one value.
    pub values: Vec<String>,
    /// The chosen value (the first choice when absent).
    pub selected: Option<String>,
    /// query: the database or bucket (the profile's default when absent).
    pub database: Option<String>,
    /// query: the measurement whose tag values are the choices.
    pub measurement: Option<String>,
    /// query: the tag key.
    pub tag_key: Option<String>,
    /// custom and query: several values can be chosen at once (written as a list, or as
    /// alternatives inside a regex).
    pub multi: bool,
    /// multi: the chosen values (`selected`, or the first choice, when empty).
    pub selected_values: Vec<String>,
    /// query: only the tag values seen with these tags equal to other variables' values
    /// (e.g. the hosts of the chosen region); resolved after those variables.
    pub depends_on: Vec<TagDependency>,
}

/// A dashboard in a listing.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, TS)]
#[ts(export)]
pub struct DashboardInfo {
    pub id: String,
    pub name: String,
    pub cells: usize,
    pub variables: usize,
    pub updated_at: String,
}

/// The dashboards of one profile.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct DashboardsFile {
    pub version: u32,
    pub dashboards: Vec<Dashboard>,
}

impl Default for DashboardsFile {
    fn default() -> Self {
        DashboardsFile {
            version: CURRENT_VERSION,
            dashboards: Vec::new(),
        }
    }
}

/// The dashboards of a profile (the active one when absent).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export, optional_fields = nullable)]
pub struct ListDashboardsReq {
    /// Profile id or name; the active profile when absent.
    pub profile: Option<String>,
}

/// One dashboard, by id or name.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export, optional_fields = nullable)]
pub struct DashboardReq {
    /// Profile id or name; the active profile when absent.
    pub profile: Option<String>,
    /// The dashboard's id or name.
    pub dashboard: String,
}

/// A new dashboard.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export, optional_fields = nullable)]
pub struct CreateDashboardReq {
    /// Profile id or name; the active profile when absent.
    pub profile: Option<String>,
    /// Unique among the profile's dashboards.
    pub name: String,
    /// Default: the last hour.
    pub time_range: Option<TimeRange>,
    /// Auto-refresh interval, e.g. "30s" (at least 5s); none: off.
    pub refresh: Option<String>,
    pub variables: Vec<Variable>,
    /// Cells to start with (placed on the grid where they fit when no position is given).
    pub cells: Vec<NewCell>,
}

/// A new name for a dashboard.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export, optional_fields = nullable)]
pub struct RenameDashboardReq {
    pub profile: Option<String>,
    /// The dashboard's id or name.
    pub dashboard: String,
    pub name: String,
}

/// A copy of a dashboard (new ids), named `name` or "<name> (copy)".
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export, optional_fields = nullable)]
pub struct DuplicateDashboardReq {
    pub profile: Option<String>,
    /// The dashboard's id or name.
    pub dashboard: String,
    pub name: Option<String>,
}

/// Change a dashboard's time range, auto-refresh or variables (absent fields stay).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export, optional_fields = nullable)]
pub struct UpdateDashboardReq {
    pub profile: Option<String>,
    /// The dashboard's id or name.
    pub dashboard: String,
    pub time_range: Option<TimeRange>,
    /// Auto-refresh interval, e.g. "30s"; "" or "off" turns it off.
    pub refresh: Option<String>,
    /// The whole list of variables (replaces the old one).
    pub variables: Option<Vec<Variable>>,
}
