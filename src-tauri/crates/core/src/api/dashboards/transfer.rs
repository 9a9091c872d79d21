//! Export and import of dashboards. Export writes our own versioned JSON
//! (`{"influxdesk_dashboard": 1, "dashboard": {...}}`); import reads that, a Chronograf
//! dashboard export (`{"meta": ..., "dashboard": {"cells": [...], "templates": [...]}}`) and an
//! InfluxDB 2 dashboard template (the `influx export` / pkger resources: `kind: Dashboard` with
//! `spec.charts`, `kind: Variable`), by their public JSON shapes. What cannot be mapped is
//! listed in the report, never silently dropped: e.g. Chronograf `:host:` placeholders become
//! `${host}`, InfluxDB 2 `v.host` becomes `${host}`, but a Flux-query variable becomes a fixed
//! list of its saved values and says so.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::{
    Cell, CellKind, Dashboard, DashboardReq, GRID_COLUMNS, MAX_CELL_HEIGHT, Variable, VariableKind,
    change, checked, new_id, read_one,
};
use crate::api::{Ctx, profiles};
use crate::chart::{self, ChartSpec, ChartType, HistogramLayout};
use crate::error::{Error, Result};
use crate::model::{Actor, QueryLanguage};

/// The version of our export format.
pub const EXPORT_VERSION: u32 = 1;

/// Import a dashboard from JSON (ours, a Chronograf export or an InfluxDB 2 template).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export, optional_fields = nullable)]
pub struct ImportDashboardReq {
    /// Profile id or name; the active profile when absent.
    pub profile: Option<String>,
    /// The file's contents.
    pub json: String,
    /// A name instead of the one in the file (e.g. when that one is taken).
    pub name: Option<String>,
}

/// What an import made, and what it could not carry over.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export, rename = "DashboardImportReport")]
pub struct ImportReport {
    pub dashboard: Dashboard,
    /// influxdesk, chronograf or influxdb2.
    pub format: String,
    /// One line per thing that was left out or changed.
    pub unmapped: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct ExportFile {
    influxdesk_dashboard: u32,
    dashboard: Dashboard,
}

/// A dashboard as our JSON (ids kept; an import gives new ones).
pub async fn export(ctx: &Ctx, actor: &Actor, req: DashboardReq) -> Result<String> {
    let d = read_one(ctx, actor, &req, "export").await?;
    serde_json::to_string_pretty(&ExportFile {
        influxdesk_dashboard: EXPORT_VERSION,
        dashboard: d,
    })
    .map_err(|e| Error::Internal(format!("could not encode the dashboard: {e}")))
}

pub async fn import(ctx: &Ctx, actor: &Actor, req: ImportDashboardReq) -> Result<ImportReport> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    let (mut d, format, unmapped) = parse(&req.json)?;
    if let Some(n) = req.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        d.name = n.to_string();
    }
    d.id = new_id();
    for c in &mut d.cells {
        c.id = new_id();
    }
    let d = change(
        ctx,
        actor,
        &p,
        "dashboard.import",
        |f| {
            let d = checked(f, d.clone())?;
            f.dashboards.push(d.clone());
            Ok(d)
        },
        |d| {
            format!(
                "import dashboard \"{}\" ({} cells) from a {format} file",
                d.name,
                d.cells.len()
            )
        },
    )
    .await?;
    Ok(ImportReport {
        dashboard: d,
        format: format.into(),
        unmapped,
    })
}

/// Read any of the three formats into a dashboard (not yet checked).
pub(crate) fn parse(json: &str) -> Result<(Dashboard, &'static str, Vec<String>)> {
    let v: Value = serde_json::from_str(json).map_err(|e| {
        Error::invalid(format!(
            "the file is not JSON ({e}): export a dashboard from influxdesk, Chronograf or \
             InfluxDB 2 (a template) and import that file"
        ))
    })?;
    if let Some(ver) = v.get("influxdesk_dashboard") {
        if ver.as_u64() != Some(u64::from(EXPORT_VERSION)) {
            return Err(Error::invalid(format!(
                "this dashboard file is version {ver}; this influxdesk reads version \
                 {EXPORT_VERSION}: update influxdesk"
            )));
        }
        let f: ExportFile = serde_json::from_value(v).map_err(|e| {
            Error::invalid(format!("the influxdesk dashboard file is damaged: {e}"))
        })?;
        return Ok((f.dashboard, "influxdesk", Vec::new()));
    }
    if v.get("dashboard").and_then(|d| d.get("cells")).is_some() {
        let (d, u) = chronograf(&v["dashboard"]);
        return Ok((d, "chronograf", u));
    }
    let resources: Vec<&Value> = match &v {
        Value::Array(a) => a.iter().collect(),
        Value::Object(_) if v.get("kind").is_some() => vec![&v],
        _ => Vec::new(),
    };
    if resources
        .iter()
        .any(|r| kind_is(r, "Dashboard") && r.get("spec").is_some())
    {
        let (d, u) = influxdb2(&resources);
        return Ok((d, "influxdb2", u));
    }
    Err(Error::invalid(
        "this JSON is not a dashboard influxdesk knows: expected an influxdesk export \
         (\"influxdesk_dashboard\"), a Chronograf export (\"dashboard\" with \"cells\") or an \
         InfluxDB 2 template (resources with \"kind\": \"Dashboard\")",
    ))
}

fn kind_is(r: &Value, kind: &str) -> bool {
    r.get("kind")
        .and_then(Value::as_str)
        .is_some_and(|k| k.eq_ignore_ascii_case(kind))
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn num(v: &Value, key: &str) -> Option<u32> {
    v.get(key)
        .and_then(Value::as_f64)
        .filter(|n| n.is_finite() && *n >= 0.0)
        .map(|n| n.round().min(f64::from(u32::MAX)) as u32)
}

/// A position that fits the grid (the source may have had other rules).
fn place(c: &mut Cell, title: &str, unmapped: &mut Vec<String>) {
    let (x, w, h) = (c.x, c.w, c.h);
    c.w = c.w.clamp(1, GRID_COLUMNS);
    c.x = c.x.min(GRID_COLUMNS - c.w);
    c.h = c.h.clamp(1, MAX_CELL_HEIGHT);
    c.y = c.y.min(super::MAX_ROW);
    if (x, w, h) != (c.x, c.w, c.h) {
        unmapped.push(format!(
            "cell \"{title}\": position/size x={x} w={w} h={h} did not fit the 12-column grid \
             and was moved"
        ));
    }
}

/// Replace `:name:` placeholders of the given names by `${name}`.
fn chronograf_placeholders(q: &str, names: &[String]) -> String {
    let mut out = q.to_string();
    for n in names {
        out = out.replace(&format!(":{n}:"), &format!("${{{n}}}"));
    }
    out
}

fn chronograf(d: &Value) -> (Dashboard, Vec<String>) {
    let mut unmapped = Vec::new();
    let mut variables = Vec::new();
    for t in d
        .get("templates")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = text(t, "tempVar").trim_matches(':').to_string();
        let kind = text(t, "type");
        let values: Vec<&Value> = t
            .get("values")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        let vals: Vec<String> = values.iter().map(|v| text(v, "value")).collect();
        let selected = values
            .iter()
            .find(|v| v.get("selected").and_then(Value::as_bool) == Some(true))
            .map(|v| text(v, "value"));
        let q = t.get("query").cloned().unwrap_or(Value::Null);
        let var = match kind.as_str() {
            "tagValues" => Variable {
                name: name.clone(),
                kind: VariableKind::Query,
                database: Some(text(&q, "db")).filter(|s| !s.is_empty()),
                measurement: Some(text(&q, "measurement")).filter(|s| !s.is_empty()),
                tag_key: Some(text(&q, "tagKey")).filter(|s| !s.is_empty()),
                selected,
                ..Variable::default()
            },
            "constant" | "text" => Variable {
                name: name.clone(),
                kind: VariableKind::Constant,
                values: vec![
                    selected
                        .or_else(|| vals.first().cloned())
                        .unwrap_or_default(),
                ],
                ..Variable::default()
            },
            "csv" | "map" => Variable {
                name: name.clone(),
                kind: VariableKind::Custom,
                values: vals.clone(),
                selected,
                ..Variable::default()
            },
            other => {
                unmapped.push(format!(
                    "variable :{name}: of type \"{other}\" is a fixed list of its saved values \
                     ({}) here",
                    if vals.is_empty() {
                        "none".to_string()
                    } else {
                        vals.join(", ")
                    }
                ));
                Variable {
                    name: name.clone(),
                    kind: VariableKind::Custom,
                    values: vals.clone(),
                    selected,
                    ..Variable::default()
                }
            }
        };
        if var.kind == VariableKind::Query && (var.measurement.is_none() || var.tag_key.is_none()) {
            unmapped.push(format!(
                "variable :{name}: has no measurement or tag key: left out"
            ));
            continue;
        }
        if var.kind != VariableKind::Query && var.values.is_empty() {
            unmapped.push(format!("variable :{name}: has no values: left out"));
            continue;
        }
        variables.push(var);
    }
    let names: Vec<String> = variables.iter().map(|v| v.name.clone()).collect();
    let mut cells = Vec::new();
    for c in d
        .get("cells")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let title = text(c, "name");
        let kind = text(c, "type");
        let mut cell = Cell {
            id: new_id(),
            title: title.clone(),
            x: num(c, "x").unwrap_or(0),
            y: num(c, "y").unwrap_or(0),
            w: num(c, "w").unwrap_or(4),
            h: num(c, "h").unwrap_or(4),
            ..Cell::default()
        };
        place(&mut cell, &title, &mut unmapped);
        if kind == "note" {
            cell.kind = CellKind::Note;
            cell.note = text(c, "note");
            cells.push(cell);
            continue;
        }
        let queries: Vec<&Value> = c
            .get("queries")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        let Some(q) = queries.first() else {
            unmapped.push(format!("cell \"{title}\" has no query: left out"));
            continue;
        };
        if queries.len() > 1 {
            unmapped.push(format!(
                "cell \"{title}\": {} queries, only the first is kept",
                queries.len()
            ));
        }
        cell.query = chronograf_placeholders(&text(q, "query"), &names);
        cell.language = Some(match text(q, "type").as_str() {
            "flux" => QueryLanguage::Flux,
            _ => QueryLanguage::Influxql,
        });
        cell.database = q
            .get("queryConfig")
            .map(|qc| text(qc, "database"))
            .filter(|s| !s.is_empty());
        let (chart_type, note) = match kind.as_str() {
            "line" | "" => (ChartType::Line, None),
            "line-stacked" => (ChartType::Area, None),
            "line-stepplot" => (ChartType::Step, None),
            "bar" => (ChartType::Bar, None),
            "single-stat" => (ChartType::SingleStat, None),
            "line-plus-single-stat" => (
                ChartType::Line,
                Some("line + single stat is drawn as a line chart"),
            ),
            "gauge" => (ChartType::Gauge, None),
            "table" => (ChartType::Table, None),
            "histogram" => (ChartType::Histogram, None),
            "heatmap" => (ChartType::Heatmap, None),
            _ => (
                ChartType::Line,
                Some("its chart type is drawn as a line chart"),
            ),
        };
        if let Some(n) = note {
            unmapped.push(format!("cell \"{title}\" ({kind}): {n}"));
        }
        let y = c.get("axes").and_then(|a| a.get("y"));
        let bound = |i: usize| {
            y.and_then(|y| y.get("bounds"))
                .and_then(|b| b.get(i))
                .and_then(Value::as_str)
                .and_then(|s| s.trim().parse::<f64>().ok())
                .filter(|f| f.is_finite())
        };
        let suffix = y.map(|y| text(y, "suffix")).filter(|s| !s.is_empty());
        let decimals = c
            .get("decimalPlaces")
            .filter(|d| d.get("isEnforced").and_then(Value::as_bool) == Some(true))
            .and_then(|d| d.get("digits"))
            .and_then(Value::as_u64)
            .map(|n| n.min(10) as u8);
        cell.chart = ChartSpec {
            chart_type,
            unit: suffix,
            decimals,
            y_min: bound(0),
            y_max: bound(1).filter(|hi| bound(0).is_none_or(|lo| lo < *hi)),
            ..ChartSpec::default()
        };
        cells.push(cell);
    }
    let dashboard = Dashboard {
        name: text(d, "name"),
        variables,
        cells,
        ..Dashboard::default()
    };
    (dashboard, unmapped)
}

/// InfluxDB 2 `v.name` references to template variables become `${name}`.
fn flux_vars(q: &str, names: &[String]) -> String {
    let mut out = q.to_string();
    for n in names {
        // Longest names first would matter for prefixes; a word boundary check suffices here.
        let pat = format!("v.{n}");
        let mut res = String::new();
        let mut rest = out.as_str();
        while let Some(i) = rest.find(&pat) {
            let after = rest[i + pat.len()..].chars().next();
            let before = rest[..i].chars().last();
            let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            res += &rest[..i];
            if word(after) || word(before) {
                res += &pat;
            } else {
                res += &format!("${{{n}}}");
            }
            rest = &rest[i + pat.len()..];
        }
        res += rest;
        out = res;
    }
    out
}

fn influxdb2(resources: &[&Value]) -> (Dashboard, Vec<String>) {
    let mut unmapped = Vec::new();
    let mut variables = Vec::new();
    for r in resources.iter().filter(|r| kind_is(r, "Variable")) {
        let s = r.get("spec").cloned().unwrap_or(Value::Null);
        let name = Some(text(&s, "name"))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| text(r.get("metadata").unwrap_or(&Value::Null), "name"));
        let selected = s
            .get("selected")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .and_then(Value::as_str)
            .map(str::to_string);
        let ty = text(&s, "type");
        let values: Vec<String> = match s.get("values") {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect(),
            Some(Value::Object(m)) => m
                .values()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect(),
            _ => Vec::new(),
        };
        let values = match ty.as_str() {
            "constant" => values,
            "map" => {
                unmapped.push(format!(
                    "variable {name}: a map variable; its keys are not shown, its values are the \
                     choices"
                ));
                values
            }
            "query" => {
                unmapped.push(format!(
                    "variable {name}: a Flux query variable ({}); it is a fixed list of its \
                     selected value here",
                    text(&s, "query").trim()
                ));
                selected.clone().into_iter().collect()
            }
            other => {
                unmapped.push(format!(
                    "variable {name}: type \"{other}\" is not known: left out"
                ));
                continue;
            }
        };
        if values.is_empty() {
            unmapped.push(format!(
                "variable {name}: no values to choose from: left out"
            ));
            continue;
        }
        variables.push(Variable {
            name,
            kind: VariableKind::Custom,
            selected: selected.filter(|s| values.contains(s)),
            values,
            ..Variable::default()
        });
    }
    let names: Vec<String> = variables.iter().map(|v| v.name.clone()).collect();
    let Some(dash) = resources.iter().find(|r| kind_is(r, "Dashboard")) else {
        return (Dashboard::default(), unmapped);
    };
    let spec = dash.get("spec").cloned().unwrap_or(Value::Null);
    if resources.iter().filter(|r| kind_is(r, "Dashboard")).count() > 1 {
        unmapped
            .push("the template has more than one dashboard: only the first is imported".into());
    }
    let mut cells = Vec::new();
    for c in spec
        .get("charts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let kind = text(c, "kind");
        let title = Some(text(c, "name"))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| kind.clone());
        let mut cell = Cell {
            id: new_id(),
            title: title.clone(),
            x: num(c, "xPos").unwrap_or(0),
            y: num(c, "yPos").unwrap_or(0),
            w: num(c, "width").unwrap_or(4),
            h: num(c, "height").unwrap_or(4),
            ..Cell::default()
        };
        place(&mut cell, &title, &mut unmapped);
        if kind.eq_ignore_ascii_case("markdown") {
            cell.kind = CellKind::Note;
            cell.note = text(c, "note");
            cells.push(cell);
            continue;
        }
        let queries: Vec<String> = c
            .get("queries")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|q| text(q, "query"))
            .filter(|q| !q.trim().is_empty())
            .collect();
        let Some(q) = queries.first() else {
            unmapped.push(format!("cell \"{title}\" has no query: left out"));
            continue;
        };
        if queries.len() > 1 {
            unmapped.push(format!(
                "cell \"{title}\": {} queries, only the first is kept",
                queries.len()
            ));
        }
        cell.query = flux_vars(q, &names);
        cell.language = Some(QueryLanguage::Flux);
        let geom = text(c, "geom");
        let (chart_type, note) = match (kind.to_ascii_lowercase().as_str(), geom.as_str()) {
            ("xy", "step") => (ChartType::Step, None),
            ("xy", "bar") => (ChartType::Bar, None),
            ("xy", "monotoneX" | "line" | "") => (ChartType::Line, None),
            ("xy", _) => (ChartType::Line, Some("its line shape is drawn as a line")),
            ("single_stat", _) => (ChartType::SingleStat, None),
            ("gauge", _) => (ChartType::Gauge, None),
            ("table", _) => (ChartType::Table, None),
            ("scatter", _) => (ChartType::Scatter, None),
            ("histogram", _) => (ChartType::Histogram, None),
            ("heatmap", _) => (ChartType::Heatmap, None),
            ("single_stat_plus_line", _) => (
                ChartType::Line,
                Some("single stat + line is drawn as a line chart"),
            ),
            _ => (
                ChartType::Line,
                Some("this chart kind is drawn as a line chart"),
            ),
        };
        if let Some(n) = note {
            unmapped.push(format!("cell \"{title}\" ({kind}): {n}"));
        }
        // Histogram: binCount, xDomain, position; heatmap: yDomain (its binSize is in pixels).
        let domain = |key: &str| {
            let d: Vec<f64> = c
                .get(key)
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_f64).collect())
                .unwrap_or_default();
            match d[..] {
                [lo, hi] if lo.is_finite() && hi.is_finite() && lo < hi => (Some(lo), Some(hi)),
                _ => (None, None),
            }
        };
        let (bin_min, bin_max) = match chart_type {
            ChartType::Histogram => domain("xDomain"),
            ChartType::Heatmap => domain("yDomain"),
            _ => (None, None),
        };
        let histogram = chart_type == ChartType::Histogram;
        let bins = c
            .get("binCount")
            .and_then(Value::as_u64)
            .filter(|_| histogram)
            .map(|n| n.clamp(1, u64::from(chart::MAX_BINS)) as u32);
        let histogram_layout = match text(c, "position").as_str() {
            "stacked" if histogram => Some(HistogramLayout::Stacked),
            "overlaid" if histogram => {
                unmapped.push(format!(
                    "cell \"{title}\" ({kind}): overlaid bars are drawn side by side"
                ));
                Some(HistogramLayout::SideBySide)
            }
            _ => None,
        };
        cell.chart = ChartSpec {
            chart_type,
            unit: Some(text(c, "suffix")).filter(|s| !s.is_empty()),
            decimals: c
                .get("decimalPlaces")
                .and_then(Value::as_u64)
                .map(|n| n.min(10) as u8),
            bins,
            bin_min,
            bin_max,
            histogram_layout,
            ..ChartSpec::default()
        };
        cells.push(cell);
    }
    let dashboard = Dashboard {
        name: Some(text(&spec, "name"))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| text(dash.get("metadata").unwrap_or(&Value::Null), "name")),
        variables,
        cells,
        ..Dashboard::default()
    };
    (dashboard, unmapped)
}
