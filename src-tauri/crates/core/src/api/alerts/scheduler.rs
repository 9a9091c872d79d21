//! The alert scheduler, and the rule that ONE process evaluates: the app and `influxdesk
//! serve` may both run over the same config dir, and each would notify for the same rules.
//! The evaluator holds an exclusive lock on `alerts-evaluator.lock` in the config dir (an OS
//! file lock: released when the process ends, however it ends) and writes who it is into the
//! file; the others stand by, say who evaluates, and take over once the lock is free. The
//! scheduler starts each due rule on its own task and never starts a rule again while it is
//! still being evaluated, so one hung server delays no other rule.

use std::collections::HashSet;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use ts_rs::TS;

use super::evaluate::{due, spawn};
use super::{Evaluation, evaluate_due};
use crate::api::Ctx;
use crate::error::{Error, Result};

/// The lock file of the evaluator, in the config dir.
pub const LOCK_FILE: &str = "alerts-evaluator.lock";

/// How long one rule's query may take before the evaluation gives up on it.
pub const RULE_TIMEOUT: Duration = Duration::from_secs(30);

/// The evaluator's lease: held while the lock file is locked (by this open file).
pub(crate) struct Lease {
    _file: File,
    holder: String,
}

/// Who evaluates the alert rules.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct EvaluatorStatus {
    /// This process evaluates the rules.
    pub here: bool,
    /// The evaluating process, e.g. "influxdesk serve (pid 4242)"; none when no process does.
    pub evaluator: Option<String>,
    /// The same in words, for a status line.
    pub message: String,
}

/// What one scheduler tick did.
#[derive(Debug, Clone, PartialEq)]
pub enum Tick {
    /// This process evaluates: these rules were due.
    Evaluated(Vec<Evaluation>),
    /// Another process evaluates (named as it names itself).
    Standby { evaluator: String },
}

fn lock_error(path: &Path, e: std::io::Error) -> Error {
    Error::storage("lock", path, e)
}

/// The lock file's holder as written by it ("another influxdesk process" if unreadable).
fn holder_in(path: &Path) -> String {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "another influxdesk process".into())
}

/// Try to become the evaluator: `Ok(None)` when this process is (or now becomes) it,
/// `Ok(Some(holder))` when another is.
fn try_lead(ctx: &Ctx, who: &str) -> Result<Option<String>> {
    let mut slot = ctx.alerts_lease.lock().unwrap_or_else(|p| p.into_inner());
    if slot.is_some() {
        return Ok(None);
    }
    let dir = ctx.config_dir();
    std::fs::create_dir_all(dir).map_err(|e| Error::storage("create", dir, e))?;
    let path = dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| lock_error(&path, e))?;
    match file.try_lock() {
        Ok(()) => {
            let holder = format!("{who} (pid {})", std::process::id());
            file.set_len(0).map_err(|e| lock_error(&path, e))?;
            (&file)
                .write_all(holder.as_bytes())
                .map_err(|e| lock_error(&path, e))?;
            tracing::info!("alerts: {holder} evaluates the rules");
            *slot = Some(Lease {
                _file: file,
                holder,
            });
            Ok(None)
        }
        Err(TryLockError::WouldBlock) => Ok(Some(holder_in(&path))),
        Err(TryLockError::Error(e)) => Err(lock_error(&path, e)),
    }
}

/// Become the evaluator as `who` if no process is, and say who evaluates.
pub fn lead(ctx: &Ctx, who: &str) -> Result<EvaluatorStatus> {
    try_lead(ctx, who)?;
    evaluator_status(ctx)
}

/// Stop evaluating in this process (its lease is released; another may take over).
pub fn step_down(ctx: &Ctx) {
    ctx.alerts_lease
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
}

/// Who evaluates the rules, as seen from this process.
pub fn evaluator_status(ctx: &Ctx) -> Result<EvaluatorStatus> {
    if let Some(l) = ctx
        .alerts_lease
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
    {
        return Ok(EvaluatorStatus {
            here: true,
            evaluator: Some(l.holder.clone()),
            message: format!("alerts are evaluated here, by {}", l.holder),
        });
    }
    let path = ctx.config_dir().join(LOCK_FILE);
    let probe = match OpenOptions::new().read(true).open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(nobody()),
        Err(e) => return Err(lock_error(&path, e)),
    };
    match probe.try_lock_shared() {
        Ok(()) => Ok(nobody()),
        Err(TryLockError::WouldBlock) => {
            let holder = holder_in(&path);
            Ok(EvaluatorStatus {
                here: false,
                message: format!(
                    "alerts are evaluated by {holder}, not here; this process takes over when \
                     it stops"
                ),
                evaluator: Some(holder),
            })
        }
        Err(TryLockError::Error(e)) => Err(lock_error(&path, e)),
    }
}

fn nobody() -> EvaluatorStatus {
    EvaluatorStatus {
        here: false,
        evaluator: None,
        message: "no influxdesk process evaluates alerts now: open the app or run `influxdesk \
                  serve`"
            .into(),
    }
}

/// One tick as `who`: take the evaluator's lease if it is free, then evaluate the due rules
/// (concurrently) — or stand by, naming the evaluator.
pub async fn tick(ctx: &Arc<Ctx>, who: &str, now: DateTime<Utc>) -> Result<Tick> {
    if let Some(evaluator) = try_lead(ctx, who)? {
        return Ok(Tick::Standby { evaluator });
    }
    Ok(Tick::Evaluated(evaluate_due(ctx, now).await?))
}

/// The scheduler, as `who` (e.g. "influxdesk serve"): every second, if this process is the
/// evaluator, start each due rule that is not still being evaluated. Runs for as long as the
/// task runs (the app and `influxdesk serve` spawn it and abort it on exit).
pub async fn run(ctx: Arc<Ctx>, who: String) {
    let busy: Arc<Mutex<HashSet<String>>> = Arc::default();
    let mut every = tokio::time::interval(Duration::from_secs(1));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut standby: Option<String> = None;
    loop {
        every.tick().await;
        match try_lead(&ctx, &who) {
            Ok(None) => standby = None,
            Ok(Some(holder)) => {
                if standby.as_ref() != Some(&holder) {
                    tracing::info!("alerts: evaluated by {holder}; {who} stands by");
                    standby = Some(holder);
                }
                continue;
            }
            Err(e) => {
                tracing::warn!("alerts: could not take the evaluator lock: {e}");
                continue;
            }
        }
        let rules = match super::rules_to_run(&ctx).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!("alert evaluation failed: {e}");
                continue;
            }
        };
        let now = Utc::now();
        for rule in rules.into_iter().filter(|r| r.enabled && due(r, now)) {
            if !busy
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(rule.id.clone())
            {
                continue;
            }
            let (ctx, busy, id) = (ctx.clone(), busy.clone(), rule.id.clone());
            tokio::spawn(async move {
                let _ = spawn(ctx, rule, now, RULE_TIMEOUT).await;
                busy.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
            });
        }
    }
}
