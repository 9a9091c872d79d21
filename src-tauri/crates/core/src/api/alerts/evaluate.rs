//! One evaluation of a rule (run its query over its window, decide the state, notify on a
//! transition, record the status point, store the state), and a batch of due rules evaluated
//! concurrently, each within a time budget, so one slow or hung server delays no other rule.
//! Not here: the schedule and who evaluates (that is `scheduler`).

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use ts_rs::TS;

use super::condition::{Condition, Machine};
use super::{
    ALERTS_FILE, AlertRule, AlertStatus, AlertsFile, MIN_EVERY_SECS, STATUS_MEASUREMENT,
    SeriesState, ThresholdKind, duration, now_str, send,
};
use crate::api::{Ctx, query, write};
use crate::chart::Series;
use crate::error::{Error, Result};
use crate::influx::lineproto::{FieldValue, Point};
use crate::model::{Actor, Precision, QueryResult, RunQueryReq, TimeRange, WriteReq};

/// What one evaluation decided, for the rule (the worst of its series) and for each series.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Evaluation {
    pub alert: String,
    /// The series this is about ("" for the rule as a whole).
    pub series: String,
    pub status: AlertStatus,
    pub previous: AlertStatus,
    pub value: Option<f64>,
    pub transition: bool,
    /// A transition whose notification a silence held back.
    pub muted: bool,
    pub message: String,
    /// Per series (on the rule's evaluation only).
    pub each: Vec<Evaluation>,
}

/// The series the query gave, by key, points sorted by time.
pub(crate) fn series_of(r: &QueryResult) -> Vec<Series> {
    crate::chart::series_from_frames(&r.frames)
}

/// Most series states a rule keeps (a query whose tags churn cannot grow the file forever).
const MAX_SERIES: usize = 1_000;

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
    let hold = duration(&rule.for_duration, "for")?;
    let cond = Condition::new(&rule.threshold, rule.notification.severity)?;
    // The window covers the rule's period (deadman: the `for` span when longer).
    let window = window_of(rule)?;
    let req = RunQueryReq {
        profile: Some(rule.profile_id.clone()),
        language: rule.language,
        database: rule.database.clone(),
        query: rule.query.clone(),
        row_limit: Some(100_000),
        time_range: Some(TimeRange::Relative {
            duration: format!("{}s", cond.lookback(window).num_seconds()),
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
    let at = now.timestamp_nanos_opt().unwrap_or(i64::MAX);
    let (each, states) = match &result {
        // Nothing is known: every series stays as it was; the rule says why.
        Err(e) => (
            vec![Evaluation {
                alert: rule.name.clone(),
                series: String::new(),
                status: AlertStatus::Unknown,
                previous: rule.status,
                value: None,
                transition: false,
                muted: false,
                message: format!("{}: the query failed: {}", rule.name, e.message()),
                each: Vec::new(),
            }],
            rule.series.clone(),
        ),
        Ok(r) => step_series(rule, &cond, series_of(r), at, now, window, hold),
    };
    // The rule: its worst series (or unknown when the query failed).
    let worst = each.iter().max_by_key(|e| e.status);
    let status = match (&result, worst) {
        (Ok(_), Some(w)) => w.status,
        _ => AlertStatus::Unknown,
    };
    let previous = rule.status;
    let transition =
        status != previous && !(previous == AlertStatus::Unknown && status == AlertStatus::Ok);
    let eval = Evaluation {
        alert: rule.name.clone(),
        series: String::new(),
        status,
        previous,
        value: worst.and_then(|w| w.value),
        transition,
        muted: false,
        message: worst.map(|w| w.message.clone()).unwrap_or_default(),
        each: if result.is_ok() { each } else { Vec::new() },
    };
    for e in eval.each.iter().filter(|e| e.transition && !e.muted) {
        send::notify(ctx, rule, e, now).await;
    }
    // A server that did not answer the query will not take the status points either.
    if result.is_ok() {
        write_status(ctx, rule, &eval, now, budget).await;
    }
    let id = rule.id.clone();
    let pending_since = states.iter().filter_map(|s| s.pending_since.clone()).min();
    ctx.store.update(ALERTS_FILE, |f: &mut AlertsFile| {
        if let Some(slot) = f.rules.iter_mut().find(|r| r.id == id) {
            // Only the state: the rule itself may have been edited meanwhile.
            if status != slot.status {
                slot.since = Some(now_str(now));
            }
            slot.status = status;
            slot.last_eval = Some(now_str(now));
            slot.last_value = eval.value.or(slot.last_value);
            slot.pending_since = pending_since.clone();
            slot.series = states.clone();
        }
        Ok(())
    })?;
    Ok(eval)
}

/// One step of every series of a rule at `at`: the per-series evaluations and the states to
/// keep. Series known from before that gave nothing now are stepped too (a deadman fires for
/// them); a query with no series at all is one series keyed "".
pub(crate) fn step_series(
    rule: &AlertRule,
    cond: &Condition,
    mut seen: Vec<Series>,
    at: i64,
    now: DateTime<Utc>,
    window: chrono::Duration,
    hold: chrono::Duration,
) -> (Vec<Evaluation>, Vec<SeriesState>) {
    for old in &rule.series {
        if !old.key.is_empty() && !seen.iter().any(|s| s.key == old.key) {
            seen.push(Series {
                key: old.key.clone(),
                name: old.key.clone(),
                points: Vec::new(),
            });
        }
    }
    if seen.is_empty() {
        seen.push(Series {
            key: String::new(),
            name: String::new(),
            points: Vec::new(),
        });
    }
    let mut each = Vec::new();
    let mut states = Vec::new();
    for s in seen.iter().take(MAX_SERIES) {
        let old = rule
            .series
            .iter()
            .find(|o| o.key == s.key)
            .cloned()
            .unwrap_or_else(|| SeriesState {
                key: s.key.clone(),
                // A rule from before per-series states: its one series goes on from its state.
                status: if rule.series.is_empty() {
                    rule.status
                } else {
                    AlertStatus::Unknown
                },
                ..SeriesState::default()
            });
        let pending = old.pending.zip(
            old.pending_since
                .as_deref()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .and_then(|t| t.timestamp_nanos_opt()),
        );
        let mut m = Machine::new(old.status, pending);
        let status = m.step(cond.level(&s.points), at, hold);
        let value = s.points.last().map(|&(_, v)| v);
        let transition = status != old.status
            && !(old.status == AlertStatus::Unknown && status == AlertStatus::Ok);
        each.push(Evaluation {
            alert: rule.name.clone(),
            series: s.key.clone(),
            status,
            previous: old.status,
            value,
            transition,
            muted: transition && silenced(rule, &s.key, now),
            message: series_message(rule, cond, &s.key, status, value, window),
            each: Vec::new(),
        });
        states.push(SeriesState {
            key: s.key.clone(),
            status,
            since: if status != old.status {
                Some(now_str(now))
            } else {
                old.since.clone()
            },
            last_value: value.or(old.last_value),
            pending: m.pending.map(|(l, _)| l),
            pending_since: m
                .pending
                .map(|(_, t)| now_str(DateTime::from_timestamp_nanos(t))),
        });
    }
    (each, states)
}

/// The span each evaluation looks at: the rule's period, the `for` span when longer, at
/// least a minute.
pub(crate) fn window_of(rule: &AlertRule) -> Result<chrono::Duration> {
    let hold = duration(&rule.for_duration, "for")?;
    Ok(every_of(rule).max(hold).max(chrono::Duration::minutes(1)))
}

/// Is a transition of `series` muted at `now`?
pub(crate) fn silenced(rule: &AlertRule, series: &str, now: DateTime<Utc>) -> bool {
    rule.silences.iter().any(|s| {
        s.series.as_deref().is_none_or(|k| k == series)
            && DateTime::parse_from_rfc3339(&s.until).is_ok_and(|u| u.with_timezone(&Utc) > now)
    })
}

pub(crate) fn series_message(
    rule: &AlertRule,
    cond: &Condition,
    series: &str,
    status: AlertStatus,
    value: Option<f64>,
    window: chrono::Duration,
) -> String {
    // The series by its key (`cpu.last host=web-01`), as history, silences and the `series`
    // field of every notification name it.
    let who = if series.is_empty() {
        rule.name.clone()
    } else {
        format!("{} on {series}", rule.name)
    };
    let text = if rule.threshold.kind == ThresholdKind::Deadman && status != AlertStatus::Ok {
        format!(
            "{who}: no data for {}. {}",
            crate::influx::buckets::human(u64::try_from(window.num_seconds()).ok()),
            rule.notification.message
        )
    } else {
        format!(
            "{who}: {} (value {}, threshold {}). {}",
            status.as_str().to_uppercase(),
            value.map_or("none".into(), |v| v.to_string()),
            cond.describe(),
            rule.notification.message
        )
    };
    text.trim().to_string()
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

/// One status point per series (tag `series`, absent for a rule with one unnamed series) in
/// [`STATUS_MEASUREMENT`]: the rule's history, queryable like any data.
async fn write_status(
    ctx: &Ctx,
    rule: &AlertRule,
    eval: &Evaluation,
    now: DateTime<Utc>,
    budget: StdDuration,
) {
    let lines: Vec<String> = eval
        .each
        .iter()
        .map(|e| {
            let mut fields = vec![
                ("transition".to_string(), FieldValue::Boolean(e.transition)),
                ("muted".to_string(), FieldValue::Boolean(e.muted)),
                ("message".to_string(), FieldValue::String(e.message.clone())),
                ("level".to_string(), FieldValue::Integer(e.status as i64)),
            ];
            if let Some(v) = e.value {
                fields.push(("value".into(), FieldValue::Float(v)));
            }
            let mut tags: std::collections::BTreeMap<String, String> = [
                ("alert".to_string(), rule.name.clone()),
                ("status".to_string(), e.status.as_str().to_string()),
            ]
            .into();
            if !e.series.is_empty() {
                tags.insert("series".into(), e.series.clone());
            }
            Point {
                measurement: STATUS_MEASUREMENT.into(),
                tags,
                fields,
                timestamp: now.timestamp_nanos_opt(),
            }
            .to_line()
        })
        .collect();
    let req = WriteReq {
        profile: Some(rule.profile_id.clone()),
        bucket: rule.database.clone(),
        precision: Precision::Ns,
        lines: lines.join("\n"),
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
