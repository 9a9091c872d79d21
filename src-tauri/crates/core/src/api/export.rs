//! Export a kept result (by query id) to a file: CSV, JSON or line protocol. Files are written
//! atomically; with no path they go to the Downloads folder with a descriptive name.

use std::path::PathBuf;

use serde::Deserialize;

use super::{Ctx, query};
use crate::error::{Error, Result};
use crate::format;
use crate::model::{Actor, ExportFormat, ExportResult};
use crate::store::write_atomic;

/// Export the result of a query run with `query_id`.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct ExportReq {
    pub query_id: String,
    pub format: ExportFormat,
    /// The file to write; a new file in the Downloads folder when absent.
    #[serde(default)]
    pub path: Option<String>,
}

/// Where an export goes: the given path, or Downloads/influxdesk-<what>-<time>.<ext>.
pub fn target(path: Option<&str>, what: &str, format: ExportFormat) -> Result<PathBuf> {
    if let Some(p) = path.map(str::trim).filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        if p.is_dir() {
            return Err(Error::invalid(format!(
                "{} is a folder: give a file name",
                p.display()
            )));
        }
        return Ok(p);
    }
    let dir = dirs::download_dir()
        .or_else(dirs::home_dir)
        .ok_or_else(|| Error::invalid("no Downloads folder: give a path to export to"))?;
    let safe: String = what
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
    Ok(dir.join(format!("influxdesk-{safe}-{stamp}.{}", format.extension())))
}

pub async fn result(ctx: &Ctx, actor: &Actor, req: ExportReq) -> Result<ExportResult> {
    let r = query::cached(ctx, &req.query_id)?;
    let text = match req.format {
        ExportFormat::Csv => format::csv(&r),
        ExportFormat::Json => format::render(&r, format::Format::Json),
        ExportFormat::LineProtocol => format::line_protocol(&r),
        ExportFormat::Png | ExportFormat::Svg => {
            return Err(Error::invalid(
                "PNG and SVG are chart exports: export the chart instead",
            ));
        }
    };
    let what = r.frames.first().map_or("result", |f| {
        if f.name.is_empty() {
            "result"
        } else {
            f.name.as_str()
        }
    });
    let path = target(req.path.as_deref(), what, req.format)?;
    write_atomic(&path, text.as_bytes())?;
    ctx.emit(actor, "export", path.display().to_string());
    Ok(ExportResult {
        path: path.display().to_string(),
        bytes: text.len(),
    })
}
