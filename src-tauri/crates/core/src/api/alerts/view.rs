//! What the Alerts screen shows: the rules as rows (with their connection's name and when each
//! is evaluated next, filtered by a search text), and a backtest with its chart (the value the
//! rule checked at each instant, the rule's levels as lines, the firing windows shaded).

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::backtest::replay;
use super::evaluate::every_of;
use super::{
    AlertRule, AlertStatus, Backtest, BacktestReq, Severity, Threshold, ThresholdKind, now_str,
};
use crate::api::{Ctx, profiles};
use crate::chart::{self, ChartSpec, Overlay, OverlayBand, OverlayLine, Rendered, Theme, Tone};
use crate::error::{Error, Result};

/// Which rules to list.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct AlertRowsReq {
    /// Only rules whose name, query, connection, channels or status contain this text
    /// (case-insensitive); all when absent or empty.
    pub filter: Option<String>,
}

/// A rule as the rules list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct AlertRow {
    pub rule: AlertRule,
    /// The connection's name (its id when the profile is gone).
    pub connection: String,
    /// RFC 3339 of the next evaluation: absent while the rule is off; `last_eval + every`,
    /// or now when it never ran.
    pub next_eval: Option<String>,
    /// RFC 3339 until which the whole rule is muted (the latest such silence in force).
    pub muted_until: Option<String>,
}

/// The rules, filtered, with what the list shows beside each.
pub async fn rows(ctx: &Ctx, req: AlertRowsReq, now: DateTime<Utc>) -> Result<Vec<AlertRow>> {
    let rules = super::list(ctx).await?;
    let profiles = profiles::list(ctx).await?.profiles;
    let needle = req
        .filter
        .as_deref()
        .map(|f| f.trim().to_lowercase())
        .unwrap_or_default();
    let mut out = Vec::new();
    for rule in rules {
        let connection = profiles
            .iter()
            .find(|p| p.id == rule.profile_id)
            .map_or_else(|| rule.profile_id.clone(), |p| p.name.clone());
        if !needle.is_empty() {
            let hay = [
                rule.name.as_str(),
                rule.query.as_str(),
                connection.as_str(),
                rule.status.as_str(),
            ]
            .into_iter()
            .chain(rule.notification.channels.iter().map(String::as_str))
            .chain(rule.series.iter().map(|s| s.key.as_str()))
            .any(|s| s.to_lowercase().contains(&needle));
            if !hay {
                continue;
            }
        }
        let next_eval = rule.enabled.then(|| {
            rule.last_eval
                .as_deref()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .and_then(|t| t.with_timezone(&Utc).checked_add_signed(every_of(&rule)))
                .map_or_else(|| now_str(now), now_str)
        });
        let muted_until = rule
            .silences
            .iter()
            .filter(|s| s.series.is_none())
            .filter_map(|s| DateTime::parse_from_rfc3339(&s.until).ok())
            .map(|t| t.with_timezone(&Utc))
            .filter(|t| *t > now)
            .max()
            .map(now_str);
        out.push(AlertRow {
            rule,
            connection,
            next_eval,
            muted_until,
        });
    }
    Ok(out)
}

/// A backtest with its chart.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct BacktestChartReq {
    /// The rule (saved, or being written) and how far back.
    pub backtest: BacktestReq,
    /// Chart size in pixels (default 900 x 300).
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub theme: Theme,
}

/// What a backtest found, and the chart of it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct BacktestView {
    pub backtest: Backtest,
    /// The value each series had at each instant evaluated, the levels as dashed lines, the
    /// firing windows shaded; absent when no instant had a value.
    pub chart: Option<Rendered>,
    /// What the chart shows when it is not plain (relative and deadman rules), or why there
    /// is none.
    pub note: Option<String>,
}

fn tone_of(s: AlertStatus) -> Tone {
    match s {
        AlertStatus::Crit => Tone::Crit,
        AlertStatus::Warn => Tone::Warn,
        AlertStatus::Info => Tone::Info,
        AlertStatus::Ok | AlertStatus::Unknown => Tone::Neutral,
    }
}

fn severity_tone(s: Severity) -> Tone {
    match s {
        Severity::Info => Tone::Info,
        Severity::Warning => Tone::Warn,
        Severity::Critical => Tone::Crit,
    }
}

/// The rule's levels as lines on the value axis (none where the levels are not values: a
/// relative change, a deadman).
fn level_lines(t: &Threshold, severity: Severity) -> Vec<OverlayLine> {
    let line = |value: f64, label: String, tone: Tone| OverlayLine {
        value,
        label: Some(label),
        tone,
    };
    match t.kind {
        ThresholdKind::Threshold if t.warn.is_some() || t.crit.is_some() => t
            .warn
            .map(|w| line(w, format!("warn {w}"), Tone::Warn))
            .into_iter()
            .chain(t.crit.map(|c| line(c, format!("crit {c}"), Tone::Crit)))
            .collect(),
        ThresholdKind::Threshold => vec![line(
            t.value,
            format!("threshold {}", t.value),
            severity_tone(severity),
        )],
        ThresholdKind::Inside | ThresholdKind::Outside => t
            .low
            .map(|l| line(l, format!("low {l}"), severity_tone(severity)))
            .into_iter()
            .chain(
                t.high
                    .map(|h| line(h, format!("high {h}"), severity_tone(severity))),
            )
            .collect(),
        ThresholdKind::Relative | ThresholdKind::Deadman => Vec::new(),
    }
}

/// Backtest a rule (as [`super::backtest`]) and chart what it checked.
pub async fn backtest_chart(
    ctx: &Ctx,
    req: BacktestChartReq,
    now: DateTime<Utc>,
) -> Result<BacktestView> {
    let (bt, series, rule) = replay(ctx, req.backtest, now).await?;
    let mut note = match rule.threshold.kind {
        ThresholdKind::Relative => Some(format!(
            "The levels apply to the change against {} ago; the chart shows the values.",
            rule.threshold.period.as_deref().unwrap_or("the period")
        )),
        ThresholdKind::Deadman => {
            Some("A deadman fires when a series has no value; shaded: no data.".to_string())
        }
        _ => None,
    };
    if series.iter().all(|s| s.points.is_empty()) {
        return Ok(BacktestView {
            backtest: bt,
            chart: None,
            note: Some(
                note.map_or(String::new(), |n| format!("{n} "))
                    + "No instant of the range had a value, so there is nothing to chart.",
            ),
        });
    }
    let overlay = Overlay {
        lines: level_lines(&rule.threshold, rule.notification.severity),
        bands: bt
            .windows
            .iter()
            .take(chart::OVERLAY_MAX_BANDS)
            .map(|w| OverlayBand {
                from: w.from.clone(),
                to: w.to.clone(),
                tone: tone_of(w.status),
            })
            .collect(),
        markers: Vec::new(),
    };
    let spec = ChartSpec {
        width: req.width.unwrap_or(900),
        height: req.height.unwrap_or(300),
        theme: req.theme,
        overlay,
        ..ChartSpec::default()
    };
    let rendered = tokio::task::spawn_blocking(move || chart::render_svg(&series, &spec))
        .await
        .map_err(|e| Error::Internal(format!("the chart could not be drawn: {e}")))??;
    if bt.windows.len() > chart::OVERLAY_MAX_BANDS {
        note = Some(format!(
            "{}Only the first {} firing windows are shaded.",
            note.map_or(String::new(), |n| format!("{n} ")),
            chart::OVERLAY_MAX_BANDS
        ));
    }
    Ok(BacktestView {
        backtest: bt,
        chart: Some(rendered),
        note,
    })
}
