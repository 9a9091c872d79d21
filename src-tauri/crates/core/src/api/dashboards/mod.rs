//! Dashboards: named grids of cells kept by core per connection profile, in the data dir
//! (`dashboards/<profile id>.json`, versioned JSON written atomically under the same
//! cross-process file lock as the other stores). A dashboard has a time range, an optional
//! auto-refresh interval, template variables and cells on a 12-column grid; a cell is a query
//! (any language) with a chart spec and an optional time range of its own, or a markdown note.
//!
//! Here: the types and the user's actions on dashboards (list, get, create, rename, duplicate,
//! update, delete). `cells`: adding, changing (moving, resizing) and removing cells, with the
//! grid's rules; `vars`: template variables and their `${name}` substitution, quoted for each
//! language; `choices`: multi-select values and variables that depend on others;
//! `annotations`: notes at times and alert changes, drawn on every time chart cell; `run`: running every cell (concurrently, with a limit) and drawing them, one SVG
//! per cell or the whole dashboard as one PNG; `transfer`: export and import (our own format,
//! Chronograf exports, InfluxDB 2 templates). An assistant's changes go through
//! `policy::check_write`, its reads through `check_read`.

mod annotations;
mod cells;
mod choices;
mod run;
mod transfer;
mod vars;

pub use annotations::{
    AddAnnotationReq, Annotation, RemoveAnnotationReq, add_annotation, remove_annotation,
};
pub use cells::{AddCellReq, CellReq, NewCell, UpdateCellReq, add_cell, remove_cell, update_cell};
pub use choices::{Choice, TagDependency};
pub use run::{
    CellRun, DashboardPng, DashboardRun, MAX_CONCURRENT_CELLS, RenderDashboardReq, RunDashboardReq,
    render_png, run,
};
pub use transfer::{ImportDashboardReq, ImportReport, export, import};
pub use vars::{ResolvedVariable, VariableValuesReq, substitute, variable_values};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Ctx, policy, profiles};
use crate::chart::ChartSpec;
use crate::error::{Error, Result};
use crate::model::{Actor, Profile, QueryLanguage, TimeRange};
use crate::store::{CURRENT_VERSION, Store};

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

fn default_range() -> TimeRange {
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

/// Where a profile's dashboards are kept.
fn store(ctx: &Ctx) -> Store {
    Store::new(ctx.data_dir().join(DASHBOARDS_DIR))
}

/// The file of a profile: its id, with anything but `[A-Za-z0-9_-]` hex-escaped.
fn file_name(profile: &Profile) -> String {
    let mut out = String::new();
    for b in profile.id.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            out.push(b as char);
        } else {
            out += &format!("%{b:02X}");
        }
    }
    format!("{out}.json")
}

fn load(ctx: &Ctx, p: &Profile) -> Result<DashboardsFile> {
    store(ctx).load(&file_name(p))
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The dashboard `key` names (id, else name ignoring case).
pub(crate) fn find<'a>(file: &'a DashboardsFile, key: &str) -> Result<&'a Dashboard> {
    let i = index(file, key)?;
    Ok(&file.dashboards[i])
}

fn index(file: &DashboardsFile, key: &str) -> Result<usize> {
    let key = key.trim();
    if key.is_empty() {
        return Err(Error::invalid("name the dashboard (its id or name)"));
    }
    file.dashboards
        .iter()
        .position(|d| d.id == key)
        .or_else(|| {
            file.dashboards
                .iter()
                .position(|d| d.name.eq_ignore_ascii_case(key))
        })
        .ok_or_else(|| {
            let names: Vec<String> = file
                .dashboards
                .iter()
                .map(|d| format!("\"{}\"", d.name))
                .collect();
            Error::NotFound(format!(
                "no dashboard \"{key}\" on this connection. {}",
                if names.is_empty() {
                    "It has no dashboards yet: create one first.".to_string()
                } else {
                    format!("Its dashboards: {}.", names.join(", "))
                }
            ))
        })
}

fn find_mut<'a>(file: &'a mut DashboardsFile, key: &str) -> Result<&'a mut Dashboard> {
    let i = index(file, key)?;
    Ok(&mut file.dashboards[i])
}

/// A checked name or title: trimmed, no control characters, at most [`MAX_NAME`] characters.
pub(crate) fn clean_text(s: &str, what: &str, required: bool) -> Result<String> {
    let t = s.trim();
    if required && t.is_empty() {
        return Err(Error::invalid(format!(
            "the {what} is empty: give it a name"
        )));
    }
    if t.chars().any(char::is_control) {
        return Err(Error::invalid(format!(
            "the {what} \"{}\" has a control character (a line break or tab): use one line of \
             plain text",
            t.escape_debug()
        )));
    }
    if t.chars().count() > MAX_NAME {
        return Err(Error::invalid(format!(
            "the {what} is longer than {MAX_NAME} characters: shorten it"
        )));
    }
    Ok(t.to_string())
}

/// A name no other dashboard of the file has (`except` is the dashboard being renamed).
fn unique_name(file: &DashboardsFile, name: &str, except: Option<&str>) -> Result<String> {
    let name = clean_text(name, "dashboard name", true)?;
    if file
        .dashboards
        .iter()
        .any(|d| Some(d.id.as_str()) != except && d.name.eq_ignore_ascii_case(&name))
    {
        return Err(Error::Conflict(format!(
            "a dashboard named \"{name}\" already exists on this connection: choose another name"
        )));
    }
    Ok(name)
}

pub(crate) fn check_range(r: &TimeRange) -> Result<()> {
    crate::influx::timerange::resolve(r, chrono::Utc::now()).map(|_| ())
}

/// `None`, "" and "off" turn auto-refresh off; otherwise a duration of at least 5 s.
fn check_refresh(r: Option<&str>) -> Result<Option<String>> {
    let Some(r) = r.map(str::trim).filter(|r| !r.is_empty() && *r != "off") else {
        return Ok(None);
    };
    let d = crate::influx::timerange::parse_duration(r)?;
    if d < chrono::Duration::seconds(MIN_REFRESH_SECS) {
        return Err(Error::invalid(format!(
            "auto-refresh every \"{r}\" is too often: give {MIN_REFRESH_SECS}s or more (e.g. 30s, \
             1m), or \"off\""
        )));
    }
    Ok(Some(r.to_string()))
}

/// Read-only access of an assistant to a profile's dashboards.
async fn read_access(ctx: &Ctx, actor: &Actor, p: &Profile, what: &str) -> Result<()> {
    policy::check_read(ctx, actor, p, what).await
}

/// Apply a change to a profile's dashboards: first on a copy (so bad input is refused before
/// anyone is asked), then, once the policy allows it, on the file under its lock. `describe`
/// words the change for the policy (first line a summary, then the details).
pub(crate) async fn change<T>(
    ctx: &Ctx,
    actor: &Actor,
    p: &Profile,
    action: &str,
    apply: impl Fn(&mut DashboardsFile) -> Result<T>,
    describe: impl FnOnce(&T) -> String,
) -> Result<T> {
    let mut copy = load(ctx, p)?;
    let dry = apply(&mut copy)?;
    let what = describe(&dry);
    policy::check_write(ctx, actor, p, &what).await?;
    let out = store(ctx).update(&file_name(p), |f: &mut DashboardsFile| {
        f.version = CURRENT_VERSION;
        apply(f)
    })?;
    ctx.emit(
        actor,
        action,
        format!("{} on {}", what.lines().next().unwrap_or_default(), p.name),
    );
    Ok(out)
}

pub async fn list(ctx: &Ctx, actor: &Actor, req: ListDashboardsReq) -> Result<Vec<DashboardInfo>> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    read_access(ctx, actor, &p, "list dashboards").await?;
    let mut out: Vec<DashboardInfo> = load(ctx, &p)?
        .dashboards
        .iter()
        .map(|d| DashboardInfo {
            id: d.id.clone(),
            name: d.name.clone(),
            cells: d.cells.len(),
            variables: d.variables.len(),
            updated_at: d.updated_at.clone(),
        })
        .collect();
    out.sort_by_key(|d| d.name.to_lowercase());
    Ok(out)
}

pub async fn get(ctx: &Ctx, actor: &Actor, req: DashboardReq) -> Result<Dashboard> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    read_access(
        ctx,
        actor,
        &p,
        &format!("read dashboard \"{}\"", req.dashboard),
    )
    .await?;
    find(&load(ctx, &p)?, &req.dashboard).cloned()
}

/// A dashboard checked whole: name, range, refresh, variables, cells (new ids where missing).
pub(crate) fn checked(file: &DashboardsFile, mut d: Dashboard) -> Result<Dashboard> {
    d.name = unique_name(file, &d.name, Some(&d.id))?;
    check_range(&d.time_range)?;
    d.refresh = check_refresh(d.refresh.as_deref())?;
    vars::check_all(&d.variables)?;
    annotations::check(&mut d.annotations)?;
    if d.cells.len() > MAX_CELLS {
        return Err(Error::invalid(format!(
            "a dashboard holds at most {MAX_CELLS} cells"
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for c in &mut d.cells {
        if c.id.is_empty() || !seen.insert(c.id.clone()) {
            c.id = new_id();
            seen.insert(c.id.clone());
        }
        cells::check(c)?;
    }
    d.updated_at = now();
    Ok(d)
}

pub async fn create(ctx: &Ctx, actor: &Actor, req: CreateDashboardReq) -> Result<Dashboard> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    let id = new_id();
    change(
        ctx,
        actor,
        &p,
        "dashboard.create",
        |f| {
            let mut d = Dashboard {
                id: id.clone(),
                name: req.name.clone(),
                time_range: req.time_range.clone().unwrap_or_else(default_range),
                refresh: req.refresh.clone(),
                variables: req.variables.clone(),
                cells: Vec::new(),
                annotations: Vec::new(),
                updated_at: String::new(),
            };
            for c in &req.cells {
                let cell = cells::build(&d.cells, c)?;
                d.cells.push(cell);
            }
            let d = checked(f, d)?;
            f.dashboards.push(d.clone());
            Ok(d)
        },
        |d| {
            let mut s = format!("create dashboard \"{}\"", d.name);
            for c in &d.cells {
                s += &format!("\n{}", cells::describe(c));
            }
            s
        },
    )
    .await
}

pub async fn rename(ctx: &Ctx, actor: &Actor, req: RenameDashboardReq) -> Result<Dashboard> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    change(
        ctx,
        actor,
        &p,
        "dashboard.rename",
        |f| {
            let i = index(f, &req.dashboard)?;
            let old = f.dashboards[i].name.clone();
            let name = unique_name(f, &req.name, Some(&f.dashboards[i].id.clone()))?;
            let d = &mut f.dashboards[i];
            d.name = name;
            d.updated_at = now();
            Ok((old, d.clone()))
        },
        |(old, d)| format!("rename dashboard \"{old}\" to \"{}\"", d.name),
    )
    .await
    .map(|(_, d)| d)
}

pub async fn duplicate(ctx: &Ctx, actor: &Actor, req: DuplicateDashboardReq) -> Result<Dashboard> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    let id = new_id();
    change(
        ctx,
        actor,
        &p,
        "dashboard.duplicate",
        |f| {
            let src = find(f, &req.dashboard)?.clone();
            let name = match req.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                Some(n) => n.to_string(),
                None => {
                    let mut n = format!("{} (copy)", src.name);
                    let mut k = 2;
                    while f.dashboards.iter().any(|d| d.name.eq_ignore_ascii_case(&n)) {
                        n = format!("{} (copy {k})", src.name);
                        k += 1;
                    }
                    n
                }
            };
            let mut d = src;
            d.id = id.clone();
            d.name = name;
            for c in &mut d.cells {
                c.id = new_id();
            }
            let d = checked(f, d)?;
            f.dashboards.push(d.clone());
            Ok(d)
        },
        |d| format!("create dashboard \"{}\" (a copy)", d.name),
    )
    .await
}

pub async fn update(ctx: &Ctx, actor: &Actor, req: UpdateDashboardReq) -> Result<Dashboard> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    change(
        ctx,
        actor,
        &p,
        "dashboard.update",
        |f| {
            let i = index(f, &req.dashboard)?;
            let mut d = f.dashboards[i].clone();
            if let Some(r) = &req.time_range {
                d.time_range = r.clone();
            }
            if let Some(r) = &req.refresh {
                d.refresh = Some(r.clone());
            }
            if let Some(v) = &req.variables {
                d.variables = v.clone();
            }
            let d = checked(f, d)?;
            f.dashboards[i] = d.clone();
            Ok(d)
        },
        |d| format!("change the settings of dashboard \"{}\"", d.name),
    )
    .await
}

pub async fn delete(ctx: &Ctx, actor: &Actor, req: DashboardReq) -> Result<()> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    change(
        ctx,
        actor,
        &p,
        "dashboard.delete",
        |f| {
            let i = index(f, &req.dashboard)?;
            Ok(f.dashboards.remove(i).name)
        },
        |name| format!("delete dashboard \"{name}\""),
    )
    .await
    .map(|_| ())
}
