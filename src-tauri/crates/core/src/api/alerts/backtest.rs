//! Backtest: what a rule would have done over the last hours or days of real data, before it
//! is saved. The rule's query runs as the evaluator would have run it at each past instant
//! (its window ending there), and the evaluator's own per-series state machine steps through
//! the answers in time order, so the counts are what the live rule would have notified.

use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::condition::Condition;
use super::evaluate::{series_of, step_series, window_of};
use super::{AlertRule, AlertStatus, Notification, Threshold, duration, every, now_str};
use crate::api::{Ctx, profiles, query};
use crate::chart::Series;
use crate::error::{Error, Result};
use crate::model::{Actor, QueryLanguage, RunQueryReq, TimeRange};

/// Most instants one backtest evaluates; a longer span is stepped more coarsely (and says so).
pub const MAX_STEPS: usize = 720;
/// Queries of one backtest in flight at once.
const PARALLEL: usize = 4;

/// Run a rule (a saved one by name, or one being written) over past data.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct BacktestReq {
    /// Profile id or name; the active profile when absent (a saved rule uses its own).
    pub profile: Option<String>,
    /// A saved alert's name or id: backtest it as it is.
    pub alert: Option<String>,
    /// Otherwise the rule being written: its query, language, database, condition, etc.
    pub query: Option<String>,
    pub language: Option<QueryLanguage>,
    pub database: Option<String>,
    pub threshold: Option<Threshold>,
    pub notification: Option<Notification>,
    pub every: Option<String>,
    #[serde(rename = "for")]
    #[ts(rename = "for")]
    pub for_duration: Option<String>,
    /// How far back, e.g. "6h", "7d" (default "24h").
    pub range: Option<String>,
}

/// One change of state a backtest found.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, TS)]
#[ts(export)]
pub struct BacktestChange {
    /// RFC 3339.
    pub time: String,
    pub series: String,
    pub from: AlertStatus,
    pub to: AlertStatus,
    pub value: Option<f64>,
}

/// A span during which a series was firing.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, TS)]
#[ts(export)]
pub struct FiringWindow {
    pub series: String,
    pub status: AlertStatus,
    /// RFC 3339.
    pub from: String,
    /// RFC 3339; absent while still firing at the end of the range.
    pub to: Option<String>,
}

/// What the rule would have done.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, TS)]
#[ts(export)]
pub struct Backtest {
    pub alert: String,
    /// RFC 3339 of the first and last instant evaluated.
    pub from: String,
    pub to: String,
    /// Instants evaluated and the step between them (the rule's `every`, or coarser for a
    /// long range: at most 720 instants).
    pub steps: usize,
    pub step: String,
    /// Times it would have notified (transitions into a firing state), and per level.
    pub fired: usize,
    pub info: usize,
    pub warn: usize,
    pub crit: usize,
    /// Every change of state, oldest first.
    pub changes: Vec<BacktestChange>,
    pub windows: Vec<FiringWindow>,
    /// The series seen.
    pub series: Vec<String>,
    /// e.g. "would have fired 3 times (warn 2, crit 1) over 24h".
    pub summary: String,
}

/// The rule a request describes (a saved one, or the one being written), checked as create
/// checks it.
async fn rule_of(ctx: &Ctx, req: &BacktestReq) -> Result<AlertRule> {
    if let Some(name) = req.alert.as_deref().filter(|s| !s.trim().is_empty()) {
        let rules = super::list(ctx).await?;
        let mut r = super::find(&rules, name)?.clone();
        // A fresh start: the backtest must not begin from today's state.
        r.status = AlertStatus::Unknown;
        r.series.clear();
        r.silences.clear();
        return Ok(r);
    }
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    let query = req
        .query
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .ok_or_else(|| Error::invalid("give the saved alert's name, or the rule's query"))?;
    let threshold = req.threshold.clone().ok_or_else(|| {
        Error::invalid("give the rule's condition (threshold), e.g. greater than 90")
    })?;
    let every_text = req.every.clone().unwrap_or_else(|| "1m".into());
    every(&every_text)?;
    let for_duration = req.for_duration.clone().unwrap_or_else(|| "0s".into());
    duration(&for_duration, "for")?;
    Ok(AlertRule {
        name: "backtest".into(),
        profile_id: p.id.clone(),
        query: query.to_string(),
        language: req.language,
        database: req.database.clone().or(p.database.clone()),
        threshold,
        notification: req.notification.clone().unwrap_or_default(),
        every: every_text,
        for_duration,
        ..AlertRule::default()
    })
}

/// Backtest a rule over `range` before `now`. Only reads: the query must be a read, as for a
/// rule (checked on the text the evaluator would send).
pub async fn backtest(ctx: &Ctx, req: BacktestReq, now: DateTime<Utc>) -> Result<Backtest> {
    Ok(replay(ctx, req, now).await?.0)
}

/// [`backtest`], with what it checked: each series' value at each instant evaluated (for the
/// chart), and the rule replayed.
pub(super) async fn replay(
    ctx: &Ctx,
    req: BacktestReq,
    now: DateTime<Utc>,
) -> Result<(Backtest, Vec<Series>, AlertRule)> {
    let mut rule = rule_of(ctx, &req).await?;
    let cond = Condition::new(&rule.threshold, rule.notification.severity)?;
    let p = profiles::resolve(ctx, Some(&rule.profile_id)).await?;
    let language = ctx.language_of(&p, rule.language).await?;
    crate::influx::classify::ensure_read(language, &rule.query, "an alert's query")
        .map_err(|e| Error::invalid(e.message()))?;
    let range_text = req.range.clone().unwrap_or_else(|| "24h".into());
    let range = duration(&range_text, "range")?;
    let every = super::evaluate::every_of(&rule);
    if range < every {
        return Err(Error::invalid(format!(
            "the range {range_text} is shorter than the rule's every ({}): give a longer range",
            rule.every
        )));
    }
    let hold = duration(&rule.for_duration, "for")?;
    let window = window_of(&rule)?;
    let lookback = cond.lookback(window);
    let wanted = usize::try_from(range.num_seconds() / every.num_seconds().max(1))
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    let steps = wanted.clamp(1, MAX_STEPS);
    let step = if wanted > MAX_STEPS {
        chrono::Duration::seconds(range.num_seconds() / (MAX_STEPS as i64 - 1).max(1))
    } else {
        every
    };
    let instants: Vec<DateTime<Utc>> = (0..steps)
        .rev()
        .filter_map(|k| now.checked_sub_signed(step * i32::try_from(k).unwrap_or(i32::MAX)))
        .collect();
    // The answers, in time order (fetched a few at a time).
    let answers: Vec<_> = futures::stream::iter(instants.iter().copied())
        .map(|at| {
            let req = RunQueryReq {
                profile: Some(rule.profile_id.clone()),
                language: rule.language,
                database: rule.database.clone(),
                query: rule.query.clone(),
                row_limit: Some(100_000),
                time_range: Some(TimeRange::Absolute {
                    from: now_str(at - lookback),
                    to: now_str(at),
                }),
                query_id: None,
            };
            async move {
                query::run(ctx, &Actor::Scheduler, req)
                    .await
                    .map(|r| (at, r))
            }
        })
        .buffered(PARALLEL)
        .try_collect()
        .await?;

    let mut changes = Vec::new();
    let mut windows: Vec<FiringWindow> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let mut checked: Vec<Series> = Vec::new();
    for (at, answer) in &answers {
        let ns = at.timestamp_nanos_opt().unwrap_or(i64::MAX);
        let (each, states) = step_series(&rule, &cond, series_of(answer), ns, *at, window, hold);
        for e in &each {
            if !seen.contains(&e.series) {
                seen.push(e.series.clone());
            }
            if let Some(v) = e.value {
                match checked.iter_mut().find(|s| s.key == e.series) {
                    Some(s) => s.points.push((ns, v)),
                    None => checked.push(Series {
                        key: e.series.clone(),
                        name: if e.series.is_empty() {
                            rule.name.clone()
                        } else {
                            e.series.clone()
                        },
                        points: vec![(ns, v)],
                    }),
                }
            }
            if e.status == e.previous {
                continue;
            }
            if e.previous >= AlertStatus::Info
                && let Some(w) = windows
                    .iter_mut()
                    .rev()
                    .find(|w| w.series == e.series && w.to.is_none())
            {
                w.to = Some(now_str(*at));
            }
            if e.status >= AlertStatus::Info {
                windows.push(FiringWindow {
                    series: e.series.clone(),
                    status: e.status,
                    from: now_str(*at),
                    to: None,
                });
            }
            if e.transition {
                changes.push(BacktestChange {
                    time: now_str(*at),
                    series: e.series.clone(),
                    from: e.previous,
                    to: e.status,
                    value: e.value,
                });
            }
        }
        rule.status = each
            .iter()
            .map(|e| e.status)
            .max()
            .unwrap_or(AlertStatus::Unknown);
        rule.series = states;
    }
    let count = |s: AlertStatus| changes.iter().filter(|c| c.to == s).count();
    let (info, warn, crit) = (
        count(AlertStatus::Info),
        count(AlertStatus::Warn),
        count(AlertStatus::Crit),
    );
    let fired = info + warn + crit;
    let mut parts = Vec::new();
    for (n, what) in [(warn, "warn"), (crit, "crit"), (info, "info")] {
        if n > 0 {
            parts.push(format!("{what} {n}"));
        }
    }
    let summary = format!(
        "would have fired {fired} time{}{} over {range_text} ({} instants, every {})",
        if fired == 1 { "" } else { "s" },
        if parts.is_empty() {
            String::new()
        } else {
            format!(" ({})", parts.join(", "))
        },
        answers.len(),
        crate::influx::buckets::human(u64::try_from(step.num_seconds()).ok()),
    );
    let bt = Backtest {
        alert: rule.name.clone(),
        from: instants.first().map(|t| now_str(*t)).unwrap_or_default(),
        to: now_str(now),
        steps: answers.len(),
        step: crate::influx::buckets::human(u64::try_from(step.num_seconds()).ok()),
        fired,
        info,
        warn,
        crit,
        changes,
        windows,
        series: seen,
        summary,
    };
    Ok((bt, checked, rule))
}
