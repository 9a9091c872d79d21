//! Running a dashboard: every query cell's query (its variables substituted, the dashboard's
//! or its own time range applied) runs concurrently, at most [`MAX_CONCURRENT_CELLS`] at a
//! time, and is drawn by the chart renderer at the cell's pixel size (so decimated to its
//! width), each on the blocking pool in parallel. The window gets one SVG per cell
//! ([`run`]); the CLI and MCP get the whole dashboard as one PNG ([`render_png`]). A failing
//! cell carries its error; the others are drawn. Cells only read: a statement that changes
//! anything is refused, whoever runs the dashboard.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use ts_rs::TS;

use super::vars::{self, ResolvedVariable};
use super::{Cell, CellKind, Dashboard, check_range, find, load, read_access};
use crate::api::{Ctx, profiles, query};
use crate::chart::{
    self, ChartSpec, ChartSummary, HoverData, MAX_SIZE, MIN_SIZE, OVERLAY_MAX_MARKERS,
    OverlayMarker, TILE_HEADER, Theme, Tile, TileBody,
};
use crate::error::{Error, ErrorBody, Result};
use crate::influx::classify;
use crate::model::{Actor, Profile, QueryResult, RunQueryReq, TimeRange};

/// Cell queries running at once on one dashboard.
pub const MAX_CONCURRENT_CELLS: usize = 4;
/// Grid width in pixels when none is given.
pub const DEFAULT_WIDTH: u32 = 1200;
/// Height of a grid row in pixels when none is given.
pub const DEFAULT_ROW_HEIGHT: u32 = 80;
/// Space between cells, in pixels.
pub const GAP: u32 = 8;

/// Run a dashboard's cells and draw each as SVG (the window).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export, optional_fields = nullable)]
pub struct RunDashboardReq {
    /// Profile id or name; the active profile when absent.
    pub profile: Option<String>,
    /// The dashboard's id or name.
    pub dashboard: String,
    /// A range instead of the dashboard's (cells with their own keep theirs).
    pub time_range: Option<TimeRange>,
    /// Variable values by name, instead of the saved choices.
    pub values: BTreeMap<String, super::Choice>,
    /// Width of the whole grid in pixels (default 1200).
    pub width: Option<u32>,
    /// Height of one grid row in pixels (default 80).
    pub row_height: Option<u32>,
    /// light (default) or dark.
    pub theme: Option<Theme>,
    /// Only these cells (by id); every cell when empty.
    pub cells: Vec<String>,
}

/// Draw a whole dashboard as one PNG (the CLI, MCP).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export, optional_fields = nullable)]
pub struct RenderDashboardReq {
    pub profile: Option<String>,
    /// The dashboard's id or name.
    pub dashboard: String,
    pub time_range: Option<TimeRange>,
    pub values: BTreeMap<String, super::Choice>,
    /// Image width in pixels (default 1200).
    pub width: Option<u32>,
    /// Height of one grid row in pixels (default 80).
    pub row_height: Option<u32>,
    pub theme: Option<Theme>,
}

/// One cell, run and drawn.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CellRun {
    pub cell_id: String,
    pub kind: super::CellKind,
    pub title: String,
    /// The drawn size in pixels.
    pub width: u32,
    pub height: u32,
    pub svg: Option<String>,
    pub hover: Option<HoverData>,
    pub summary: Option<ChartSummary>,
    /// The text the server got (variables and range filled in).
    pub executed_query: Option<String>,
    pub rows: usize,
    pub elapsed_ms: f64,
    pub error: Option<ErrorBody>,
}

/// A dashboard run: its cells in the dashboard's order, and the variables as used.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct DashboardRun {
    pub dashboard: Dashboard,
    pub variables: Vec<ResolvedVariable>,
    pub cells: Vec<CellRun>,
    pub elapsed_ms: f64,
}

/// A dashboard as one image, with what each cell shows in words.
#[derive(Debug, Clone)]
pub struct DashboardPng {
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// One paragraph per cell: its title and chart summary, or its error.
    pub text: String,
    /// Cells that failed.
    pub failed: usize,
}

/// Pixel geometry of the grid.
#[derive(Clone, Copy)]
struct Grid {
    width: u32,
    row: u32,
}

impl Grid {
    fn new(width: Option<u32>, row: Option<u32>) -> Result<Grid> {
        let width = width.unwrap_or(DEFAULT_WIDTH);
        let row = row.unwrap_or(DEFAULT_ROW_HEIGHT);
        if !(300..=MAX_SIZE).contains(&width) {
            return Err(Error::invalid(format!(
                "a dashboard width of {width} pixels is out of range: use 300 to {MAX_SIZE}"
            )));
        }
        if !(40..=400).contains(&row) {
            return Err(Error::invalid(format!(
                "a row height of {row} pixels is out of range: use 40 to 400"
            )));
        }
        Ok(Grid { width, row })
    }

    /// The tile of a cell: x, y, w, h in pixels.
    fn tile(&self, c: &Cell) -> (u32, u32, u32, u32) {
        let col = f64::from(self.width) / f64::from(super::GRID_COLUMNS);
        let x = (f64::from(c.x) * col).round() as u32 + GAP / 2;
        let w = ((f64::from(c.w) * col).round() as u32).saturating_sub(GAP);
        (
            x,
            c.y * self.row + GAP / 2,
            w,
            (c.h * self.row).saturating_sub(GAP),
        )
    }

    /// The chart's size inside a tile (below its title bar, inside its border).
    fn chart_size(&self, c: &Cell) -> (u32, u32) {
        let (_, _, w, h) = self.tile(c);
        (
            w.saturating_sub(2).clamp(MIN_SIZE, MAX_SIZE),
            h.saturating_sub(TILE_HEADER + 1).clamp(MIN_SIZE, MAX_SIZE),
        )
    }
}

/// What a cell's query is run with.
struct Run<'a> {
    ctx: &'a Ctx,
    actor: &'a Actor,
    profile: &'a Profile,
    range: &'a TimeRange,
    vars: &'a [ResolvedVariable],
    markers: &'a [OverlayMarker],
    limit: Arc<Semaphore>,
}

impl Run<'_> {
    /// Run one cell's query (waiting for a free slot).
    async fn query(&self, c: &Cell) -> Result<QueryResult> {
        let lang = self.ctx.language_of(self.profile, c.language).await?;
        let text = vars::substitute(&c.query, lang, self.vars)?;
        classify::ensure_read(lang, &text, "a dashboard cell")?;
        let req = RunQueryReq {
            profile: Some(self.profile.id.clone()),
            language: Some(lang),
            database: c.database.clone(),
            query: text,
            row_limit: None,
            time_range: Some(c.time_range.clone().unwrap_or_else(|| self.range.clone())),
            query_id: None,
        };
        let _slot = self
            .limit
            .acquire()
            .await
            .map_err(|_| Error::Internal("the cell queue closed".into()))?;
        query::run_resolved(self.ctx, self.actor, self.profile, &req, Instant::now()).await
    }
}

fn spec_for(
    c: &Cell,
    (w, h): (u32, u32),
    theme: Theme,
    titled: bool,
    markers: &[OverlayMarker],
) -> ChartSpec {
    let mut spec = ChartSpec {
        width: w,
        height: h,
        theme,
        title: if titled { c.chart.title.clone() } else { None },
        ..c.chart.clone()
    };
    let room = OVERLAY_MAX_MARKERS.saturating_sub(spec.overlay.markers.len());
    spec.overlay
        .markers
        .extend(markers.iter().take(room).cloned());
    spec
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(format!("chart task failed: {e}")))?
}

async fn svg_cell(run: &Run<'_>, c: &Cell, grid: Grid, theme: Theme) -> CellRun {
    let start = Instant::now();
    let size = grid.chart_size(c);
    let mut out = CellRun {
        cell_id: c.id.clone(),
        kind: c.kind,
        title: c.title.clone(),
        width: size.0,
        height: size.1,
        svg: None,
        hover: None,
        summary: None,
        executed_query: None,
        rows: 0,
        elapsed_ms: 0.0,
        error: None,
    };
    if c.kind == CellKind::Note {
        return out;
    }
    let drawn = async {
        let r = run.query(c).await?;
        out.executed_query = Some(r.executed_query.clone());
        out.rows = r.rows;
        let spec = spec_for(c, size, theme, false, run.markers);
        blocking(move || chart::render_svg(&chart::series_from_frames(&r.frames), &spec)).await
    }
    .await;
    match drawn {
        Ok(r) => {
            out.svg = Some(r.svg);
            out.hover = r.hover;
            out.summary = Some(r.summary);
        }
        Err(e) => {
            out.error = Some(ErrorBody {
                code: e.code(),
                message: e.message().to_string(),
            })
        }
    }
    out.elapsed_ms = start.elapsed().as_secs_f64() * 1000.0;
    out
}

struct Prepared {
    profile: Profile,
    dashboard: Dashboard,
    range: TimeRange,
    vars: Vec<ResolvedVariable>,
    /// Annotations and alert changes, drawn on every time chart.
    markers: Vec<OverlayMarker>,
}

async fn prepare(
    ctx: &Ctx,
    actor: &Actor,
    profile: Option<&str>,
    key: &str,
    range: Option<TimeRange>,
    values: &BTreeMap<String, super::Choice>,
) -> Result<Prepared> {
    let p = profiles::resolve(ctx, profile).await?;
    read_access(ctx, actor, &p, &format!("run dashboard \"{key}\"")).await?;
    let d = find(&load(ctx, &p)?, key)?.clone();
    let range = range.unwrap_or_else(|| d.time_range.clone());
    check_range(&range)?;
    let vars = vars::resolve(ctx, &p, &d.variables, values).await?;
    let markers = super::annotations::markers(ctx, &p, &d, &range).await;
    Ok(Prepared {
        profile: p,
        dashboard: d,
        range,
        vars,
        markers,
    })
}

/// Run every cell (or the ones named) and draw each as SVG at its size on the grid.
pub async fn run(ctx: &Ctx, actor: &Actor, req: RunDashboardReq) -> Result<DashboardRun> {
    let start = Instant::now();
    let grid = Grid::new(req.width, req.row_height)?;
    let pre = prepare(
        ctx,
        actor,
        req.profile.as_deref(),
        &req.dashboard,
        req.time_range.clone(),
        &req.values,
    )
    .await?;
    for id in &req.cells {
        if !pre.dashboard.cells.iter().any(|c| &c.id == id) {
            return Err(Error::NotFound(format!(
                "dashboard \"{}\" has no cell \"{id}\"",
                pre.dashboard.name
            )));
        }
    }
    let run = Run {
        ctx,
        actor,
        profile: &pre.profile,
        range: &pre.range,
        vars: &pre.vars,
        markers: &pre.markers,
        limit: Arc::new(Semaphore::new(MAX_CONCURRENT_CELLS)),
    };
    let theme = req.theme.unwrap_or_default();
    let cells = futures::future::join_all(
        pre.dashboard
            .cells
            .iter()
            .filter(|c| req.cells.is_empty() || req.cells.contains(&c.id))
            .map(|c| svg_cell(&run, c, grid, theme)),
    )
    .await;
    let failed = cells.iter().filter(|c| c.error.is_some()).count();
    ctx.emit(
        actor,
        "dashboard.run",
        format!(
            "{} ({} cells{})",
            pre.dashboard.name,
            cells.len(),
            if failed > 0 {
                format!(", {failed} failed")
            } else {
                String::new()
            }
        ),
    );
    Ok(DashboardRun {
        dashboard: pre.dashboard,
        variables: pre.vars,
        cells,
        elapsed_ms: start.elapsed().as_secs_f64() * 1000.0,
    })
}

/// Run every cell and draw the whole dashboard as one PNG, cells where the grid has them.
pub async fn render_png(ctx: &Ctx, actor: &Actor, req: RenderDashboardReq) -> Result<DashboardPng> {
    let grid = Grid::new(req.width, req.row_height)?;
    let pre = prepare(
        ctx,
        actor,
        req.profile.as_deref(),
        &req.dashboard,
        req.time_range.clone(),
        &req.values,
    )
    .await?;
    let theme = req.theme.unwrap_or_default();
    let run = Run {
        ctx,
        actor,
        profile: &pre.profile,
        range: &pre.range,
        vars: &pre.vars,
        markers: &pre.markers,
        limit: Arc::new(Semaphore::new(MAX_CONCURRENT_CELLS)),
    };
    let drawn: Vec<(Tile, String, bool)> =
        futures::future::join_all(pre.dashboard.cells.iter().map(|c| {
            let run = &run;
            async move {
                let (x, y, w, h) = grid.tile(c);
                let title = if c.title.is_empty() {
                    "(untitled)".to_string()
                } else {
                    c.title.clone()
                };
                let body = match c.kind {
                    CellKind::Note => Ok((TileBody::Text(c.note.clone()), "a note".to_string())),
                    CellKind::Query => {
                        let size = grid.chart_size(c);
                        let spec = spec_for(c, size, theme, true, run.markers);
                        match run.query(c).await {
                            Ok(r) => {
                                blocking(move || {
                                    let (rgb, summary) = chart::render_rgb(
                                        &chart::series_from_frames(&r.frames),
                                        &spec,
                                    )?;
                                    let text = summary.text(&spec);
                                    Ok((
                                        TileBody::Chart {
                                            rgb,
                                            w: size.0,
                                            h: size.1,
                                        },
                                        text,
                                    ))
                                })
                                .await
                            }
                            Err(e) => Err(e),
                        }
                    }
                };
                let (body, text, failed) = match body {
                    Ok((b, t)) => (b, t, false),
                    Err(e) => {
                        let msg = format!("{}: {}", e.code(), e.message());
                        (TileBody::Error(msg.clone()), msg, true)
                    }
                };
                let text = format!("## {title} (cell {})\n{}", c.id, text.trim_end());
                (
                    Tile {
                        x,
                        y,
                        w,
                        h,
                        title,
                        body,
                    },
                    text,
                    failed,
                )
            }
        }))
        .await;
    let rows = pre
        .dashboard
        .cells
        .iter()
        .map(|c| c.y + c.h)
        .max()
        .unwrap_or(0);
    let height = (rows * grid.row).max(MIN_SIZE);
    let failed = drawn.iter().filter(|d| d.2).count();
    let mut text = format!(
        "Dashboard \"{}\": {} cells{}",
        pre.dashboard.name,
        drawn.len(),
        if failed > 0 {
            format!(", {failed} failed")
        } else {
            String::new()
        }
    );
    let mut tiles = Vec::new();
    for (tile, t, _) in drawn {
        text += "\n\n";
        text += &t;
        tiles.push(tile);
    }
    let width = grid.width;
    let png = blocking(move || chart::compose_png(width, height, theme, &tiles)).await?;
    ctx.emit(
        actor,
        "dashboard.render",
        format!("{} as a {width}x{height} PNG", pre.dashboard.name),
    );
    Ok(DashboardPng {
        png,
        width,
        height,
        text,
        failed,
    })
}
