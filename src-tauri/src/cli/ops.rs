//! `influxdesk queries` (the server's running queries; `--kill ID` stops one) and `influxdesk
//! delete` (data of a measurement, with a dry run): each one `core::api::admin` call as the user.

use super::output::json;
use clap::Args;
use influxdesk_core::api::admin::delete::{self, DeleteDataReq};
use influxdesk_core::api::admin::health;
use influxdesk_core::api::admin::overview::{self, OverviewReq};
use influxdesk_core::api::admin::queries::{self, KillQueryReq, ListQueriesReq};
use influxdesk_core::{Actor, Ctx, Error, Result};

#[derive(Args)]
pub struct QueriesArgs {
    /// Profile name or id (default: the active profile).
    #[arg(long)]
    profile: Option<String>,
    /// Stop the query with this id (the ID column of the list; 1.x KILL QUERY).
    #[arg(long, value_name = "ID")]
    kill: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// One line per query: id, how long, database, status, text (on one line).
fn table(list: &[queries::RunningQuery]) -> String {
    if list.is_empty() {
        return "no queries running\n".into();
    }
    let mut out = format!(
        "{:<8} {:<12} {:<16} {:<10} QUERY\n",
        "ID", "DURATION", "DATABASE", "STATUS"
    );
    for q in list {
        out.push_str(&format!(
            "{:<8} {:<12} {:<16} {:<10} {}\n",
            q.id,
            q.duration,
            q.database,
            q.status,
            q.query.split_whitespace().collect::<Vec<_>>().join(" ")
        ));
    }
    out
}

pub async fn queries(ctx: &Ctx, a: QueriesArgs) -> Result<String> {
    match a.kill {
        Some(id) => {
            let q = queries::kill(
                ctx,
                &Actor::User,
                KillQueryReq {
                    profile: a.profile,
                    id,
                },
            )
            .await?;
            if a.json {
                json(&q)
            } else {
                Ok(format!("killed query {}: {}\n", q.id, q.query))
            }
        }
        None => {
            let list = queries::list(
                ctx,
                ListQueriesReq {
                    profile: a.profile,
                    all: false,
                },
            )
            .await?;
            if a.json {
                json(&list)
            } else {
                Ok(table(&list))
            }
        }
    }
}

#[derive(Args)]
#[command(after_help = "Examples:\n  \
    influxdesk delete --db telegraf --measurement cpu --where 'host = \"web-01\"' --dry-run\n  \
    influxdesk delete --db telegraf --measurement cpu --from 2024-01-01T00:00:00Z --to 2024-02-01T00:00:00Z\n  \
    influxdesk delete --db telegraf --measurement old_metrics --drop-measurement")]
pub struct DeleteArgs {
    /// Profile name or id (default: the active profile).
    #[arg(long)]
    profile: Option<String>,
    /// Database (1.x, 3.x) or bucket (2.x); the profile's default when absent.
    #[arg(long, alias = "bucket")]
    db: Option<String>,
    /// The measurement (3.x: table) to delete from.
    #[arg(long)]
    measurement: String,
    /// Tag comparisons, e.g. 'host = "a" AND region != "eu"' (= and != on quoted values).
    #[arg(long = "where", value_name = "PREDICATE")]
    predicate: Option<String>,
    /// Start of the time range, RFC 3339 (inclusive).
    #[arg(long)]
    from: Option<String>,
    /// End of the time range, RFC 3339 (exclusive).
    #[arg(long)]
    to: Option<String>,
    /// Drop the whole measurement (no --where, --from or --to then).
    #[arg(long)]
    drop_measurement: bool,
    /// Only print the statements and how many series and points would go.
    #[arg(long)]
    dry_run: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub async fn delete(ctx: &Ctx, a: DeleteArgs) -> Result<String> {
    let plan = delete::delete(
        ctx,
        &Actor::User,
        DeleteDataReq {
            profile: a.profile,
            database: a.db,
            measurement: a.measurement,
            predicate: a.predicate,
            from: a.from,
            to: a.to,
            drop_measurement: a.drop_measurement,
            dry_run: a.dry_run,
        },
    )
    .await?;
    if a.json {
        return json(&plan);
    }
    Ok(format!(
        "{}\n{}\n",
        plan.statements.join("\n"),
        plan.summary()
    ))
}

#[derive(Args)]
pub struct OverviewArgs {
    /// Profile name or id (default: the active profile).
    #[arg(long)]
    profile: Option<String>,
    /// Print JSON instead of lines.
    #[arg(long)]
    json: bool,
}

/// `influxdesk overview`: one sample (rates need two; the app's Admin > Overview charts them).
pub async fn overview(ctx: &Ctx, a: OverviewArgs) -> Result<String> {
    let o = overview::get(
        ctx,
        OverviewReq {
            profile: a.profile,
            previous: None,
        },
        chrono::Utc::now(),
    )
    .await?;
    if a.json {
        return json(&o);
    }
    let n = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.0}"));
    let mb = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{:.1} MB", v / 1e6));
    Ok(format!(
        "server     {} {}\nlatency    {:.1} ms\nuptime     {} s\ndatabases  {}\nseries     {}\nheap       {}\ndisk       {}\nqueries    {} (total)\nwrites     {} points (total)\nsource     {}\n",
        o.product,
        o.version,
        o.latency_ms,
        n(o.uptime_seconds),
        o.databases,
        n(o.series),
        mb(o.heap_bytes),
        mb(o.disk_bytes),
        n(o.counters.queries),
        n(o.counters.writes),
        o.source
    ))
}

#[derive(Args)]
pub struct HealthArgs {
    /// Profile name or id (default: the active profile).
    #[arg(long)]
    profile: Option<String>,
    /// Print JSON instead of lines.
    #[arg(long)]
    json: bool,
}

/// `influxdesk health`: reachable, version, latency, credentials; exits non-zero unless all ok.
pub async fn health(ctx: &Ctx, a: HealthArgs) -> Result<String> {
    let r = health::check(ctx, a.profile.as_deref()).await?;
    let text = if a.json {
        json(&r)?
    } else {
        format!(
            "connection {} ({})\nreachable  {}\nserver     {} {}\nlatency    {}\nauth       {}\ndatabases  {}\n{}\n",
            r.connection,
            r.url,
            if r.reachable { "yes" } else { "no" },
            r.product,
            r.version,
            r.latency_ms.map_or("-".into(), |l| format!("{l:.1} ms")),
            if r.auth_ok { "ok" } else { "refused" },
            r.databases.map_or("-".into(), |d| d.to_string()),
            r.message
        )
    };
    if r.reachable && r.auth_ok {
        Ok(text)
    } else {
        Err(Error::Unreachable(format!(
            "the health check failed: {}",
            r.message
        )))
    }
}
