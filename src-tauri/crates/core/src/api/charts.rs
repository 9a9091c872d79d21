//! Charts of query results, drawn by `chart` (plotters): SVG for the window from a kept result
//! (by query id, so the chart does not run the query again), PNG/SVG files for export, and a
//! query-to-image path for the CLI (and, later, MCP).

use serde::Deserialize;

use super::{Ctx, export, query};
use crate::chart::{self, ChartSpec, Rendered, RenderedPng};
use crate::error::{Error, Result};
use crate::model::{Actor, ExportFormat, ExportResult, QueryResult, RunQueryReq};
use crate::store::write_atomic;

/// Draw the result kept under `query_id`.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct RenderChartReq {
    pub query_id: String,
    #[serde(default)]
    pub spec: ChartSpec,
}

/// Write the chart of a kept result to a PNG or SVG file.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct ExportChartReq {
    pub query_id: String,
    #[serde(default)]
    pub spec: ChartSpec,
    /// png or svg.
    pub format: ExportFormat,
    /// The file to write; a new file in the Downloads folder when absent.
    #[serde(default)]
    pub path: Option<String>,
}

fn series(r: &QueryResult) -> Vec<chart::Series> {
    chart::series_from_frames(&r.frames)
}

pub async fn render(ctx: &Ctx, req: RenderChartReq) -> Result<Rendered> {
    let r = query::cached(ctx, &req.query_id)?;
    let spec = req.spec;
    tokio::task::spawn_blocking(move || {
        let start = std::time::Instant::now();
        let series = series(&r);
        let series_ms = start.elapsed().as_secs_f64() * 1e3;
        let mut rendered = chart::render_svg(&series, &spec)?;
        rendered.render_ms += series_ms;
        Ok(rendered)
    })
    .await
    .map_err(|e| Error::Internal(format!("chart task failed: {e}")))?
}

/// A chart image as bytes (PNG or SVG) for a result.
pub fn image(
    r: &QueryResult,
    spec: &ChartSpec,
    format: ExportFormat,
) -> Result<(Vec<u8>, chart::ChartSummary)> {
    match format {
        ExportFormat::Png => {
            let RenderedPng { png, summary } = chart::render_png(&series(r), spec)?;
            Ok((png, summary))
        }
        ExportFormat::Svg => {
            let Rendered { svg, summary, .. } = chart::render_svg(&series(r), spec)?;
            Ok((svg.into_bytes(), summary))
        }
        other => Err(Error::invalid(format!(
            "a chart is exported as png or svg, not {}",
            other.extension()
        ))),
    }
}

pub async fn export(ctx: &Ctx, actor: &Actor, req: ExportChartReq) -> Result<ExportResult> {
    let r = query::cached(ctx, &req.query_id)?;
    let what = r
        .frames
        .first()
        .map_or("chart", |f| {
            if f.name.is_empty() {
                "chart"
            } else {
                f.name.as_str()
            }
        })
        .to_string();
    let path = export::target(req.path.as_deref(), &what, req.format)?;
    let (spec, format) = (req.spec, req.format);
    let (bytes, _) = tokio::task::spawn_blocking(move || image(&r, &spec, format))
        .await
        .map_err(|e| Error::Internal(format!("chart task failed: {e}")))??;
    write_atomic(&path, &bytes)?;
    ctx.emit(actor, "export.chart", path.display().to_string());
    Ok(ExportResult {
        path: path.display().to_string(),
        bytes: bytes.len(),
    })
}

/// Run a query and draw it (the CLI's `chart`).
pub async fn render_query(
    ctx: &Ctx,
    actor: &Actor,
    req: RunQueryReq,
    spec: ChartSpec,
    format: ExportFormat,
) -> Result<(Vec<u8>, chart::ChartSummary)> {
    let r = query::run(ctx, actor, req).await?;
    tokio::task::spawn_blocking(move || image(&r, &spec, format))
        .await
        .map_err(|e| Error::Internal(format!("chart task failed: {e}")))?
}
