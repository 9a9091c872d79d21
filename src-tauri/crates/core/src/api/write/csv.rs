//! CSV import: a CSV file (plain or gzip; a plain mapping of columns to time, tags, fields
//! and measurement, or an InfluxDB 2 annotated CSV as it is) converted row by row to line
//! protocol and sent through the same pump as `write_file`: checked whole first (bad rows
//! named by line number, nothing written), then streamed in batches with retries, a checkpoint
//! after each acknowledged batch and `--resume`. [`preview`] shows the first converted points,
//! the columns as they will be used and the first bad rows, without writing.

mod convert;
mod layout;
mod rows;

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::checkpoint::Checkpoint;
use super::pump::Pump;
use super::target::Target;
use super::{
    BatchOptions, DEFAULT_BATCH_LINES, WriteHooks, checkpoint, nothing_more, plural, start_from,
    target,
};
use crate::api::{Ctx, policy};
use crate::error::{Error, Result};
use crate::influx::lineproto::{MAX_REPORTED, Validator};
use crate::model::{Actor, Precision, WriteResult};
pub use layout::{CsvColumn, CsvFieldType, CsvMapping, CsvRole};
use rows::{CsvSource, Row, Rows};

/// Import a CSV file (see [`CsvMapping`]); gzip files are read as they are.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, ts_rs::TS)]
#[ts(export)]
pub struct ImportCsvReq {
    /// Profile id or name; the active profile when absent.
    #[serde(default)]
    pub profile: Option<String>,
    /// Bucket (v2), database (v3) or `db` / `db/rp` (v1); the profile's default when absent.
    #[serde(default)]
    pub bucket: Option<String>,
    /// The CSV file (plain or gzip).
    pub path: String,
    #[serde(default)]
    pub mapping: CsvMapping,
    #[serde(flatten)]
    #[ts(flatten)]
    pub batch: BatchOptions,
}

/// Show how a CSV file would be imported, without writing.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, ts_rs::TS)]
#[ts(export)]
pub struct PreviewCsvReq {
    pub path: String,
    #[serde(default)]
    pub mapping: CsvMapping,
    /// Rows to convert (default 20, at most 1,000).
    #[serde(default)]
    pub rows: Option<usize>,
}

/// One bad row: the file line it starts on, and why.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RowError {
    pub line: usize,
    pub reason: String,
}

/// One converted row.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct PreviewPoint {
    pub line: usize,
    /// The point as line protocol.
    pub lp: String,
}

/// How a CSV file will be imported.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CsvPreview {
    /// The header's column names.
    pub header: Vec<String>,
    /// The first data rows as they are in the file (up to 10).
    pub sample: Vec<Vec<String>>,
    /// Each column as it will be used; empty when `problem` says the mapping does not fit.
    pub columns: Vec<CsvColumn>,
    /// What is wrong with the mapping (e.g. no measurement yet), if anything.
    pub problem: Option<String>,
    pub time_format: String,
    pub annotated: bool,
    pub gzip: bool,
    pub points: Vec<PreviewPoint>,
    /// Bad rows among those read (at most 20).
    pub errors: Vec<RowError>,
    pub rows_read: usize,
}

/// The first rows of a CSV file converted, the columns as they will be used, and the first
/// bad rows. Reads only the start of the file; sends nothing.
pub async fn preview(ctx: &Ctx, actor: &Actor, req: PreviewCsvReq) -> Result<CsvPreview> {
    let _ = (ctx, actor);
    let n = req.rows.unwrap_or(20).clamp(1, 1_000);
    let path = PathBuf::from(&req.path);
    tokio::task::spawn_blocking(move || preview_blocking(&path, &req.mapping, n))
        .await
        .map_err(|e| Error::Internal(format!("the CSV reader failed: {e}")))?
}

fn preview_blocking(path: &Path, mapping: &CsvMapping, n: usize) -> Result<CsvPreview> {
    let mut rows = match Rows::open(path, mapping, 0) {
        Ok(r) => r,
        Err(e) => {
            // The mapping does not fit (yet): show the header so it can be fixed.
            let (header, sample, gzip) = raw_head(path, mapping)?;
            return Ok(CsvPreview {
                header,
                sample,
                columns: Vec::new(),
                problem: Some(e.message().to_string()),
                time_format: String::new(),
                annotated: false,
                gzip,
                points: Vec::new(),
                errors: Vec::new(),
                rows_read: 0,
            });
        }
    };
    let mut out = CsvPreview {
        header: rows.header.clone(),
        sample: rows.sample.iter().take(10).cloned().collect(),
        columns: rows.layout.columns.clone(),
        problem: None,
        time_format: rows.layout.time.describe(),
        annotated: rows.layout.annotated,
        gzip: rows.gzip,
        points: Vec::new(),
        errors: Vec::new(),
        rows_read: 0,
    };
    while out.rows_read < n {
        let Some(row) = rows.next_row(path)? else {
            break;
        };
        out.rows_read += 1;
        match row {
            Row::Point(line, lp) => out.points.push(PreviewPoint { line, lp }),
            Row::Bad(line, reason) if out.errors.len() < MAX_REPORTED => {
                out.errors.push(RowError { line, reason });
            }
            Row::Bad(..) => {}
        }
    }
    Ok(out)
}

/// The header and first rows of a file whose mapping does not fit, read with a mapping that
/// always does (every column a field of a constant measurement).
fn raw_head(path: &Path, mapping: &CsvMapping) -> Result<(Vec<String>, Vec<Vec<String>>, bool)> {
    let loose = CsvMapping {
        delimiter: mapping.delimiter.clone(),
        measurement: Some("m".into()),
        ..CsvMapping::default()
    };
    let rows = Rows::open(path, &loose, 0)?;
    Ok((
        rows.header.clone(),
        rows.sample.iter().take(10).cloned().collect(),
        rows.gzip,
    ))
}

/// What the check of every row found.
struct CheckedRows {
    /// The points' field types, and any bad converted line.
    v: Validator,
    /// Bad rows (the first [`MAX_REPORTED`]) and their count.
    bad: Vec<RowError>,
    count: usize,
    /// The last line read.
    last_line: usize,
}

/// Every row after line `skip` checked, each once (the import then sends them converted
/// again, without a second check).
fn check_all(path: &Path, mapping: &CsvMapping, skip: usize) -> Result<CheckedRows> {
    let mut rows = Rows::open(path, mapping, skip)?;
    let mut v = Validator::default();
    let (mut bad, mut count, mut last_line) = (Vec::new(), 0, skip);
    while let Some(row) = rows.next_row(path)? {
        match row {
            Row::Point(n, lp) => {
                last_line = n;
                v.check_text(n, &lp);
            }
            Row::Bad(line, reason) => {
                last_line = line;
                count += 1;
                if bad.len() < MAX_REPORTED {
                    bad.push(RowError { line, reason });
                }
            }
        }
    }
    Ok(CheckedRows {
        v,
        bad,
        count,
        last_line,
    })
}

/// Import a CSV file, resumably (see [`ImportCsvReq`]).
pub async fn import(
    ctx: &Ctx,
    actor: &Actor,
    req: ImportCsvReq,
    hooks: WriteHooks,
) -> Result<WriteResult> {
    let path = tokio::fs::canonicalize(&req.path)
        .await
        .map_err(|e| Error::invalid(format!("could not open {}: {e}", req.path)))?;
    let (profile, bucket) = target(ctx, req.profile.as_deref(), req.bucket.as_deref()).await?;
    let file = checkpoint::identify(&path).await?;
    let options = serde_json::to_string(&req.mapping)
        .map_err(|e| Error::Internal(format!("could not encode the CSV mapping: {e}")))?;
    let precision = Precision::Ns;
    let (at, start) = start_from(
        ctx,
        &profile.id,
        &bucket,
        &file,
        "csv:",
        precision,
        &options,
        (req.batch.resume, req.batch.restart),
    )
    .await?;
    let skip = start.as_ref().map_or(0, |c| c.line);
    let CheckedRows {
        v,
        bad,
        count,
        last_line,
    } = {
        let (p, m) = (path.clone(), req.mapping.clone());
        tokio::task::spawn_blocking(move || check_all(&p, &m, skip))
            .await
            .map_err(|e| Error::Internal(format!("the CSV reader failed: {e}")))??
    };
    if count > 0 {
        let list: Vec<String> = bad
            .iter()
            .map(|b| format!("line {}: {}", b.line, b.reason))
            .collect();
        let more = count - bad.len();
        return Err(Error::invalid(format!(
            "{count} CSV row{} cannot be imported: {}{}. Fix {}, or the column mapping. {}",
            plural(count),
            list.join("; "),
            if more > 0 {
                format!("; and {more} more")
            } else {
                String::new()
            },
            if count == 1 { "it" } else { "them" },
            nothing_more(start.as_ref())
        )));
    }
    if let Some(p) = v.problems() {
        return Err(Error::invalid(format!(
            "{p} {}",
            nothing_more(start.as_ref())
        )));
    }
    if v.points == 0 && start.is_none() {
        return Err(Error::invalid(
            "no points to import: the CSV file has a header but no data rows",
        ));
    }
    let what = format!(
        "import {} point{} from {} to \"{bucket}\"",
        v.points,
        plural(v.points),
        file.path
    );
    policy::check_write(ctx, actor, &profile, &what).await?;
    let mut target =
        Target::open(ctx, profile, bucket.clone(), precision, req.batch.retries).await?;
    if let Err(e) = target.check(&v).await {
        return Err(super::extend(e, nothing_more(start.as_ref())));
    }
    let resumed = start.is_some();
    let cp = start.unwrap_or_else(|| Checkpoint {
        version: 1,
        profile: target.profile.id.clone(),
        bucket: bucket.clone(),
        precision,
        file: file.clone(),
        options,
        ..Checkpoint::default()
    });
    let rows = {
        let (p, m) = (path.clone(), req.mapping.clone());
        tokio::task::spawn_blocking(move || Rows::open(&p, &m, skip))
            .await
            .map_err(|e| Error::Internal(format!("the CSV reader failed: {e}")))??
    };
    let stamps = super::lines::Shape::of(&v, false).stamps;
    let mut source = CsvSource::start(rows, path, stamps, last_line);
    let mut pump = Pump::new(target, &hooks, None, Some(file.size));
    if resumed {
        pump.result = cp.tally(&bucket);
    }
    pump.checkpoint = Some((at.clone(), cp));
    let max_lines = req.batch.batch_lines.unwrap_or(DEFAULT_BATCH_LINES);
    pump.run(&mut source, max_lines).await?;
    checkpoint::remove(&at).await?;
    Ok(pump.finish(ctx, actor))
}
