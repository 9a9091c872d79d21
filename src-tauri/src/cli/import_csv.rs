//! `influxdesk import-csv`: a CSV file (plain or gzip; an InfluxDB 2 annotated CSV as it is)
//! imported through the same streamed, checkpointed pump as `write`, or with --preview the
//! columns as they will be used, the first points and the first bad rows. A thin shell over
//! `api::write::csv`.

use super::output::json;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;
use influxdesk_core::api::write::csv::{
    self, CsvFieldType, CsvMapping, CsvPreview, ImportCsvReq, PreviewCsvReq,
};
use influxdesk_core::api::write::{BatchOptions, DEFAULT_BATCH_LINES, WriteHooks};
use influxdesk_core::{Actor, Ctx, Result};
use tokio::sync::mpsc;

#[derive(Args)]
pub struct ImportCsvArgs {
    /// The CSV file (plain or gzip).
    file: PathBuf,
    /// Profile name or id (default: the active profile).
    #[arg(long, short)]
    profile: Option<String>,
    /// Database (`db` or `db/rp`) or bucket to write to.
    #[arg(long)]
    bucket: Option<String>,
    /// The column with each row's time (default: one named time, _time or timestamp).
    #[arg(long, value_name = "COLUMN")]
    time_column: Option<String>,
    /// rfc3339 (default), s, ms, us, ns, or a chrono pattern like "%Y-%m-%d %H:%M:%S" (UTC
    /// unless it has %z).
    #[arg(long, value_name = "F")]
    time_format: Option<String>,
    /// Tag columns.
    #[arg(long, value_delimiter = ',', value_name = "a,b")]
    tags: Vec<String>,
    /// Field columns (default: every column not used otherwise).
    #[arg(long, value_delimiter = ',', value_name = "x,y")]
    fields: Vec<String>,
    /// Columns to leave out.
    #[arg(long, value_delimiter = ',', value_name = "c,d")]
    ignore: Vec<String>,
    /// A field's type instead of the inferred one: COLUMN=float|integer|unsigned|boolean|string
    /// (repeatable).
    #[arg(long = "type", value_name = "COLUMN=TYPE", value_parser = parse_type)]
    types: Vec<(String, CsvFieldType)>,
    /// The measurement of every point.
    #[arg(long, conflicts_with = "measurement_column")]
    measurement: Option<String>,
    /// The column holding each row's measurement.
    #[arg(long, value_name = "COLUMN")]
    measurement_column: Option<String>,
    /// The separator (default `,`; `\t` for tabs).
    #[arg(long, value_name = "C")]
    delimiter: Option<String>,
    /// Show the columns as they will be used, the first points and bad rows; write nothing.
    #[arg(long)]
    preview: bool,
    /// Rows to convert in a preview.
    #[arg(long, value_name = "N", default_value_t = 10, requires = "preview")]
    rows: usize,
    /// Continue an interrupted import of FILE after its last acknowledged batch.
    #[arg(long, conflicts_with = "restart")]
    resume: bool,
    /// Import FILE from the start although an interrupted import of it left a checkpoint.
    #[arg(long)]
    restart: bool,
    /// Rows per batch.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_BATCH_LINES)]
    batch_lines: usize,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

fn parse_type(s: &str) -> std::result::Result<(String, CsvFieldType), String> {
    let (col, t) = s
        .rsplit_once('=')
        .ok_or_else(|| format!("{s:?} is not COLUMN=TYPE (e.g. temp=float)"))?;
    let t = CsvFieldType::parse(t).ok_or_else(|| {
        format!("{t:?} is not a field type: float, integer, unsigned, boolean or string")
    })?;
    Ok((col.to_string(), t))
}

/// Run `influxdesk import-csv`.
pub async fn run(ctx: &Ctx, me: &Actor, a: ImportCsvArgs) -> Result<String> {
    let mapping = CsvMapping {
        time_column: a.time_column,
        time_format: a.time_format,
        tags: a.tags,
        fields: a.fields,
        ignore: a.ignore,
        types: a.types.into_iter().collect::<BTreeMap<_, _>>(),
        measurement: a.measurement,
        measurement_column: a.measurement_column,
        delimiter: a.delimiter,
        infer_rows: None,
    };
    let path = a.file.display().to_string();
    if a.preview {
        let req = PreviewCsvReq {
            path,
            mapping,
            rows: Some(a.rows),
        };
        let p = csv::preview(ctx, me, req).await?;
        return Ok(if a.json { json(&p)? } else { show_preview(&p) });
    }
    let (tx, rx) = mpsc::channel(16);
    let printer = tokio::spawn(super::progress::show(rx, std::io::stderr().is_terminal()));
    let hooks = WriteHooks {
        progress: Some(tx),
        ..WriteHooks::default()
    };
    let cancel = hooks.cancel.clone();
    // Ctrl-C stops before the next batch, keeping the checkpoint.
    let ctrl_c = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            cancel.cancel();
        }
    });
    let req = ImportCsvReq {
        profile: a.profile,
        bucket: a.bucket,
        path,
        mapping,
        batch: BatchOptions {
            resume: a.resume,
            restart: a.restart,
            batch_lines: Some(a.batch_lines),
            retries: None,
        },
    };
    let result = csv::import(ctx, me, req, hooks).await;
    ctrl_c.abort();
    let _ = printer.await;
    let r = result?;
    if a.json {
        return json(&r);
    }
    let r = r.into_complete()?;
    Ok(format!("{}\n", r.summary()))
}

fn show_preview(p: &CsvPreview) -> String {
    let mut out = String::new();
    if let Some(problem) = &p.problem {
        out += &format!("columns: {}\n", p.header.join(", "));
        out += &format!("the mapping does not fit: {problem}\n");
        return out;
    }
    out += &format!(
        "{}{} CSV, time format {}\n",
        if p.gzip { "gzip " } else { "" },
        if p.annotated { "annotated" } else { "plain" },
        p.time_format
    );
    let w = p.columns.iter().map(|c| c.name.len()).max().unwrap_or(0);
    for c in &p.columns {
        let role = serde_json::to_value(c.role)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let kind = c
            .kind
            .and_then(|k| serde_json::to_value(k).ok())
            .and_then(|v| v.as_str().map(str::to_string))
            .map(|k| format!(" {k}{}", if c.inferred { " (inferred)" } else { "" }))
            .unwrap_or_default();
        out += &format!("  {:<w$}  {role}{kind}\n", c.name);
    }
    out += &format!("first points ({} rows read):\n", p.rows_read);
    for pt in &p.points {
        out += &format!("  line {}: {}\n", pt.line, pt.lp);
    }
    if !p.errors.is_empty() {
        out += "bad rows:\n";
        for e in &p.errors {
            out += &format!("  line {}: {}\n", e.line, e.reason);
        }
    }
    out
}
