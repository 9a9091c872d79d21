//! Delete data: a measurement's points matching tag comparisons within a time range, or the
//! whole measurement. Validated whole before anything is sent (database, measurement and tag
//! names exist; the predicate parses; the time range parses). A dry run returns the exact
//! statements and how many series and points they would remove; a delete computes the same
//! plan, shows it to the approval (assistants, admin level), then runs it.
//! - 1.x: `DELETE FROM m WHERE ... AND time ...` with a time range, `DROP SERIES FROM m WHERE
//!   ...` without one, `DROP MEASUREMENT m` for all of it; counts from `SELECT count(*) ...
//!   GROUP BY *` with the same predicate.
//! - 2.x: `POST /api/v2/delete` (no OR in its predicates); the server cannot count cheaply, so
//!   the plan has no counts.
//! - 3.x: whole tables only (`DELETE /api/v3/configure/table`); counts from the table's rows.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::api::{Ctx, policy, profiles};
use crate::error::{Error, Result};
use crate::influx::builder::influxql_str;
use crate::influx::parse::{ns_to_rfc3339, parse_time_ns};
use crate::influx::predicate::Predicate;
use crate::influx::schema::quote_ident;
use crate::influx::{Client, split_db_rp};
use crate::model::{Actor, ApiKind, Cell, Frame, QueryLanguage};

/// Delete data from a measurement (or the whole measurement).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct DeleteDataReq {
    /// Profile id or name; the active profile when absent.
    pub profile: Option<String>,
    /// The database (1.x, 3.x) or bucket (2.x); the profile's default when absent.
    pub database: Option<String>,
    /// The measurement (3.x: table) to delete from.
    pub measurement: String,
    /// Tag comparisons, e.g. `host = "a" AND region != "eu"` (= and != against quoted values,
    /// AND/OR, parentheses; 2.x: AND only). Empty: every series of the measurement.
    pub predicate: Option<String>,
    /// Start of the time range (RFC 3339, inclusive). Empty: from the beginning.
    pub from: Option<String>,
    /// End of the time range (RFC 3339, exclusive). Empty: to the end.
    pub to: Option<String>,
    /// Drop the whole measurement (1.x DROP MEASUREMENT, 3.x table delete); no predicate or
    /// time range then.
    pub drop_measurement: bool,
    /// Only say what would be deleted (statements and counts); nothing is changed.
    pub dry_run: bool,
}

/// What a delete does (a dry run) or did.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, TS)]
#[ts(export)]
pub struct DeletePlan {
    pub database: String,
    pub measurement: String,
    /// The exact statements or requests sent to the server.
    pub statements: Vec<String>,
    /// Series that lose points (None where the server cannot count them cheaply: 2.x, and
    /// 3.x tables of more than a million rows).
    #[ts(type = "number | null")]
    pub series: Option<u64>,
    /// Points removed: per series, its most frequent field's count (exact when its points
    /// carry the same fields).
    #[ts(type = "number | null")]
    pub points: Option<u64>,
    /// True once the data is deleted; false for a dry run.
    pub deleted: bool,
}

impl DeletePlan {
    /// "would delete 2 series, 40 points" (or what is known).
    pub fn summary(&self) -> String {
        let verb = if self.deleted {
            "deleted"
        } else {
            "would delete"
        };
        match (self.series, self.points) {
            (Some(s), Some(p)) => format!(
                "{verb} {s} series, {p} point{}",
                if p == 1 { "" } else { "s" }
            ),
            _ => format!("{verb} the matching points (the server cannot count them beforehand)"),
        }
    }
}

/// A checked request: everything the statements need.
struct Checked {
    db: String,
    measurement: String,
    predicate: Option<Predicate>,
    from_ns: Option<i64>,
    to_ns: Option<i64>,
}

fn time_of(s: Option<&str>, what: &str) -> Result<Option<i64>> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(t) => parse_time_ns(t).map(Some).ok_or_else(|| {
            Error::invalid(format!(
                "{what} \"{t}\" is not a timestamp: use RFC 3339, e.g. 2024-05-01T00:00:00Z"
            ))
        }),
    }
}

async fn check(c: &Client, req: &DeleteDataReq, default_db: Option<&str>) -> Result<Checked> {
    let db = req
        .database
        .as_deref()
        .or(default_db)
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .ok_or_else(|| Error::invalid("pick a database first (or set the profile's default)"))?;
    // A 1.x delete applies to every retention policy of the database.
    let db = split_db_rp(Some(db)).0.unwrap_or(db).to_string();
    let measurement = req.measurement.trim().to_string();
    if measurement.is_empty() {
        return Err(Error::invalid("name the measurement to delete from"));
    }
    let predicate = Predicate::parse(req.predicate.as_deref().unwrap_or_default())?;
    let from_ns = time_of(req.from.as_deref(), "from")?;
    let to_ns = time_of(req.to.as_deref(), "to")?;
    if let (Some(f), Some(t)) = (from_ns, to_ns)
        && f >= t
    {
        return Err(Error::invalid(
            "the time range's from must be before its to",
        ));
    }
    if req.drop_measurement && (predicate.is_some() || from_ns.is_some() || to_ns.is_some()) {
        return Err(Error::invalid(
            "dropping a measurement takes all of it: leave the predicate and the time range \
             empty, or delete without drop_measurement",
        ));
    }
    if c.api() == ApiKind::V3 && !req.drop_measurement {
        return Err(Error::invalid(
            "InfluxDB 3 Core deletes whole tables (or databases) only: use drop_measurement to \
             delete the table",
        ));
    }
    if c.api() == ApiKind::V2
        && let Some(p) = &predicate
    {
        p.v2()?;
    }
    let known = c.measurements(&db, 1_000_000).await?;
    if !known.contains(&measurement) {
        return Err(Error::NotFound(format!(
            "database \"{db}\" has no measurement \"{measurement}\""
        )));
    }
    if let Some(p) = &predicate {
        let tags = c.tag_keys(&db, &measurement).await?;
        if let Some(k) = p.keys().into_iter().find(|k| !tags.iter().any(|t| t == k)) {
            return Err(Error::invalid(format!(
                "\"{k}\" is not a tag of \"{measurement}\" (its tags: {}). Only tags can be \
                 compared in a delete.",
                if tags.is_empty() {
                    "none".to_string()
                } else {
                    tags.join(", ")
                }
            )));
        }
    }
    Ok(Checked {
        db,
        measurement,
        predicate,
        from_ns,
        to_ns,
    })
}

/// The 1.x WHERE clause (without the keyword), or None for everything.
fn v1_where(k: &Checked) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(p) = &k.predicate {
        parts.push(match p {
            Predicate::Or(..) => format!("({})", p.influxql()),
            _ => p.influxql(),
        });
    }
    if let Some(f) = k.from_ns {
        parts.push(format!("time >= {}", influxql_str(&ns_to_rfc3339(f))));
    }
    if let Some(t) = k.to_ns {
        parts.push(format!("time < {}", influxql_str(&ns_to_rfc3339(t))));
    }
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

fn v1_statement(k: &Checked, drop_measurement: bool) -> String {
    let m = quote_ident(&k.measurement);
    let w = v1_where(k)
        .map(|w| format!(" WHERE {w}"))
        .unwrap_or_default();
    if drop_measurement {
        format!("DROP MEASUREMENT {m}")
    } else if k.from_ns.is_some() || k.to_ns.is_some() {
        format!("DELETE FROM {m}{w}")
    } else {
        format!("DROP SERIES FROM {m}{w}")
    }
}

/// (series, points) from `count(*) ... GROUP BY *` frames: a series counts when it has a
/// point; its points are its largest field count.
fn count_frames(frames: &[Frame]) -> (u64, u64) {
    let mut series = 0;
    let mut points = 0;
    for f in frames {
        let most = f
            .columns
            .iter()
            .filter(|c| c.name.starts_with("count"))
            .filter_map(|c| c.values.first().and_then(Cell::as_u64))
            .max()
            .unwrap_or(0);
        if most > 0 {
            series += 1;
            points += most;
        }
    }
    (series, points)
}

async fn v1_counts(c: &Client, k: &Checked) -> Result<(u64, u64)> {
    let w = v1_where(k)
        .map(|w| format!(" WHERE {w}"))
        .unwrap_or_default();
    let q = format!(
        "SELECT count(*) FROM {}{w} GROUP BY *",
        quote_ident(&k.measurement)
    );
    let (frames, capped) = c
        .query(QueryLanguage::Influxql, Some(&k.db), &q, 10_000_000)
        .await?;
    if capped {
        return Err(Error::invalid(
            "too many series to count: narrow the predicate or the time range",
        ));
    }
    Ok(count_frames(&frames))
}

fn sql_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Rows read at most to count a 3.x table (this 3 Core build cannot plan aggregates such as
/// count(*) or DISTINCT over a table, so the rows are counted here).
const V3_COUNT_ROWS: usize = 1_000_000;

/// (series, points) of a 3.x table, or None when it has more rows than [`V3_COUNT_ROWS`].
async fn v3_counts(c: &Client, k: &Checked) -> Result<Option<(u64, u64)>> {
    let table = c
        .tables(&k.db)
        .await?
        .into_iter()
        .find(|t| t.name == k.measurement)
        .ok_or_else(|| {
            Error::NotFound(format!(
                "database \"{}\" has no table \"{}\"",
                k.db, k.measurement
            ))
        })?;
    let mut cols: Vec<String> = table
        .columns
        .iter()
        .filter(|c| c.role == crate::influx::catalog::ColumnRole::Tag)
        .map(|c| sql_ident(&c.name))
        .collect();
    if cols.is_empty() {
        cols.push("time".into());
    }
    let q = format!(
        "SELECT {} FROM {}",
        cols.join(", "),
        sql_ident(&k.measurement)
    );
    let (frames, capped) = c
        .query(QueryLanguage::Sql, Some(&k.db), &q, V3_COUNT_ROWS)
        .await?;
    if capped {
        return Ok(None);
    }
    let mut points = 0u64;
    let mut series = std::collections::HashSet::new();
    for f in &frames {
        for i in 0..f.rows() {
            points += 1;
            if table
                .columns
                .iter()
                .any(|c| c.role == crate::influx::catalog::ColumnRole::Tag)
            {
                let key: Vec<String> = f
                    .columns
                    .iter()
                    .map(|c| {
                        c.values
                            .get(i)
                            .map(|v| v.to_value().to_string())
                            .unwrap_or_default()
                    })
                    .collect();
                series.insert(key);
            }
        }
    }
    let series = if series.is_empty() {
        u64::from(points > 0)
    } else {
        series.len() as u64
    };
    Ok(Some((series, points)))
}

/// The v2 request's (start, stop, predicate).
fn v2_parts(k: &Checked) -> Result<(String, String, String)> {
    let start = ns_to_rfc3339(k.from_ns.unwrap_or(0));
    // The latest time a 2.x timestamp (int64 ns) can hold.
    let stop = ns_to_rfc3339(k.to_ns.unwrap_or(i64::MAX));
    let m = format!(
        "_measurement=\"{}\"",
        k.measurement.replace('\\', "\\\\").replace('"', "\\\"")
    );
    let pred = match &k.predicate {
        Some(p) => format!("{m} AND ({})", p.v2()?),
        None => m,
    };
    Ok((start, stop, pred))
}

/// Plan (and unless `req.dry_run`, run) a delete.
pub async fn delete(ctx: &Ctx, actor: &Actor, req: DeleteDataReq) -> Result<DeletePlan> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    let c = ctx.client(&p).await?;
    let k = check(&c, &req, p.database.as_deref()).await?;
    let mut plan = DeletePlan {
        database: k.db.clone(),
        measurement: k.measurement.clone(),
        statements: vec![],
        series: None,
        points: None,
        deleted: false,
    };
    match c.api() {
        ApiKind::V1 | ApiKind::Auto => {
            plan.statements.push(v1_statement(&k, req.drop_measurement));
            let (s, n) = v1_counts(&c, &k).await?;
            (plan.series, plan.points) = (Some(s), Some(n));
        }
        ApiKind::V2 => {
            let (start, stop, pred) = v2_parts(&k)?;
            plan.statements.push(format!(
                "POST /api/v2/delete?bucket={} start={start} stop={stop} predicate={pred}",
                k.db
            ));
        }
        ApiKind::V3 => {
            plan.statements.push(format!(
                "DELETE /api/v3/configure/table?db={}&table={}",
                k.db, k.measurement
            ));
            if let Some((s, n)) = v3_counts(&c, &k).await? {
                (plan.series, plan.points) = (Some(s), Some(n));
            }
        }
    }
    if req.dry_run {
        return Ok(plan);
    }
    let what = format!(
        "delete data from \"{}\" in \"{}\" on {}\n{}\n{}",
        k.measurement,
        k.db,
        p.name,
        plan.statements.join("\n"),
        plan.summary()
    );
    policy::check_admin(ctx, actor, &p, &what).await?;
    match c.api() {
        ApiKind::V1 | ApiKind::Auto => {
            for s in &plan.statements {
                c.query(QueryLanguage::Influxql, Some(&k.db), s, 10).await?;
            }
        }
        ApiKind::V2 => {
            let (start, stop, pred) = v2_parts(&k)?;
            c.v2_delete(&k.db, &start, &stop, Some(&pred)).await?;
        }
        ApiKind::V3 => c.delete_table(&k.db, &k.measurement).await?,
    }
    plan.deleted = true;
    ctx.emit(
        actor,
        if req.drop_measurement {
            "measurement.drop"
        } else {
            "data.delete"
        },
        format!(
            "{} in {} on {}: {}",
            k.measurement,
            k.db,
            p.name,
            plan.summary()
        ),
    );
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(pred: Option<&str>, from: Option<i64>, to: Option<i64>) -> Checked {
        Checked {
            db: "d".into(),
            measurement: "cpu".into(),
            predicate: pred.map(|p| Predicate::parse(p).unwrap().unwrap()),
            from_ns: from,
            to_ns: to,
        }
    }

    #[test]
    fn v1_statements() {
        assert_eq!(
            v1_statement(
                &k(Some("host = \"a\" OR host = \"b\""), Some(0), None),
                false
            ),
            "DELETE FROM \"cpu\" WHERE (\"host\" = 'a' OR \"host\" = 'b') AND time >= \
             '1970-01-01T00:00:00Z'"
        );
        assert_eq!(
            v1_statement(&k(Some("host = \"a\""), None, None), false),
            "DROP SERIES FROM \"cpu\" WHERE \"host\" = 'a'"
        );
        assert_eq!(
            v1_statement(&k(None, None, None), true),
            "DROP MEASUREMENT \"cpu\""
        );
        let (start, stop, pred) = v2_parts(&k(Some("host = \"a\""), None, None)).unwrap();
        assert_eq!(start, "1970-01-01T00:00:00Z");
        assert!(stop.starts_with("2262-04-11T23:47:16"), "{stop}");
        assert_eq!(pred, "_measurement=\"cpu\" AND (host=\"a\")");
    }
}
