//! One evaluation of a rule (run its query over its window, decide the state, notify on a
//! transition, record the status point, store the state), and a batch of due rules evaluated
//! concurrently, each within a time budget, so one slow or hung server delays no other rule.
//! Not here: the schedule and who evaluates (that is `scheduler`).

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use ts_rs::TS;

use super::{
    ALERTS_FILE, AlertRule, AlertStatus, AlertsFile, MIN_EVERY_SECS, STATUS_MEASUREMENT, Severity,
    ThresholdKind, channels, duration, now_str,
};
use crate::api::{Ctx, query, write};
use crate::error::{Error, Result};
use crate::influx::lineproto::{FieldValue, Point};
use crate::model::{Actor, Precision, QueryResult, RunQueryReq, TimeRange, WriteReq};

/// What one evaluation decided.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Evaluation {
    pub alert: String,
    pub status: AlertStatus,
    pub previous: AlertStatus,
    pub value: Option<f64>,
    pub transition: bool,
    pub message: String,
}

/// The last numeric value of the result (the newest point over all series), if any.
fn last_value(r: &QueryResult) -> Option<(i64, f64)> {
    let mut best: Option<(i64, f64)> = None;
    for s in crate::chart::series_from_frames(&r.frames) {
        if let Some(&(t, v)) = s.points.iter().max_by_key(|(t, _)| *t)
            && best.is_none_or(|(bt, _)| t > bt)
        {
            best = Some((t, v));
        }
    }
    best
}

/// How often a stored rule runs: its `every`, never under the minimum (older files may hold
/// shorter ones), one minute when unreadable.
pub(crate) fn every_of(rule: &AlertRule) -> chrono::Duration {
    duration(&rule.every, "every")
        .unwrap_or(chrono::Duration::minutes(1))
        .max(chrono::Duration::seconds(MIN_EVERY_SECS))
}

pub(crate) fn due(rule: &AlertRule, now: DateTime<Utc>) -> bool {
    let Some(last) = rule
        .last_eval
        .as_deref()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
    else {
        return true;
    };
    now.signed_duration_since(last.with_timezone(&Utc)) >= every_of(rule)
}

/// THE place where the scheduler runs a rule's query: everything an alert runs unattended
/// passes here, so the per-evaluation read-only check belongs here too.
async fn run_rule_query(ctx: &Ctx, rule: &AlertRule, req: RunQueryReq) -> Result<QueryResult> {
    // Read-only at every evaluation: `query::run` classifies the text it sends for the
    // Scheduler actor and refuses anything that is not a read (a rules file edited by hand,
    // or one written before the classifier, cannot make the scheduler write).
    let _ = rule;
    query::run(ctx, &Actor::Scheduler, req).await
}

/// Evaluate one rule now: run its query over its window, decide the state, notify on a
/// transition, write the status point, and store the new state. The query may take up to
/// [`super::RULE_TIMEOUT`].
pub async fn evaluate(ctx: &Ctx, rule: &AlertRule, now: DateTime<Utc>) -> Result<Evaluation> {
    evaluate_within(ctx, rule, now, super::RULE_TIMEOUT).await
}

/// [`evaluate`] with the query's time budget given.
pub(crate) async fn evaluate_within(
    ctx: &Ctx,
    rule: &AlertRule,
    now: DateTime<Utc>,
    budget: StdDuration,
) -> Result<Evaluation> {
    let every = every_of(rule);
    let hold = duration(&rule.for_duration, "for")?;
    // The window covers the rule's period (deadman: the `for` span when longer).
    let window = every.max(hold).max(chrono::Duration::minutes(1));
    let req = RunQueryReq {
        profile: Some(rule.profile_id.clone()),
        language: rule.language,
        database: rule.database.clone(),
        query: rule.query.clone(),
        row_limit: Some(100_000),
        time_range: Some(TimeRange::Relative {
            duration: format!("{}s", window.num_seconds()),
        }),
        query_id: None,
    };
    let result = match tokio::time::timeout(budget, run_rule_query(ctx, rule, req)).await {
        Ok(r) => r,
        Err(_) => Err(Error::Timeout(format!(
            "the server did not answer within {} s",
            budget.as_secs_f64()
        ))),
    };
    let (condition, value) = match (&result, rule.threshold.kind) {
        (Err(_), _) => (None, None),
        (Ok(r), ThresholdKind::Deadman) => {
            let v = last_value(r);
            (Some(v.is_none()), v.map(|(_, v)| v))
        }
        (Ok(r), ThresholdKind::Threshold) => match last_value(r) {
            None => (None, None),
            Some((_, v)) => (
                Some(rule.threshold.operator.holds(v, rule.threshold.value)),
                Some(v),
            ),
        },
    };
    let firing = match rule.notification.severity {
        Severity::Info => AlertStatus::Info,
        Severity::Warning => AlertStatus::Warn,
        Severity::Critical => AlertStatus::Crit,
    };
    let mut next = rule.clone();
    next.last_eval = Some(now_str(now));
    next.last_value = value;
    let status = match condition {
        None => AlertStatus::Unknown,
        Some(false) => {
            next.pending_since = None;
            AlertStatus::Ok
        }
        Some(true) => {
            let started = next
                .pending_since
                .as_deref()
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or(now);
            next.pending_since = Some(now_str(started));
            if now.signed_duration_since(started) >= hold {
                firing
            } else {
                rule.status.max_ok()
            }
        }
    };
    let previous = rule.status;
    let transition =
        status != previous && !(previous == AlertStatus::Unknown && status == AlertStatus::Ok);
    if status != previous {
        next.since = Some(now_str(now));
    }
    next.status = status;
    let message = match (&result, rule.threshold.kind) {
        (Err(e), _) => format!("{}: the query failed: {}", rule.name, e.message()),
        (Ok(_), ThresholdKind::Deadman) if status != AlertStatus::Ok => {
            format!(
                "{}: no data for {}. {}",
                rule.name,
                crate::influx::buckets::human(u64::try_from(window.num_seconds()).ok()),
                rule.notification.message
            )
        }
        _ => format!(
            "{}: {} (value {}, threshold {} {}). {}",
            rule.name,
            status.as_str().to_uppercase(),
            value.map_or("none".into(), |v| v.to_string()),
            rule.threshold.operator.symbol(),
            rule.threshold.value,
            rule.notification.message
        ),
    };
    let eval = Evaluation {
        alert: rule.name.clone(),
        status,
        previous,
        value,
        transition,
        message: message.trim().to_string(),
    };
    if transition {
        channels::notify(ctx, rule, &eval, now).await;
    }
    // A server that did not answer the query will not take the status point either.
    if result.is_ok() {
        write_status(ctx, rule, &eval, now, budget).await;
    }
    let id = rule.id.clone();
    ctx.store.update(ALERTS_FILE, |f: &mut AlertsFile| {
        if let Some(slot) = f.rules.iter_mut().find(|r| r.id == id) {
            // Only the state: the rule itself may have been edited meanwhile.
            slot.status = next.status;
            slot.since = next.since.clone();
            slot.last_eval = next.last_eval.clone();
            slot.last_value = next.last_value;
            slot.pending_since = next.pending_since.clone();
        }
        Ok(())
    })?;
    Ok(eval)
}

impl AlertStatus {
    /// While a condition is pending (not yet held for `for`), the state stays as it was,
    /// except that "unknown" becomes "ok".
    fn max_ok(self) -> AlertStatus {
        if self == AlertStatus::Unknown {
            AlertStatus::Ok
        } else {
            self
        }
    }
}

/// Evaluate every enabled rule that is due at `now`, concurrently, each query within
/// [`super::RULE_TIMEOUT`]. (This does not take the evaluator lease; see [`super::tick`].)
pub async fn evaluate_due(ctx: &Arc<Ctx>, now: DateTime<Utc>) -> Result<Vec<Evaluation>> {
    evaluate_due_within(ctx, now, super::RULE_TIMEOUT).await
}

/// [`evaluate_due`] with each rule's query budget given. The evaluations come back in the
/// rules' order; a rule that could not be evaluated is logged and left out.
pub async fn evaluate_due_within(
    ctx: &Arc<Ctx>,
    now: DateTime<Utc>,
    budget: StdDuration,
) -> Result<Vec<Evaluation>> {
    let rules: Vec<AlertRule> = super::rules_to_run(ctx)
        .await?
        .into_iter()
        .filter(|r| r.enabled && due(r, now))
        .collect();
    let tasks: Vec<_> = rules
        .into_iter()
        .map(|rule| spawn(ctx.clone(), rule, now, budget))
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        if let Ok(Some(e)) = t.await {
            out.push(e);
        }
    }
    Ok(out)
}

/// Evaluate one rule on its own task; failures are logged (with nothing secret in them).
pub(crate) fn spawn(
    ctx: Arc<Ctx>,
    rule: AlertRule,
    now: DateTime<Utc>,
    budget: StdDuration,
) -> tokio::task::JoinHandle<Option<Evaluation>> {
    tokio::spawn(async move {
        match evaluate_within(&ctx, &rule, now, budget).await {
            Ok(e) => Some(e),
            Err(e) => {
                tracing::warn!("alert {} could not be evaluated: {e}", rule.name);
                None
            }
        }
    })
}

async fn write_status(
    ctx: &Ctx,
    rule: &AlertRule,
    e: &Evaluation,
    now: DateTime<Utc>,
    budget: StdDuration,
) {
    let mut fields = vec![
        ("transition".to_string(), FieldValue::Boolean(e.transition)),
        ("message".to_string(), FieldValue::String(e.message.clone())),
        ("level".to_string(), FieldValue::Integer(e.status as i64)),
    ];
    if let Some(v) = e.value {
        fields.push(("value".into(), FieldValue::Float(v)));
    }
    let p = Point {
        measurement: STATUS_MEASUREMENT.into(),
        tags: [
            ("alert".to_string(), rule.name.clone()),
            ("status".to_string(), e.status.as_str().to_string()),
        ]
        .into(),
        fields,
        timestamp: now.timestamp_nanos_opt(),
    };
    let req = WriteReq {
        profile: Some(rule.profile_id.clone()),
        bucket: rule.database.clone(),
        precision: Precision::Ns,
        lines: p.to_line(),
    };
    match tokio::time::timeout(budget, write::write(ctx, &Actor::Scheduler, req)).await {
        Ok(Ok(_)) => {}
        Ok(Err(err)) => tracing::warn!(
            "alert {}: writing its status point failed: {err}",
            rule.name
        ),
        Err(_) => tracing::warn!(
            "alert {}: writing its status point took longer than {} s",
            rule.name,
            budget.as_secs_f64()
        ),
    }
}
