//! Downsampling jobs on 2.x and 3.x: InfluxDB 2.x tasks (list, enable/disable, run now, last
//! runs, logs) and InfluxDB 3 processing-engine triggers (listed per database).

use schemars::JsonSchema;
use serde::Deserialize;
use ts_rs::TS;

use super::client_for;
use crate::api::Ctx;
use crate::error::{Error, Result};
pub use crate::influx::tasks::{Task, TaskLog, TaskRun, Trigger};
use crate::model::{Actor, ApiKind};

const TASKS: &str = "tasks";

/// Which profile's tasks.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct ListTasksReq {
    /// Profile id or name; the active profile when absent.
    pub profile: Option<String>,
}

/// One task (by id or name) and, for enable/disable, runs and logs, what to do.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct TaskReq {
    pub profile: Option<String>,
    /// The task's id or name.
    pub task: String,
    /// runs: at most this many (default 20).
    pub limit: Option<usize>,
    /// logs: only this run's.
    pub run: Option<String>,
}

/// Enable or disable a task.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct SetTaskReq {
    pub profile: Option<String>,
    /// The task's id or name.
    pub task: String,
    /// true: active (runs on its schedule); false: inactive.
    pub enabled: bool,
}

/// Which database's triggers.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct ListTriggersReq {
    pub profile: Option<String>,
    /// Only this database's; every database's when absent.
    pub database: Option<String>,
}

pub async fn list(ctx: &Ctx, req: ListTasksReq) -> Result<Vec<Task>> {
    let (_, c) = client_for(ctx, req.profile.as_deref(), ApiKind::V2, TASKS).await?;
    let mut t = c.v2_tasks().await?;
    t.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(t)
}

/// A task by id or name (a name must be unique).
async fn resolve(c: &crate::influx::Client, task: &str) -> Result<Task> {
    let t = task.trim();
    if t.is_empty() {
        return Err(Error::invalid(
            "name the task (its id or name; task list shows them)",
        ));
    }
    let all = c.v2_tasks().await?;
    if let Some(x) = all.iter().find(|x| x.id == t) {
        return Ok(x.clone());
    }
    let named: Vec<&Task> = all.iter().filter(|x| x.name == t).collect();
    match named.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(Error::NotFound(format!(
            "no task with id or name \"{t}\" (task list shows them)"
        ))),
        many => Err(Error::invalid(format!(
            "{} tasks are named \"{t}\": give the id ({})",
            many.len(),
            many.iter()
                .map(|x| x.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

pub async fn set_enabled(ctx: &Ctx, actor: &Actor, req: SetTaskReq) -> Result<Task> {
    let (p, c) = client_for(ctx, req.profile.as_deref(), ApiKind::V2, TASKS).await?;
    let t = resolve(&c, &req.task).await?;
    let status = if req.enabled { "active" } else { "inactive" };
    let what = format!(
        "{} the task \"{}\"\nPATCH /api/v2/tasks/{} {{\"status\": \"{status}\"}}",
        if req.enabled { "enable" } else { "disable" },
        t.name,
        t.id
    );
    crate::api::policy::check_admin(ctx, actor, &p, &what).await?;
    let out = c.v2_set_task_status(&t.id, req.enabled).await?;
    ctx.emit(
        actor,
        "task.update",
        format!("{} {status} on {}", t.name, p.name),
    );
    Ok(out)
}

pub async fn run_now(ctx: &Ctx, actor: &Actor, req: TaskReq) -> Result<TaskRun> {
    let (p, c) = client_for(ctx, req.profile.as_deref(), ApiKind::V2, TASKS).await?;
    let t = resolve(&c, &req.task).await?;
    let what = format!(
        "run the task \"{}\" now\nPOST /api/v2/tasks/{}/runs",
        t.name, t.id
    );
    crate::api::policy::check_admin(ctx, actor, &p, &what).await?;
    let run = c.v2_run_task(&t.id).await?;
    ctx.emit(actor, "task.run", format!("{} on {}", t.name, p.name));
    Ok(run)
}

pub async fn runs(ctx: &Ctx, req: TaskReq) -> Result<Vec<TaskRun>> {
    let (_, c) = client_for(ctx, req.profile.as_deref(), ApiKind::V2, TASKS).await?;
    let t = resolve(&c, &req.task).await?;
    c.v2_task_runs(&t.id, req.limit.unwrap_or(20)).await
}

pub async fn logs(ctx: &Ctx, req: TaskReq) -> Result<Vec<TaskLog>> {
    let (_, c) = client_for(ctx, req.profile.as_deref(), ApiKind::V2, TASKS).await?;
    let t = resolve(&c, &req.task).await?;
    c.v2_task_logs(
        &t.id,
        req.run.as_deref().map(str::trim).filter(|r| !r.is_empty()),
    )
    .await
}

/// Processing-engine triggers (InfluxDB 3).
pub async fn triggers(ctx: &Ctx, req: ListTriggersReq) -> Result<Vec<Trigger>> {
    let (_, c) = client_for(
        ctx,
        req.profile.as_deref(),
        ApiKind::V3,
        "processing-engine triggers",
    )
    .await?;
    let dbs = match req
        .database
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        Some(d) => vec![d.to_string()],
        None => c.databases().await?,
    };
    let mut out = Vec::new();
    for db in dbs {
        out.extend(c.v3_triggers(&db).await?);
    }
    Ok(out)
}
