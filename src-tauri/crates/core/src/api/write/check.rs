//! Line protocol checked as it is typed (the Load Data screen): every bad line by number and
//! what is wrong, a field given two types within the text, field types that conflict with what
//! the target already holds (the same schema check a write makes), and the first points as a
//! table. Sends nothing; a server that cannot be asked only means the schema was not checked.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::csv::RowError;
use super::target;
use super::target::Target;
use crate::api::Ctx;
use crate::error::Result;
use crate::influx::lineproto::{FieldValue, Validator};
use crate::model::{Actor, Precision};

/// Check line protocol without writing it.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, ts_rs::TS)]
#[ts(export)]
pub struct CheckLinesReq {
    /// Profile id or name; the active profile when absent.
    #[serde(default)]
    pub profile: Option<String>,
    /// The target whose field types are checked against; none: the text alone.
    #[serde(default)]
    pub bucket: Option<String>,
    #[serde(default)]
    pub precision: Precision,
    pub lines: String,
    /// Points to show (default 10, at most 200).
    #[serde(default)]
    pub preview: Option<usize>,
}

/// One point as a table row.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct PointRow {
    pub line: usize,
    pub measurement: String,
    pub tags: BTreeMap<String, String>,
    /// Field values as line protocol writes them (`3i`, `"text"`, `true`).
    pub fields: BTreeMap<String, String>,
    /// The time in RFC 3339 (UTC), or `None`: the server's clock.
    pub time: Option<String>,
}

/// What a check found.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct LinesCheck {
    pub points: usize,
    pub without_timestamp: usize,
    /// Bad lines, the first 20: line number and what is wrong.
    pub errors: Vec<RowError>,
    pub bad_lines: usize,
    /// Fields given two types in the text, or a type the target holds differently, with
    /// their line numbers.
    pub conflicts: Vec<String>,
    /// Whether the target's field types were asked for (a target given, the server answered).
    pub schema_checked: bool,
    pub preview: Vec<PointRow>,
}

fn shown(v: &FieldValue) -> String {
    match v {
        FieldValue::Float(f) => format!("{f:?}"),
        FieldValue::Integer(n) => format!("{n}i"),
        FieldValue::Unsigned(n) => format!("{n}u"),
        FieldValue::Boolean(b) => b.to_string(),
        FieldValue::String(s) => format!("{s:?}"),
    }
}

fn time(ts: i64, p: Precision) -> Option<String> {
    let ns = match p {
        Precision::Ns => Some(ts),
        Precision::Us => ts.checked_mul(1_000),
        Precision::Ms => ts.checked_mul(1_000_000),
        Precision::S => ts.checked_mul(1_000_000_000),
    }?;
    Some(
        chrono::DateTime::from_timestamp_nanos(ns)
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
    )
}

/// Check `req.lines` (see [`CheckLinesReq`]).
pub async fn check(ctx: &Ctx, actor: &Actor, req: CheckLinesReq) -> Result<LinesCheck> {
    let _ = actor;
    let want = req.preview.unwrap_or(10).min(200);
    let mut v = Validator::default();
    let mut preview = Vec::new();
    for (i, raw) in req.lines.lines().enumerate() {
        if let Some(p) = v.line(i + 1, raw)
            && preview.len() < want
        {
            preview.push(PointRow {
                line: i + 1,
                time: p.timestamp.and_then(|t| time(t, req.precision)),
                fields: p
                    .fields
                    .iter()
                    .map(|(k, x)| (k.clone(), shown(x)))
                    .collect(),
                measurement: p.measurement,
                tags: p.tags,
            });
        }
    }
    let mut conflicts = Vec::new();
    if v.errors().is_empty()
        && let Some(p) = v.problems()
    {
        conflicts.push(p);
    }
    let mut schema_checked = false;
    if req.bucket.as_deref().is_some_and(|b| !b.trim().is_empty()) && v.points > 0 {
        let (profile, bucket) = target(ctx, req.profile.as_deref(), req.bucket.as_deref()).await?;
        if let Ok(mut t) = Target::open(ctx, profile, bucket, req.precision, None).await
            && let Ok(found) = t.conflicts(&v).await
        {
            schema_checked = true;
            conflicts.extend(found);
        }
    }
    Ok(LinesCheck {
        points: v.points,
        without_timestamp: v.without_timestamp,
        errors: v
            .errors()
            .iter()
            .map(|(line, reason)| RowError {
                line: *line,
                reason: reason.clone(),
            })
            .collect(),
        bad_lines: v.bad_lines(),
        conflicts,
        schema_checked,
        preview,
    })
}
