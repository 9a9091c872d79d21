//! `influxdesk db | rp | cq | task`: databases/buckets, 1.x retention policies, 1.x continuous
//! queries with the downsample action, and 2.x tasks from the command line. Each subcommand is
//! one `core::api::buckets` / `core::api::admin` call as the user; `--json` prints the result.

use super::output::json;
use clap::{Args, Subcommand};
use influxdesk_core::api::admin::downsampling::{
    self, CreateCqReq, DownsampleAggregate, DownsampleReq, DropCqReq, ListCqReq,
};
use influxdesk_core::api::admin::retention::{self, AlterRpReq, CreateRpReq, DropRpReq, ListRpReq};
use influxdesk_core::api::admin::tasks::{self, ListTasksReq, SetTaskReq, TaskReq};
use influxdesk_core::api::buckets;
use influxdesk_core::influx::buckets::human;
use influxdesk_core::model::{CreateBucketReq, DeleteBucketReq, UpdateBucketReq};
use influxdesk_core::{Actor, Ctx, Error, Result};

/// The connection and output flags every admin subcommand takes.
#[derive(Args, Clone, Default)]
pub struct Common {
    /// Profile name or id (default: the active profile).
    #[arg(long, short, global = true)]
    profile: Option<String>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand)]
pub enum DbCmd {
    /// List databases/buckets with retention, shard group duration, series and size.
    List,
    /// Create a database/bucket.
    Create {
        name: String,
        /// How long to keep data: 30d, 12h, 52w; inf (default) keeps it forever. 1.x/2.x: at
        /// least 1h.
        #[arg(long)]
        retention: Option<String>,
        /// A description (stored by 2.x; reported as ignored elsewhere).
        #[arg(long)]
        description: Option<String>,
        /// 1.x: the shard group duration, e.g. 1d (at least 1h).
        #[arg(long)]
        shard_duration: Option<String>,
    },
    /// Change a database/bucket's retention (1.x: the default policy's), description (2.x)
    /// or shard group duration (1.x).
    Edit {
        name: String,
        #[arg(long)]
        retention: Option<String>,
        #[arg(long)]
        description: Option<String>,
        #[arg(long)]
        shard_duration: Option<String>,
    },
    /// Delete a database/bucket and all its data.
    #[command(alias = "remove", alias = "delete")]
    Rm { name: String },
}

#[derive(Subcommand)]
pub enum RpCmd {
    /// List a database's retention policies (InfluxDB 1.x).
    List { database: String },
    /// Create a retention policy.
    Create {
        database: String,
        name: String,
        /// How long data is kept: 7d, 52w, 1y; inf (default) forever. At least 1h.
        #[arg(long)]
        duration: Option<String>,
        /// The shard group duration, e.g. 1d.
        #[arg(long)]
        shard_duration: Option<String>,
        /// Make it the database's default policy.
        #[arg(long)]
        default: bool,
    },
    /// Change a retention policy.
    Edit {
        database: String,
        name: String,
        #[arg(long)]
        duration: Option<String>,
        #[arg(long)]
        shard_duration: Option<String>,
        #[arg(long)]
        default: bool,
    },
    /// Drop a retention policy and its data (not the default one).
    #[command(alias = "remove", alias = "delete")]
    Rm { database: String, name: String },
}

#[derive(Subcommand)]
pub enum CqCmd {
    /// List continuous queries (InfluxDB 1.x), of one database or all.
    List { database: Option<String> },
    /// Create a continuous query from its SELECT ... INTO ... GROUP BY time(...).
    Create {
        database: String,
        name: String,
        select: String,
        /// RESAMPLE EVERY (default: the GROUP BY interval).
        #[arg(long)]
        every: Option<String>,
        /// RESAMPLE FOR (default: one interval).
        #[arg(long = "for")]
        for_: Option<String>,
    },
    /// Drop a continuous query (the data it wrote stays).
    #[command(alias = "remove", alias = "delete")]
    Rm { database: String, name: String },
    /// Keep an aggregate of fields every interval for a while: creates the retention policy
    /// and the continuous query together; --preview prints the statements and runs nothing.
    #[command(after_help = "Example:\n  \
        influxdesk cq downsample telegraf cpu --field usage_user --field usage_system --every 5m --keep 1y --preview")]
    Downsample {
        database: String,
        measurement: String,
        /// A field to keep (repeat for several).
        #[arg(long = "field", required = true)]
        fields: Vec<String>,
        /// mean (default), median, sum, min, max, count, first, last, spread, stddev.
        #[arg(long, default_value = "mean")]
        aggregate: String,
        /// One point per this interval.
        #[arg(long, default_value = "5m")]
        every: String,
        /// How long to keep the downsampled data (inf: forever).
        #[arg(long, default_value = "1y")]
        keep: String,
        /// Retention policy for the downsampled data (default keep_<keep>).
        #[arg(long)]
        rp: Option<String>,
        /// The raw data's retention policy (default: the database's default).
        #[arg(long)]
        source_rp: Option<String>,
        /// Where the points go (default: the same measurement name).
        #[arg(long)]
        into: Option<String>,
        /// The continuous query's name (default <measurement>_<aggregate>_<every>).
        #[arg(long)]
        name: Option<String>,
        /// Also downsample the data already there, once.
        #[arg(long)]
        backfill: bool,
        /// Print the statements, run nothing.
        #[arg(long)]
        preview: bool,
    },
}

#[derive(Subcommand)]
pub enum TaskCmd {
    /// List tasks (InfluxDB 2.x) with status, schedule and last run.
    List,
    /// Set a task active.
    Enable { task: String },
    /// Set a task inactive.
    Disable { task: String },
    /// Run a task now.
    Run { task: String },
    /// The last runs of a task.
    Runs {
        task: String,
        #[arg(long)]
        limit: Option<usize>,
    },
    /// The logs of a task (or of one run).
    Logs {
        task: String,
        #[arg(long)]
        run: Option<String>,
    },
}

fn opt(n: Option<u64>) -> String {
    n.map_or("-".into(), |n| n.to_string())
}

fn notes(out: &mut String, notes: &[String]) {
    for n in notes {
        out.push_str(&format!("note: {n}\n"));
    }
}

pub async fn db(ctx: &Ctx, c: Common, cmd: DbCmd) -> Result<String> {
    let me = Actor::User;
    let profile = c.profile.clone();
    match cmd {
        DbCmd::List => {
            let all = buckets::list(ctx, profile.as_deref()).await?;
            if c.json {
                return json(&all);
            }
            let mut out = format!(
                "{:<28} {:<10} {:<12} {:>10} {:>14}\n",
                "NAME", "RETENTION", "SHARD GROUP", "SERIES", "SIZE (BYTES)"
            );
            for b in all {
                out.push_str(&format!(
                    "{:<28} {:<10} {:<12} {:>10} {:>14}\n",
                    b.name,
                    b.retention,
                    b.shard_group_seconds.map_or("-".into(), |s| human(Some(s))),
                    opt(b.series),
                    opt(b.size_bytes)
                ));
            }
            Ok(out)
        }
        DbCmd::Create {
            name,
            retention,
            description,
            shard_duration,
        } => {
            let req = CreateBucketReq {
                profile,
                name,
                retention_period: retention,
                description,
                shard_group_duration: shard_duration,
            };
            let r = buckets::create(ctx, &me, req).await?;
            if c.json {
                return json(&r);
            }
            let mut out = format!(
                "created {} (retention {})\n",
                r.bucket.name, r.bucket.retention
            );
            notes(&mut out, &r.notes);
            Ok(out)
        }
        DbCmd::Edit {
            name,
            retention,
            description,
            shard_duration,
        } => {
            let req = UpdateBucketReq {
                profile,
                name,
                retention_period: retention,
                description,
                shard_group_duration: shard_duration,
            };
            let r = buckets::update(ctx, &me, req).await?;
            if c.json {
                return json(&r);
            }
            let mut out = format!(
                "changed {} (retention {})\n",
                r.bucket.name, r.bucket.retention
            );
            notes(&mut out, &r.notes);
            Ok(out)
        }
        DbCmd::Rm { name } => {
            buckets::delete(
                ctx,
                &me,
                DeleteBucketReq {
                    profile,
                    name: name.clone(),
                },
            )
            .await?;
            if c.json {
                return json(&serde_json::json!({ "deleted": name }));
            }
            Ok(format!("deleted {name}\n"))
        }
    }
}

fn rp_line(r: &influxdesk_core::model::RetentionPolicy) -> String {
    format!(
        "{:<24} {:<10} {:<12} {:<3} {}\n",
        r.name,
        human(r.duration_seconds),
        r.shard_group_seconds.map_or("-".into(), |s| human(Some(s))),
        opt(r.replication),
        if r.default { "default" } else { "" }
    )
}

pub async fn rp(ctx: &Ctx, c: Common, cmd: RpCmd) -> Result<String> {
    let me = Actor::User;
    let profile = c.profile.clone();
    let one = |r: influxdesk_core::model::RetentionPolicy| {
        if c.json { json(&r) } else { Ok(rp_line(&r)) }
    };
    match cmd {
        RpCmd::List { database } => {
            let all = retention::list(ctx, ListRpReq { profile, database }).await?;
            if c.json {
                return json(&all);
            }
            let mut out = format!(
                "{:<24} {:<10} {:<12} {:<3} {}\n",
                "NAME", "DURATION", "SHARD GROUP", "REP", ""
            );
            all.iter().for_each(|r| out.push_str(&rp_line(r)));
            Ok(out)
        }
        RpCmd::Create {
            database,
            name,
            duration,
            shard_duration,
            default,
        } => one(retention::create(
            ctx,
            &me,
            CreateRpReq {
                profile,
                database,
                name,
                duration,
                shard_group_duration: shard_duration,
                default,
            },
        )
        .await?),
        RpCmd::Edit {
            database,
            name,
            duration,
            shard_duration,
            default,
        } => one(retention::alter(
            ctx,
            &me,
            AlterRpReq {
                profile,
                database,
                name,
                duration,
                shard_group_duration: shard_duration,
                default,
            },
        )
        .await?),
        RpCmd::Rm { database, name } => {
            let req = DropRpReq {
                profile,
                database,
                name: name.clone(),
            };
            retention::drop(ctx, &me, req).await?;
            if c.json {
                return json(&serde_json::json!({ "deleted": name }));
            }
            Ok(format!("dropped {name}\n"))
        }
    }
}

fn aggregate(s: &str) -> Result<DownsampleAggregate> {
    serde_json::from_value(serde_json::json!(s.trim().to_ascii_lowercase())).map_err(|_| {
        Error::invalid(format!(
            "--aggregate {s} is not one of mean, median, sum, min, max, count, first, last, \
             spread, stddev"
        ))
    })
}

pub async fn cq(ctx: &Ctx, c: Common, cmd: CqCmd) -> Result<String> {
    let me = Actor::User;
    let profile = c.profile.clone();
    match cmd {
        CqCmd::List { database } => {
            let all = downsampling::list(ctx, ListCqReq { profile, database }).await?;
            if c.json {
                return json(&all);
            }
            if all.is_empty() {
                return Ok("no continuous queries\n".into());
            }
            Ok(all
                .iter()
                .map(|q| format!("{}/{}\n  {}\n", q.database, q.name, q.query))
                .collect())
        }
        CqCmd::Create {
            database,
            name,
            select,
            every,
            for_,
        } => {
            let req = CreateCqReq {
                profile,
                database,
                name,
                select,
                resample_every: every,
                resample_for: for_,
            };
            let q = downsampling::create(ctx, &me, req).await?;
            if c.json {
                return json(&q);
            }
            Ok(format!(
                "created {}/{}\n  {}\n",
                q.database, q.name, q.query
            ))
        }
        CqCmd::Rm { database, name } => {
            let req = DropCqReq {
                profile,
                database,
                name: name.clone(),
            };
            downsampling::drop(ctx, &me, req).await?;
            if c.json {
                return json(&serde_json::json!({ "deleted": name }));
            }
            Ok(format!("dropped {name}\n"))
        }
        CqCmd::Downsample {
            database,
            measurement,
            fields,
            aggregate: agg,
            every,
            keep,
            rp,
            source_rp,
            into,
            name,
            backfill,
            preview,
        } => {
            let req = DownsampleReq {
                profile,
                database,
                measurement,
                fields,
                aggregate: aggregate(&agg)?,
                every: Some(every),
                keep: Some(keep),
                source_rp,
                rp,
                into_measurement: into,
                cq_name: name,
                backfill,
                preview,
            };
            let plan = downsampling::downsample(ctx, &me, req).await?;
            if c.json {
                return json(&plan);
            }
            let mut out = String::from(if plan.executed {
                "ran:\n"
            } else {
                "preview (nothing was run):\n"
            });
            for s in &plan.statements {
                out.push_str(&format!("  {s}\n"));
            }
            notes(&mut out, &plan.notes);
            Ok(out)
        }
    }
}

pub async fn task(ctx: &Ctx, c: Common, cmd: TaskCmd) -> Result<String> {
    let me = Actor::User;
    let profile = c.profile.clone();
    let req = |task: String, limit: Option<usize>, run: Option<String>| TaskReq {
        profile: profile.clone(),
        task,
        limit,
        run,
    };
    let task_line = |t: &tasks::Task| {
        format!(
            "{:<18} {:<28} {:<9} {:<12} {}\n",
            t.id,
            t.name,
            t.status,
            t.every
                .clone()
                .or_else(|| t.cron.clone())
                .unwrap_or_default(),
            t.last_run_status.clone().unwrap_or_default()
        )
    };
    let enable = matches!(cmd, TaskCmd::Enable { .. });
    match cmd {
        TaskCmd::List => {
            let all = tasks::list(
                ctx,
                ListTasksReq {
                    profile: profile.clone(),
                },
            )
            .await?;
            if c.json {
                return json(&all);
            }
            let mut out = format!(
                "{:<18} {:<28} {:<9} {:<12} {}\n",
                "ID", "NAME", "STATUS", "SCHEDULE", "LAST RUN"
            );
            all.iter().for_each(|t| out.push_str(&task_line(t)));
            Ok(out)
        }
        TaskCmd::Enable { task } | TaskCmd::Disable { task } => {
            let t = tasks::set_enabled(
                ctx,
                &me,
                SetTaskReq {
                    profile: profile.clone(),
                    task,
                    enabled: enable,
                },
            )
            .await?;
            if c.json { json(&t) } else { Ok(task_line(&t)) }
        }
        TaskCmd::Run { task } => {
            let r = tasks::run_now(ctx, &me, req(task, None, None)).await?;
            if c.json {
                return json(&r);
            }
            Ok(format!("run {} {}\n", r.id, r.status))
        }
        TaskCmd::Runs { task, limit } => {
            let runs = tasks::runs(ctx, req(task, limit, None)).await?;
            if c.json {
                return json(&runs);
            }
            Ok(runs
                .iter()
                .map(|r| {
                    format!(
                        "{:<18} {:<10} {} {}\n",
                        r.id,
                        r.status,
                        r.scheduled_for.clone().unwrap_or_default(),
                        r.finished_at.clone().unwrap_or_default()
                    )
                })
                .collect())
        }
        TaskCmd::Logs { task, run } => {
            let logs = tasks::logs(ctx, req(task, None, run)).await?;
            if c.json {
                return json(&logs);
            }
            Ok(logs
                .iter()
                .map(|l| format!("{} {}\n", l.time, l.message))
                .collect())
        }
    }
}
