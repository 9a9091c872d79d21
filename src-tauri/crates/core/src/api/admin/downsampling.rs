//! InfluxDB 1.x downsampling: continuous queries (list, create, drop) and the "downsample"
//! action — "keep the mean of these fields every 5m for 1y" — which creates the retention
//! policy and the continuous query together, can preview both statements without running them,
//! can backfill existing data once, and is never half-done: when a later step fails, what the
//! earlier steps created is dropped again and the error says so.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{check_name, client_for, parse_keep, parse_span, reword};
use crate::api::Ctx;
use crate::error::{Error, Result};
use crate::influx::admin_v1;
use crate::influx::buckets::human;
use crate::influx::schema::quote_ident;
use crate::model::{Actor, ApiKind};

const WHY: &str = "continuous queries";

/// Most GROUP BY time() buckets a backfill may ask the server for (1.6.7 holds them in memory).
const MAX_BACKFILL_BUCKETS: u64 = 1_000_000;

/// A continuous query.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, TS)]
#[ts(export)]
pub struct ContinuousQuery {
    pub database: String,
    pub name: String,
    /// The full `CREATE CONTINUOUS QUERY ...` statement as the server keeps it.
    pub query: String,
}

/// Which continuous queries.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct ListCqReq {
    /// Profile id or name; the active profile when absent.
    pub profile: Option<String>,
    /// Only this database's; every database's when absent.
    pub database: Option<String>,
}

/// Create a continuous query from its SELECT (InfluxDB 1.x).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct CreateCqReq {
    pub profile: Option<String>,
    pub database: String,
    pub name: String,
    /// `SELECT <aggregates> INTO <target> FROM <source> GROUP BY time(<interval>)[, tags]`.
    pub select: String,
    /// RESAMPLE EVERY: how often it runs (default: the GROUP BY interval).
    pub resample_every: Option<String>,
    /// RESAMPLE FOR: how far back each run recomputes (default: one interval).
    pub resample_for: Option<String>,
}

/// Drop a continuous query (the data it wrote stays).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct DropCqReq {
    pub profile: Option<String>,
    pub database: String,
    pub name: String,
}

/// The aggregate a downsample keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum DownsampleAggregate {
    #[default]
    Mean,
    Median,
    Sum,
    Min,
    Max,
    Count,
    First,
    Last,
    Spread,
    Stddev,
}

impl DownsampleAggregate {
    fn function(self) -> &'static str {
        match self {
            DownsampleAggregate::Mean => "mean",
            DownsampleAggregate::Median => "median",
            DownsampleAggregate::Sum => "sum",
            DownsampleAggregate::Min => "min",
            DownsampleAggregate::Max => "max",
            DownsampleAggregate::Count => "count",
            DownsampleAggregate::First => "first",
            DownsampleAggregate::Last => "last",
            DownsampleAggregate::Spread => "spread",
            DownsampleAggregate::Stddev => "stddev",
        }
    }
}

/// "Keep the mean of these fields every 5m for 1y": a retention policy and a continuous query
/// made together (InfluxDB 1.x).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct DownsampleReq {
    pub profile: Option<String>,
    pub database: String,
    /// The measurement to downsample.
    pub measurement: String,
    /// The fields to keep (each keeps its name in the downsampled measurement).
    pub fields: Vec<String>,
    /// mean (default), median, sum, min, max, count, first, last, spread or stddev.
    pub aggregate: DownsampleAggregate,
    /// One point per this interval, e.g. "5m" (default "5m").
    pub every: Option<String>,
    /// How long the downsampled data is kept, e.g. "1y" (default), "52w", "inf".
    pub keep: Option<String>,
    /// The retention policy the raw data is in (default: the database's default policy).
    pub source_rp: Option<String>,
    /// The retention policy for the downsampled data (default "keep_<keep>", e.g. "keep_1y");
    /// created unless it exists with the same duration.
    pub rp: Option<String>,
    /// The measurement the downsampled points go to (default: the same name).
    pub into_measurement: Option<String>,
    /// The continuous query's name (default "<measurement>_<aggregate>_<every>").
    pub cq_name: Option<String>,
    /// Also downsample the data already there, once (the CQ only covers new intervals).
    pub backfill: bool,
    /// Only return the statements, run nothing.
    pub preview: bool,
}

/// What a downsample runs (or, previewed, would run).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, TS)]
#[ts(export)]
pub struct DownsamplePlan {
    pub database: String,
    pub rp: String,
    pub cq: String,
    /// The exact statements, in order.
    pub statements: Vec<String>,
    /// False for a preview.
    pub executed: bool,
    /// Whether the retention policy is created (false: it exists already).
    pub creates_rp: bool,
    /// What is worth knowing (an existing policy reused, nothing to backfill...).
    pub notes: Vec<String>,
}

fn check_select(select: &str) -> Result<String> {
    let s = select.trim().trim_end_matches(';').trim();
    let upper = s.to_ascii_uppercase();
    let bad = |why: &str| {
        Error::invalid(format!(
            "the continuous query's SELECT {why}: write it as SELECT mean(\"f\") AS \"f\" INTO \
             \"db\".\"rp\".\"m\" FROM \"m\" GROUP BY time(5m), *"
        ))
    };
    if !upper.starts_with("SELECT") {
        return Err(bad("must start with SELECT"));
    }
    if crate::influx::classify::influxql::statements(s).len() != 1 {
        return Err(bad("must be exactly one statement"));
    }
    let words: Vec<String> = crate::influx::classify::influxql::tokens(s)
        .iter()
        .map(|t| t.text(s).to_ascii_uppercase())
        .collect();
    if !words.iter().any(|w| w == "INTO") {
        return Err(bad("needs INTO (where the downsampled points go)"));
    }
    if !upper.contains("GROUP BY TIME(") && !upper.contains("GROUP BY TIME (") {
        return Err(bad("needs GROUP BY time(<interval>)"));
    }
    Ok(s.to_string())
}

pub async fn list(ctx: &Ctx, req: ListCqReq) -> Result<Vec<ContinuousQuery>> {
    let db = req
        .database
        .as_deref()
        .map(|d| check_name("database", d))
        .transpose()?;
    let (_, c) = client_for(ctx, req.profile.as_deref(), ApiKind::V1, WHY).await?;
    Ok(c.v1_continuous_queries(db)
        .await?
        .into_iter()
        .map(|q| ContinuousQuery {
            database: q.database,
            name: q.name,
            query: q.query,
        })
        .collect())
}

/// `CREATE CONTINUOUS QUERY "name" ON "db" [RESAMPLE ...] BEGIN <select> END`.
fn create_cq_statement(
    db: &str,
    name: &str,
    select: &str,
    every: Option<u64>,
    for_: Option<u64>,
) -> String {
    let mut resample = String::new();
    if every.is_some() || for_.is_some() {
        resample += " RESAMPLE";
        if let Some(e) = every {
            resample += &format!(" EVERY {}", human(Some(e)));
        }
        if let Some(f) = for_ {
            resample += &format!(" FOR {}", human(Some(f)));
        }
    }
    format!(
        "CREATE CONTINUOUS QUERY {} ON {}{resample} BEGIN {select} END",
        quote_ident(name),
        quote_ident(db)
    )
}

pub async fn create(ctx: &Ctx, actor: &Actor, req: CreateCqReq) -> Result<ContinuousQuery> {
    let db = check_name("database", &req.database)?;
    let name = check_name("continuous query", &req.name)?;
    let select = check_select(&req.select)?;
    let span = |what: &str, v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| parse_span(what, s))
            .transpose()
    };
    let every = span("RESAMPLE EVERY", &req.resample_every)?;
    let for_ = span("RESAMPLE FOR", &req.resample_for)?;
    let (p, c) = client_for(ctx, req.profile.as_deref(), ApiKind::V1, WHY).await?;
    if c.v1_continuous_queries(Some(db))
        .await?
        .iter()
        .any(|q| q.name == name)
    {
        return Err(Error::Conflict(format!(
            "database \"{db}\" already has a continuous query \"{name}\": drop it first or pick \
             another name"
        )));
    }
    let q = create_cq_statement(db, name, &select, every, for_);
    let what = format!("create the continuous query \"{name}\" on \"{db}\"\n{q}");
    crate::api::policy::check_admin(ctx, actor, &p, &what).await?;
    c.v1_exec(&q, None).await?;
    ctx.emit(actor, "cq.create", format!("{db}/{name} on {}", p.name));
    found(&c, db, name).await
}

async fn found(c: &crate::influx::Client, db: &str, name: &str) -> Result<ContinuousQuery> {
    c.v1_continuous_queries(Some(db))
        .await?
        .into_iter()
        .find(|q| q.name == name)
        .map(|q| ContinuousQuery {
            database: q.database,
            name: q.name,
            query: q.query,
        })
        .ok_or_else(|| Error::NotFound(format!("no continuous query \"{name}\" on \"{db}\"")))
}

pub async fn drop(ctx: &Ctx, actor: &Actor, req: DropCqReq) -> Result<()> {
    let db = check_name("database", &req.database)?;
    let name = check_name("continuous query", &req.name)?;
    let (p, c) = client_for(ctx, req.profile.as_deref(), ApiKind::V1, WHY).await?;
    found(&c, db, name).await?;
    let q = admin_v1::drop_cq(db, name);
    let what = format!("drop the continuous query \"{name}\" on \"{db}\"\n{q}");
    crate::api::policy::check_admin(ctx, actor, &p, &what).await?;
    c.v1_exec(&q, None).await?;
    ctx.emit(actor, "cq.delete", format!("{db}/{name} on {}", p.name));
    Ok(())
}

/// The SELECT both the CQ and the backfill run.
fn downsample_select(
    fields: &[&str],
    agg: DownsampleAggregate,
    target: &str,
    source: &str,
    where_: &str,
    every: u64,
) -> String {
    let cols: Vec<String> = fields
        .iter()
        .map(|f| {
            format!(
                "{}({}) AS {}",
                agg.function(),
                quote_ident(f),
                quote_ident(f)
            )
        })
        .collect();
    format!(
        "SELECT {} INTO {target} FROM {source}{where_} GROUP BY time({}), *",
        cols.join(", "),
        human(Some(every))
    )
}

/// Plan (and unless previewing, run) a downsample. See [`DownsampleReq`].
pub async fn downsample(ctx: &Ctx, actor: &Actor, req: DownsampleReq) -> Result<DownsamplePlan> {
    let db = check_name("database", &req.database)?;
    let m = check_name("measurement", &req.measurement)?;
    let mut fields: Vec<&str> = Vec::new();
    for f in &req.fields {
        let f = check_name("field", f)?;
        if !fields.contains(&f) {
            fields.push(f);
        }
    }
    if fields.is_empty() {
        return Err(Error::invalid(
            "name the fields to keep (the schema browser or describe-measurement shows them)",
        ));
    }
    let every_text = req.every.as_deref().unwrap_or("5m").trim().to_string();
    let every = parse_span("every", &every_text)?;
    let keep_text = req.keep.as_deref().unwrap_or("1y").trim().to_string();
    let keep = parse_keep("keep", Some(&keep_text))?;
    if keep.is_some_and(|k| k < every) {
        return Err(Error::invalid(format!(
            "keep ({keep_text}) must be longer than every ({every_text})"
        )));
    }
    let rp_name = match req.rp.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(r) => check_name("retention policy", r)?.to_string(),
        None => format!("keep_{}", keep.map_or("forever".into(), |k| human(Some(k)))),
    };
    let into = match req
        .into_measurement
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(i) => check_name("measurement", i)?.to_string(),
        None => m.to_string(),
    };
    let cq_name = match req
        .cq_name
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(n) => check_name("continuous query", n)?.to_string(),
        None => format!("{m}_{}_{}", req.aggregate.function(), human(Some(every))),
    };

    let (p, c) = client_for(ctx, req.profile.as_deref(), ApiKind::V1, WHY).await?;
    let rps = c.v1_retention_policies(db).await?;
    let source_rp = match req
        .source_rp
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(r) => rps.iter().find(|x| x.name == r).ok_or_else(|| {
            Error::NotFound(format!("database \"{db}\" has no retention policy \"{r}\""))
        })?,
        None => rps.iter().find(|x| x.default).ok_or_else(|| {
            Error::NotFound(format!(
                "database \"{db}\" has no default retention policy: name source_rp"
            ))
        })?,
    }
    .name
    .clone();
    if source_rp == rp_name && into == m {
        return Err(Error::invalid(
            "the downsampled points would overwrite the raw ones: pick another retention policy \
             (rp) or measurement (into_measurement)",
        ));
    }
    let mut notes = Vec::new();
    let creates_rp = match rps.iter().find(|x| x.name == rp_name) {
        None => true,
        Some(x) if x.duration_seconds == keep => {
            notes.push(format!(
                "the retention policy \"{rp_name}\" exists already with duration {}: it is used \
                 as it is",
                human(keep)
            ));
            false
        }
        Some(x) => {
            return Err(Error::Conflict(format!(
                "database \"{db}\" has a retention policy \"{rp_name}\" keeping {}, not {}: pick \
                 another rp name, or change it with rp edit",
                human(x.duration_seconds),
                human(keep)
            )));
        }
    };
    let target = format!(
        "{}.{}.{}",
        quote_ident(db),
        quote_ident(&rp_name),
        quote_ident(&into)
    );
    let source = format!(
        "{}.{}.{}",
        quote_ident(db),
        quote_ident(&source_rp),
        quote_ident(m)
    );
    let cq_select = downsample_select(&fields, req.aggregate, &target, &source, "", every);

    let mut statements = Vec::new();
    if creates_rp {
        statements.push(admin_v1::create_rp(db, &rp_name, keep, None, false));
    }
    statements.push(create_cq_statement(db, &cq_name, &cq_select, None, None));
    if req.backfill {
        match first_point_ns(&c, &source).await? {
            None => notes.push(format!("{source} has no data yet: nothing to backfill")),
            Some(first) => {
                let step = every as i64 * 1_000_000_000;
                let start = first - first.rem_euclid(step);
                let now_ns = chrono::Utc::now().timestamp_nanos_opt().unwrap_or(i64::MAX);
                let buckets = (now_ns.saturating_sub(start) / step).max(0) as u64;
                if buckets > MAX_BACKFILL_BUCKETS {
                    return Err(Error::invalid(format!(
                        "backfilling from the first point ({}) in steps of {every_text} would \
                         compute {buckets} intervals: pick a longer interval, or leave backfill off",
                        crate::influx::parse::ns_to_rfc3339(start)
                    )));
                }
                let where_ = format!(" WHERE time >= {start} AND time < now()");
                statements.push(downsample_select(
                    &fields,
                    req.aggregate,
                    &target,
                    &source,
                    &where_,
                    every,
                ));
            }
        }
    }
    let mut plan = DownsamplePlan {
        database: db.to_string(),
        rp: rp_name.clone(),
        cq: cq_name.clone(),
        statements,
        executed: false,
        creates_rp,
        notes,
    };
    if req.preview {
        return Ok(plan);
    }
    let what = format!(
        "downsample {db}.{source_rp}.{m}: keep {}({}) every {every_text} for {keep_text}\n{}",
        req.aggregate.function(),
        fields.join(", "),
        plan.statements.join("\n")
    );
    crate::api::policy::check_admin(ctx, actor, &p, &what).await?;
    let mut done: Vec<String> = Vec::new();
    for (i, q) in plan.statements.iter().enumerate() {
        if let Err(e) = c.v1_exec(q, Some(db)).await {
            let step = match (i, creates_rp) {
                (0, true) => "creating the retention policy",
                (0, false) | (1, true) => "creating the continuous query",
                _ => "backfilling",
            };
            let undone = undo(&c, db, &rp_name, &cq_name, &done).await;
            return Err(reword(
                e.clone(),
                format!(
                    "downsampling failed while {step}: {}. {undone}",
                    e.message()
                ),
            ));
        }
        done.push(q.clone());
    }
    plan.executed = true;
    ctx.emit(actor, "cq.create", format!("{db}/{cq_name} on {}", p.name));
    if creates_rp {
        ctx.emit(actor, "rp.create", format!("{db}/{rp_name} on {}", p.name));
    }
    Ok(plan)
}

/// Take back what a failed downsample created; says what it did (or could not).
async fn undo(c: &crate::influx::Client, db: &str, rp: &str, cq: &str, done: &[String]) -> String {
    let mut dropped = Vec::new();
    let mut left = Vec::new();
    for q in done.iter().rev() {
        let undo = if q.starts_with("CREATE CONTINUOUS QUERY") {
            (
                admin_v1::drop_cq(db, cq),
                format!("continuous query \"{cq}\""),
            )
        } else if q.starts_with("CREATE RETENTION POLICY") {
            (
                admin_v1::drop_rp(db, rp),
                format!("retention policy \"{rp}\""),
            )
        } else {
            continue;
        };
        match c.v1_exec(&undo.0, None).await {
            Ok(()) => dropped.push(undo.1),
            Err(e) => left.push(format!("{} (dropping it failed: {})", undo.1, e.message())),
        }
    }
    match (dropped.is_empty(), left.is_empty()) {
        (true, true) => "Nothing was created.".into(),
        (false, true) => format!(
            "The {} created before was dropped again: nothing is left half-done.",
            dropped.join(" and the ")
        ),
        _ => format!(
            "Could not take back everything: still there: {}. Drop it by hand.",
            left.join(", ")
        ),
    }
}

/// The time of the first point of `source` (epoch ns), if any.
async fn first_point_ns(c: &crate::influx::Client, source: &str) -> Result<Option<i64>> {
    let frames = c
        .v1_read(&format!("SELECT * FROM {source} LIMIT 1"), None)
        .await?;
    Ok(frames
        .iter()
        .filter_map(|f| f.column("time"))
        .filter_map(|t| t.values.first())
        .filter_map(crate::model::Cell::time_ns)
        .min())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selects_are_checked() {
        assert!(check_select("SELECT mean(v) INTO x FROM m GROUP BY time(5m)").is_ok());
        assert!(check_select("SELECT mean(v) FROM m GROUP BY time(5m)").is_err());
        assert!(check_select("DROP DATABASE x").is_err());
        assert!(
            check_select("SELECT mean(v) INTO x FROM m GROUP BY time(5m); DROP DATABASE x")
                .is_err()
        );
        assert_eq!(
            create_cq_statement("d", "c", "SELECT 1", Some(300), Some(3600)),
            "CREATE CONTINUOUS QUERY \"c\" ON \"d\" RESAMPLE EVERY 5m FOR 1h BEGIN SELECT 1 END"
        );
        assert_eq!(
            downsample_select(&["a", "b"], DownsampleAggregate::Mean, "T", "S", "", 300),
            "SELECT mean(\"a\") AS \"a\", mean(\"b\") AS \"b\" INTO T FROM S GROUP BY time(5m), *"
        );
    }
}
