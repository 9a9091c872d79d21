//! `manage-buckets` (the seed's tool: databases/buckets, plus 1.x retention policies) and
//! `manage-downsampling` (1.x continuous queries and the downsample action with its preview,
//! 2.x tasks, 3.x processing-engine triggers): parameters onto core's `api::buckets` and
//! `api::admin`, results back as structured output. Core asks the assistant policy (admin
//! class) before every change, showing the exact statements.

use influxdesk_core::api::admin::downsampling::{
    self, ContinuousQuery, CreateCqReq, DownsampleAggregate, DownsamplePlan, DownsampleReq,
    DropCqReq, ListCqReq,
};
use influxdesk_core::api::admin::retention::{self, AlterRpReq, CreateRpReq, DropRpReq, ListRpReq};
use influxdesk_core::api::admin::tasks::{
    self, ListTasksReq, ListTriggersReq, SetTaskReq, Task, TaskLog, TaskReq, TaskRun, Trigger,
};
use influxdesk_core::api::buckets;
use influxdesk_core::model::{Actor, CreateBucketReq, DeleteBucketReq, UpdateBucketReq};
use influxdesk_core::{Ctx, Error, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::params::*;

/// `manage-buckets` on the session's profile.
pub async fn manage_buckets(
    ctx: &Ctx,
    who: &Actor,
    profile: Option<String>,
    p: ManageBucketsParams,
) -> Result<ManageBucketsResult> {
    let name = || {
        p.bucket_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| Error::invalid("bucket_name is needed for this action"))
    };
    let rp = || {
        p.retention_policy
            .clone()
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| Error::invalid("retention_policy (its name) is needed for this action"))
    };
    let mut out = ManageBucketsResult {
        action: p.action,
        buckets: None,
        bucket: None,
        deleted: None,
        retention_policies: None,
        retention_policy: None,
        notes: vec![],
    };
    match p.action {
        BucketAction::List => {
            let all = buckets::list(ctx, profile.as_deref()).await?;
            out.buckets = Some(all.into_iter().map(BucketInfo::from).collect());
        }
        BucketAction::Create => {
            let req = CreateBucketReq {
                profile,
                name: name()?,
                retention_period: p.retention_period,
                description: p.description,
                shard_group_duration: p.shard_group_duration,
            };
            let r = buckets::create(ctx, who, req).await?;
            out.bucket = Some(r.bucket.into());
            out.notes = r.notes;
        }
        BucketAction::Update => {
            let req = UpdateBucketReq {
                profile,
                name: name()?,
                retention_period: p.retention_period,
                description: p.description,
                shard_group_duration: p.shard_group_duration,
            };
            let r = buckets::update(ctx, who, req).await?;
            out.bucket = Some(r.bucket.into());
            out.notes = r.notes;
        }
        BucketAction::Delete => {
            let name = name()?;
            let req = DeleteBucketReq {
                profile,
                name: name.clone(),
            };
            buckets::delete(ctx, who, req).await?;
            out.deleted = Some(name);
        }
        BucketAction::ListRetentionPolicies => {
            let req = ListRpReq {
                profile,
                database: name()?,
            };
            let all = retention::list(ctx, req).await?;
            out.retention_policies = Some(all.into_iter().map(Into::into).collect());
        }
        BucketAction::CreateRetentionPolicy => {
            let req = CreateRpReq {
                profile,
                database: name()?,
                name: rp()?,
                duration: p.retention_period,
                shard_group_duration: p.shard_group_duration,
                default: p.default.unwrap_or(false),
            };
            out.retention_policy = Some(retention::create(ctx, who, req).await?.into());
        }
        BucketAction::UpdateRetentionPolicy => {
            let req = AlterRpReq {
                profile,
                database: name()?,
                name: rp()?,
                duration: p.retention_period,
                shard_group_duration: p.shard_group_duration,
                default: p.default.unwrap_or(false),
            };
            out.retention_policy = Some(retention::alter(ctx, who, req).await?.into());
        }
        BucketAction::DeleteRetentionPolicy => {
            let rp = rp()?;
            let req = DropRpReq {
                profile,
                database: name()?,
                name: rp.clone(),
            };
            retention::drop(ctx, who, req).await?;
            out.deleted = Some(rp);
        }
    }
    Ok(out)
}

/// What `manage-downsampling` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DownsamplingAction {
    /// InfluxDB 1.x: list continuous queries (of `database`, or all).
    List,
    /// InfluxDB 1.x: create a continuous query from `select` (needs database, name).
    Create,
    /// InfluxDB 1.x: drop the continuous query `name` on `database`.
    Drop,
    /// InfluxDB 1.x: keep `aggregate` of `fields` of `measurement` every `every` for `keep`:
    /// creates the retention policy and the continuous query together (`preview: true` returns
    /// the exact statements and runs nothing; `backfill: true` also downsamples existing data).
    Downsample,
    /// InfluxDB 2.x: list tasks.
    ListTasks,
    /// InfluxDB 2.x: set the task `task` active.
    EnableTask,
    /// InfluxDB 2.x: set the task `task` inactive.
    DisableTask,
    /// InfluxDB 2.x: run the task `task` now.
    RunTask,
    /// InfluxDB 2.x: the last runs of `task`.
    TaskRuns,
    /// InfluxDB 2.x: the logs of `task` (or of its run `run`).
    TaskLogs,
    /// InfluxDB 3: list processing-engine triggers (of `database`, or all).
    ListTriggers,
}

/// `manage-downsampling`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct ManageDownsamplingParams {
    pub action: DownsamplingAction,
    /// The database (1.x, 3.x).
    #[serde(default)]
    pub database: Option<String>,
    /// create/drop: the continuous query's name; downsample: its name (default
    /// "<measurement>_<aggregate>_<every>").
    #[serde(default)]
    pub name: Option<String>,
    /// create: `SELECT <aggregates> INTO <target> FROM <source> GROUP BY time(<interval>)...`.
    #[serde(default)]
    pub select: Option<String>,
    /// downsample: the measurement to downsample.
    #[serde(default)]
    pub measurement: Option<String>,
    /// downsample: the fields to keep.
    #[serde(default)]
    pub fields: Vec<String>,
    /// downsample: mean (default), median, sum, min, max, count, first, last, spread, stddev.
    #[serde(default)]
    pub aggregate: Option<DownsampleAggregate>,
    /// downsample: one point per this interval (default "5m").
    #[serde(default)]
    pub every: Option<String>,
    /// downsample: how long to keep the downsampled data (default "1y"; "inf" forever).
    #[serde(default)]
    pub keep: Option<String>,
    /// downsample: the retention policy for the downsampled data (default "keep_<keep>").
    #[serde(default)]
    pub rp: Option<String>,
    /// downsample: the measurement the points go to (default: the same name).
    #[serde(default)]
    pub into_measurement: Option<String>,
    /// downsample: also downsample the data already there, once.
    #[serde(default)]
    pub backfill: bool,
    /// downsample: only return the statements, change nothing. Preview first.
    #[serde(default)]
    pub preview: bool,
    /// The 2.x task's id or name.
    #[serde(default)]
    pub task: Option<String>,
    /// task_logs: only this run's logs.
    #[serde(default)]
    pub run: Option<String>,
    /// task_runs: at most this many (default 20).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// What `manage-downsampling` did.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct ManageDownsamplingResult {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continuous_queries: Option<Vec<ContinuousQuery>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continuous_query: Option<ContinuousQuery>,
    /// downsample: the statements (run unless `executed` is false: a preview).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<DownsamplePlan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dropped: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tasks: Option<Vec<Task>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<Task>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<TaskRun>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runs: Option<Vec<TaskRun>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logs: Option<Vec<TaskLog>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub triggers: Option<Vec<Trigger>>,
}

fn need(v: Option<String>, what: &str) -> Result<String> {
    v.filter(|s| !s.trim().is_empty())
        .ok_or_else(|| Error::invalid(format!("{what} is needed for this action")))
}

/// `manage-downsampling` on the session's profile.
pub async fn manage_downsampling(
    ctx: &Ctx,
    who: &Actor,
    profile: Option<String>,
    p: ManageDownsamplingParams,
) -> Result<ManageDownsamplingResult> {
    use DownsamplingAction as A;
    let mut out = ManageDownsamplingResult::default();
    let task_req = |p: &ManageDownsamplingParams| -> Result<TaskReq> {
        Ok(TaskReq {
            profile: profile.clone(),
            task: need(p.task.clone(), "task")?,
            limit: p.limit,
            run: p.run.clone(),
        })
    };
    match p.action {
        A::List => {
            let req = ListCqReq {
                profile,
                database: p.database,
            };
            out.continuous_queries = Some(downsampling::list(ctx, req).await?);
        }
        A::Create => {
            let req = CreateCqReq {
                profile,
                database: need(p.database, "database")?,
                name: need(p.name, "name")?,
                select: need(p.select, "select")?,
                ..Default::default()
            };
            out.continuous_query = Some(downsampling::create(ctx, who, req).await?);
        }
        A::Drop => {
            let name = need(p.name, "name")?;
            let req = DropCqReq {
                profile,
                database: need(p.database, "database")?,
                name: name.clone(),
            };
            downsampling::drop(ctx, who, req).await?;
            out.dropped = Some(name);
        }
        A::Downsample => {
            let req = DownsampleReq {
                profile,
                database: need(p.database, "database")?,
                measurement: need(p.measurement, "measurement")?,
                fields: p.fields,
                aggregate: p.aggregate.unwrap_or_default(),
                every: p.every,
                keep: p.keep,
                source_rp: None,
                rp: p.rp,
                into_measurement: p.into_measurement,
                cq_name: p.name,
                backfill: p.backfill,
                preview: p.preview,
            };
            out.plan = Some(downsampling::downsample(ctx, who, req).await?);
        }
        A::ListTasks => out.tasks = Some(tasks::list(ctx, ListTasksReq { profile }).await?),
        A::EnableTask | A::DisableTask => {
            let req = SetTaskReq {
                profile,
                task: need(p.task, "task")?,
                enabled: p.action == A::EnableTask,
            };
            out.task = Some(tasks::set_enabled(ctx, who, req).await?);
        }
        A::RunTask => out.run = Some(tasks::run_now(ctx, who, task_req(&p)?).await?),
        A::TaskRuns => out.runs = Some(tasks::runs(ctx, task_req(&p)?).await?),
        A::TaskLogs => out.logs = Some(tasks::logs(ctx, task_req(&p)?).await?),
        A::ListTriggers => {
            let req = ListTriggersReq {
                profile,
                database: p.database,
            };
            out.triggers = Some(tasks::triggers(ctx, req).await?);
        }
    }
    Ok(out)
}
