//! Downsampling jobs on the newer servers: InfluxDB 2.x tasks (`/api/v2/tasks`: list, set
//! active/inactive, run now, runs, logs — as the v2 OSS spec documents them) and InfluxDB 3
//! processing-engine triggers (listed from the `system.processing_engine_triggers` table: the
//! v3 Core spec has no GET for triggers; the real 3 Core answers that table even without a
//! plugin directory).

use reqwest::Method;
use serde::Serialize;
use serde_json::{Value, json};
use ts_rs::TS;

use super::{Client, json_body};
use crate::error::{Error, Result};
use crate::model::QueryLanguage;

/// A 2.x task.
#[derive(Debug, Clone, Default, PartialEq, Serialize, schemars::JsonSchema, TS)]
#[ts(export)]
pub struct Task {
    pub id: String,
    pub name: String,
    /// "active" or "inactive".
    pub status: String,
    pub every: Option<String>,
    pub cron: Option<String>,
    pub description: Option<String>,
    /// The Flux script.
    pub flux: String,
    /// "success", "failed" or "canceled".
    pub last_run_status: Option<String>,
    pub last_run_error: Option<String>,
    /// RFC 3339.
    pub latest_completed: Option<String>,
}

/// One run of a 2.x task.
#[derive(Debug, Clone, Default, PartialEq, Serialize, schemars::JsonSchema, TS)]
#[ts(export)]
pub struct TaskRun {
    pub id: String,
    /// scheduled, started, failed, success or canceled.
    pub status: String,
    pub scheduled_for: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub requested_at: Option<String>,
}

/// One log line of a 2.x task (run).
#[derive(Debug, Clone, Default, PartialEq, Serialize, schemars::JsonSchema, TS)]
#[ts(export)]
pub struct TaskLog {
    pub time: String,
    pub message: String,
    pub run_id: Option<String>,
}

/// A 3.x processing-engine trigger.
#[derive(Debug, Clone, Default, PartialEq, Serialize, schemars::JsonSchema, TS)]
#[ts(export)]
pub struct Trigger {
    pub database: String,
    pub name: String,
    pub plugin_filename: String,
    /// e.g. "every:5m", "cron:0 0 * * *", "table:cpu", "all_tables".
    pub specification: String,
    pub disabled: bool,
    pub error_behavior: Option<String>,
}

fn s(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
}

fn task_of(v: &Value) -> Task {
    Task {
        id: s(v, "id").unwrap_or_default(),
        name: s(v, "name").unwrap_or_default(),
        status: s(v, "status").unwrap_or_else(|| "active".into()),
        every: s(v, "every"),
        cron: s(v, "cron"),
        description: s(v, "description"),
        flux: s(v, "flux").unwrap_or_default(),
        last_run_status: s(v, "lastRunStatus"),
        last_run_error: s(v, "lastRunError"),
        latest_completed: s(v, "latestCompleted"),
    }
}

fn run_of(v: &Value) -> TaskRun {
    TaskRun {
        id: s(v, "id").unwrap_or_default(),
        status: s(v, "status").unwrap_or_default(),
        scheduled_for: s(v, "scheduledFor"),
        started_at: s(v, "startedAt"),
        finished_at: s(v, "finishedAt"),
        requested_at: s(v, "requestedAt"),
    }
}

impl Client {
    async fn v2_json(&self, rb: reqwest::RequestBuilder, what: &str) -> Result<Value> {
        json_body(self.check(self.send(rb, what).await?, what).await?).await
    }

    /// The organization's tasks (every page).
    pub async fn v2_tasks(&self) -> Result<Vec<Task>> {
        let mut out: Vec<Task> = Vec::new();
        loop {
            let mut q = vec![("limit", "100".to_string())];
            if let Some(org) = &self.org {
                q.push(("org", org.clone()));
            }
            if let Some(last) = out.last() {
                q.push(("after", last.id.clone()));
            }
            let rb = self.request(Method::GET, "/api/v2/tasks").query(&q);
            let v = self.v2_json(rb, "listing tasks").await?;
            let page: Vec<Task> = v
                .get("tasks")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(task_of)
                .collect();
            let n = page.len();
            out.extend(page);
            if n < 100 || out.len() >= 10_000 {
                return Ok(out);
            }
        }
    }

    /// Set a task active or inactive; returns the task as the server now has it.
    pub async fn v2_set_task_status(&self, id: &str, active: bool) -> Result<Task> {
        let status = if active { "active" } else { "inactive" };
        let rb = self
            .request(Method::PATCH, &format!("/api/v2/tasks/{}", path_seg(id)?))
            .json(&json!({ "status": status }));
        Ok(task_of(&self.v2_json(rb, "changing the task").await?))
    }

    /// Start a run now (the server's now).
    pub async fn v2_run_task(&self, id: &str) -> Result<TaskRun> {
        let rb = self
            .request(
                Method::POST,
                &format!("/api/v2/tasks/{}/runs", path_seg(id)?),
            )
            .json(&json!({}));
        Ok(run_of(&self.v2_json(rb, "starting a task run").await?))
    }

    /// The last runs of a task, newest as the server orders them.
    pub async fn v2_task_runs(&self, id: &str, limit: usize) -> Result<Vec<TaskRun>> {
        let rb = self
            .request(
                Method::GET,
                &format!("/api/v2/tasks/{}/runs", path_seg(id)?),
            )
            .query(&[("limit", limit.clamp(1, 500).to_string())]);
        let v = self.v2_json(rb, "listing task runs").await?;
        Ok(v.get("runs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(run_of)
            .collect())
    }

    /// The logs of a task, or of one of its runs.
    pub async fn v2_task_logs(&self, id: &str, run: Option<&str>) -> Result<Vec<TaskLog>> {
        let path = match run {
            Some(r) => format!("/api/v2/tasks/{}/runs/{}/logs", path_seg(id)?, path_seg(r)?),
            None => format!("/api/v2/tasks/{}/logs", path_seg(id)?),
        };
        let v = self
            .v2_json(self.request(Method::GET, &path), "reading task logs")
            .await?;
        Ok(v.get("events")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|e| TaskLog {
                time: s(e, "time").unwrap_or_default(),
                message: s(e, "message").unwrap_or_default(),
                run_id: s(e, "runID"),
            })
            .collect())
    }

    /// The processing-engine triggers of one v3 database.
    pub async fn v3_triggers(&self, db: &str) -> Result<Vec<Trigger>> {
        let (frames, _) = self
            .query(
                QueryLanguage::Sql,
                Some(db),
                "SELECT * FROM system.processing_engine_triggers",
                10_000,
            )
            .await?;
        let mut out = Vec::new();
        for f in &frames {
            let Some(names) = f.column("trigger_name") else {
                continue;
            };
            for (i, name) in names.values.iter().enumerate() {
                let cell = |c: &str| f.column(c).and_then(|c| c.values.get(i));
                let text = |c: &str| cell(c).and_then(|v| v.as_str().map(str::to_string));
                out.push(Trigger {
                    database: db.to_string(),
                    name: name.as_str().unwrap_or_default().to_string(),
                    plugin_filename: text("plugin_filename").unwrap_or_default(),
                    specification: text("trigger_specification").unwrap_or_default(),
                    disabled: cell("disabled").and_then(|v| v.as_bool()).unwrap_or(false),
                    error_behavior: text("error_behavior"),
                });
            }
        }
        Ok(out)
    }
}

/// A server id as one URL path segment: ids are hex on 2.x; anything else is refused.
fn path_seg(id: &str) -> Result<&str> {
    let id = id.trim();
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(Error::invalid(format!(
            "\"{id}\" is not a task/run id (16 hex digits): task list shows them"
        )));
    }
    Ok(id)
}
