//! `influxdesk dashboard`: the dashboards of a profile from the command line: list them,
//! export one as JSON, import a file (ours, a Chronograf export, an InfluxDB 2 template), and
//! render one as a single PNG (every cell run and drawn where the grid has it); its
//! annotations are in `dashboard_annotations`. Each subcommand is one `core::api::dashboards`
//! call.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Subcommand;
use influxdesk_core::api::dashboards::{
    self, DashboardReq, ImportDashboardReq, ListDashboardsReq, RenderDashboardReq,
};
use influxdesk_core::chart::Theme;
use influxdesk_core::{Actor, Ctx, Error, Result};

use super::RangeArgs;
use super::output::json;

#[derive(Subcommand)]
pub enum DashboardCmd {
    /// A dashboard's annotations: list, add, remove.
    #[command(subcommand)]
    Annotations(super::dashboard_annotations::AnnotationCmd),
    /// List the profile's dashboards.
    List {
        #[arg(long)]
        profile: Option<String>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Print a dashboard as influxdesk JSON (or write it with --out).
    Export {
        /// The dashboard's name or id.
        name: String,
        #[arg(long)]
        profile: Option<String>,
        /// Write the JSON to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Import a dashboard file: an influxdesk export, a Chronograf dashboard export or an
    /// InfluxDB 2 dashboard template. Prints what could not be carried over.
    Import {
        /// The JSON file ("-" for standard input).
        file: PathBuf,
        #[arg(long)]
        profile: Option<String>,
        /// A name instead of the file's.
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Run every cell and draw the whole dashboard as one PNG.
    #[command(after_help = "Examples:\n  \
        influxdesk dashboard render Ops --out ops.png\n  \
        influxdesk dashboard render Ops --range 24h --var host=web-01 --width 1600 --out ops.png")]
    Render {
        /// The dashboard's name or id.
        name: String,
        /// The PNG to write.
        #[arg(long, value_name = "FILE.png")]
        out: PathBuf,
        #[arg(long)]
        profile: Option<String>,
        #[command(flatten)]
        range: RangeArgs,
        /// A variable's value, NAME=VALUE (repeat a NAME for several values of a multi-select
        /// variable).
        #[arg(long = "var", value_name = "NAME=VALUE")]
        vars: Vec<String>,
        /// Image width in pixels (default 1200).
        #[arg(long)]
        width: Option<u32>,
        /// Height of a grid row in pixels (default 80).
        #[arg(long)]
        row_height: Option<u32>,
        /// Draw on a dark background.
        #[arg(long)]
        dark: bool,
        /// Print JSON (file, size, failed cells, each cell's summary) instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// `--var NAME=VALUE`, repeated for several values of a multi-select variable.
fn values(vars: &[String]) -> Result<BTreeMap<String, dashboards::Choice>> {
    let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for v in vars {
        let (k, v) = v
            .split_once('=')
            .ok_or_else(|| Error::invalid(format!("--var \"{v}\" must be NAME=VALUE")))?;
        by_name
            .entry(k.trim().to_string())
            .or_default()
            .push(v.to_string());
    }
    Ok(by_name
        .into_iter()
        .map(|(k, mut vs)| {
            let c = if vs.len() == 1 {
                dashboards::Choice::One(vs.remove(0))
            } else {
                dashboards::Choice::Many(vs)
            };
            (k, c)
        })
        .collect())
}

pub async fn run(ctx: &Ctx, cmd: DashboardCmd) -> Result<String> {
    let me = Actor::User;
    match cmd {
        DashboardCmd::Annotations(a) => super::dashboard_annotations::run(ctx, a).await,
        DashboardCmd::List {
            profile,
            json: as_json,
        } => {
            let list = dashboards::list(ctx, &me, ListDashboardsReq { profile }).await?;
            if as_json {
                return json(&list);
            }
            if list.is_empty() {
                return Ok("no dashboards (create one in the app, or import a file)\n".into());
            }
            let w = list
                .iter()
                .map(|d| d.name.chars().count())
                .max()
                .unwrap_or(4)
                .max(4);
            let mut out = format!("{:<w$}  CELLS  VARIABLES  ID\n", "NAME");
            for d in list {
                out += &format!(
                    "{:<w$}  {:>5}  {:>9}  {}\n",
                    d.name, d.cells, d.variables, d.id
                );
            }
            Ok(out)
        }
        DashboardCmd::Export { name, profile, out } => {
            let text = dashboards::export(
                ctx,
                &me,
                DashboardReq {
                    profile,
                    dashboard: name,
                },
            )
            .await?;
            match out {
                Some(path) => {
                    influxdesk_core::store::write_atomic(&path, format!("{text}\n").as_bytes())?;
                    Ok(format!("wrote {}\n", path.display()))
                }
                None => Ok(text + "\n"),
            }
        }
        DashboardCmd::Import {
            file,
            profile,
            name,
            json: as_json,
        } => {
            let text = if file.as_os_str() == "-" {
                super::read_stdin("the dashboard")?
            } else {
                std::fs::read_to_string(&file).map_err(|e| {
                    Error::invalid(format!("could not read {}: {e}", file.display()))
                })?
            };
            let r = dashboards::import(
                ctx,
                &me,
                ImportDashboardReq {
                    profile,
                    json: text,
                    name,
                },
            )
            .await?;
            if as_json {
                return json(&r);
            }
            let mut out = format!(
                "imported \"{}\" ({} format): {} cells, {} variables\n",
                r.dashboard.name,
                r.format,
                r.dashboard.cells.len(),
                r.dashboard.variables.len()
            );
            for u in &r.unmapped {
                out += &format!("not carried over as it was: {u}\n");
            }
            Ok(out)
        }
        DashboardCmd::Render {
            name,
            out,
            profile,
            range,
            vars,
            width,
            row_height,
            dark,
            json: as_json,
        } => {
            if out
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
                != Some("png".into())
            {
                return Err(Error::invalid("--out must end in .png"));
            }
            let r = dashboards::render_png(
                ctx,
                &me,
                RenderDashboardReq {
                    profile,
                    dashboard: name,
                    time_range: range.time_range(),
                    values: values(&vars)?,
                    width,
                    row_height,
                    theme: dark.then_some(Theme::Dark),
                },
            )
            .await?;
            influxdesk_core::store::write_atomic(&out, &r.png)?;
            if as_json {
                return json(&serde_json::json!({
                    "file": out.display().to_string(),
                    "width": r.width,
                    "height": r.height,
                    "bytes": r.png.len(),
                    "failed_cells": r.failed,
                    "summary": r.text,
                }));
            }
            Ok(format!(
                "{}\n\nwrote {} ({}x{}, {} bytes)\n",
                r.text,
                out.display(),
                r.width,
                r.height,
                r.png.len()
            ))
        }
    }
}
