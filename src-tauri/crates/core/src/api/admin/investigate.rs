//! A database at a glance, for an assistant's first look (as the official InfluxDB 3 MCP
//! server's `investigate_database`, on every server kind): its measurements with their tag
//! keys and field keys (with types), and on request a few of each measurement's newest rows.
//! Bounded: at most `max_measurements` measurements, at most 20 rows each, over the last 30
//! days.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::api::{Ctx, natural_language, profiles, query, schema};
use crate::error::{Error, Result};
use crate::influx::schema::{flux_str, quote_ident, sql_ident};
use crate::model::{Actor, ApiKind, FieldKey, QueryLanguage, RunQueryReq, SchemaReq, TimeRange};

/// Most measurements described in one call (the rest are counted).
pub const MAX_MEASUREMENTS: usize = 200;
/// Most sample rows per measurement.
pub const MAX_SAMPLE_ROWS: usize = 20;

/// Which database to look at, and how much to show.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct InvestigateReq {
    /// Profile id or name; the active profile when absent.
    pub profile: Option<String>,
    /// The database or bucket (the connection's default when absent).
    pub database: Option<String>,
    /// Newest rows to show per measurement (0 = none, the default; at most 20).
    pub sample_rows: Option<usize>,
    /// Measurements to describe (default 50, at most 200); the rest are only counted.
    pub max_measurements: Option<usize>,
}

/// One measurement of the database.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, TS)]
#[ts(export)]
pub struct MeasurementOverview {
    pub name: String,
    pub tags: Vec<String>,
    pub fields: Vec<FieldKey>,
    /// Its newest rows (column -> value), when asked for.
    #[ts(type = "Array<Record<string, unknown>>")]
    pub recent: Vec<serde_json::Map<String, serde_json::Value>>,
    /// What could not be read for it (the rest of the overview still stands).
    pub problem: Option<String>,
}

/// What `investigate` found.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, TS)]
#[ts(export)]
pub struct DatabaseOverview {
    pub connection: String,
    pub database: String,
    /// The query language this server speaks natively (use it with query-data).
    pub language: QueryLanguage,
    /// All measurements in the database.
    pub total_measurements: usize,
    pub measurements: Vec<MeasurementOverview>,
    /// Measurements left out (over `max_measurements`).
    pub left_out: usize,
}

/// The text that reads a measurement's newest `n` rows in `lang`.
fn recent_query(lang: QueryLanguage, database: &str, m: &str, n: usize) -> String {
    match lang {
        QueryLanguage::Influxql => {
            format!(
                "SELECT * FROM {} ORDER BY time DESC LIMIT {n}",
                quote_ident(m)
            )
        }
        QueryLanguage::Sql => format!(
            "SELECT * FROM {} ORDER BY time DESC LIMIT {n}",
            sql_ident(m)
        ),
        QueryLanguage::Flux => format!(
            "from(bucket: {})\n  |> range(start: v.timeRangeStart, stop: v.timeRangeStop)\n  \
             |> filter(fn: (r) => r._measurement == {})\n  |> tail(n: {n})",
            flux_str(database),
            flux_str(m)
        ),
    }
}

/// Describe a database's measurements (and, on request, their newest rows).
pub async fn investigate(
    ctx: &Ctx,
    actor: &Actor,
    req: InvestigateReq,
) -> Result<DatabaseOverview> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    let database = req
        .database
        .as_deref()
        .or(p.database.as_deref())
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .ok_or_else(|| {
            Error::invalid(
                "name the database or bucket to investigate (the connection has no default)",
            )
        })?
        .to_string();
    let rows = req.sample_rows.unwrap_or(0);
    if rows > MAX_SAMPLE_ROWS {
        return Err(Error::invalid(format!(
            "sample_rows is at most {MAX_SAMPLE_ROWS}: query-data reads more"
        )));
    }
    let max = req.max_measurements.unwrap_or(50);
    if max == 0 || max > MAX_MEASUREMENTS {
        return Err(Error::invalid(format!(
            "max_measurements must be between 1 and {MAX_MEASUREMENTS}"
        )));
    }
    let api = ctx.client(&p).await?.api();
    let language = natural_language(if api == ApiKind::Auto {
        ApiKind::V1
    } else {
        api
    });
    let on = |measurement: Option<&str>| SchemaReq {
        profile: Some(p.id.clone()),
        database: Some(database.clone()),
        measurement: measurement.map(str::to_string),
        ..SchemaReq::default()
    };
    let all = schema::measurements(
        ctx,
        SchemaReq {
            limit: Some(100_000),
            ..on(None)
        },
    )
    .await?;
    let mut measurements = Vec::new();
    for m in all.iter().take(max) {
        let mut problem = None;
        let tags = schema::tag_keys(ctx, on(Some(m)))
            .await
            .unwrap_or_else(|e| {
                problem = Some(format!("tags: {}", e.message()));
                Vec::new()
            });
        let fields = schema::field_keys(ctx, on(Some(m)))
            .await
            .unwrap_or_else(|e| {
                problem = Some(format!("fields: {}", e.message()));
                Vec::new()
            });
        let mut recent = Vec::new();
        if rows > 0 {
            let r = query::run(
                ctx,
                actor,
                RunQueryReq {
                    profile: Some(p.id.clone()),
                    language: Some(language),
                    database: Some(database.clone()),
                    query: recent_query(language, &database, m, rows),
                    row_limit: Some(rows),
                    time_range: Some(TimeRange::Relative {
                        duration: "30d".into(),
                    }),
                    query_id: None,
                },
            )
            .await;
            match r {
                Ok(r) => {
                    for f in &r.frames {
                        for i in 0..f.rows() {
                            if recent.len() >= rows {
                                break;
                            }
                            let mut row = serde_json::Map::new();
                            for (k, v) in &f.tags {
                                row.insert(k.clone(), serde_json::Value::String(v.clone()));
                            }
                            for c in &f.columns {
                                row.insert(c.name.clone(), c.value(i));
                            }
                            recent.push(row);
                        }
                    }
                }
                Err(e) => problem = Some(format!("recent rows: {}", e.message())),
            }
        }
        measurements.push(MeasurementOverview {
            name: m.clone(),
            tags,
            fields,
            recent,
            problem,
        });
    }
    Ok(DatabaseOverview {
        connection: p.name.clone(),
        database,
        language,
        total_measurements: all.len(),
        left_out: all.len().saturating_sub(measurements.len()),
        measurements,
    })
}
