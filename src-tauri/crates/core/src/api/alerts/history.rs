//! A rule's history and its silences. History is what the evaluator wrote to the
//! `influxdesk_alerts` measurement (one point per series per evaluation): here, its changes of
//! state, filtered by rule, series and level. Silences mute a rule's notifications (or one
//! series') until a time, with a reason; evaluation and history go on.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{ALERTS_FILE, AlertStatus, AlertsFile, STATUS_MEASUREMENT, Silence, duration, now_str};
use crate::api::{Ctx, profiles, query};
use crate::error::{Error, Result};
use crate::influx::builder::influxql_str as quote_string;
use crate::model::{Actor, Cell, QueryLanguage, RunQueryReq, TimeRange};

/// Which changes of state to show.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct AlertHistoryReq {
    /// The alert's name or id.
    pub alert: String,
    /// Only this series (its key, as the rule's series show it).
    pub series: Option<String>,
    /// Only changes into this state (ok, info, warn, crit).
    pub level: Option<AlertStatus>,
    /// How far back (default "7d").
    pub range: Option<String>,
}

/// One change of state, as the evaluator recorded it.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, TS)]
#[ts(export)]
pub struct AlertChange {
    /// RFC 3339.
    pub time: String,
    pub series: String,
    pub status: AlertStatus,
    pub value: Option<f64>,
    /// A silence held its notification back.
    pub muted: bool,
    pub message: String,
}

fn status_of(word: &str) -> AlertStatus {
    match word {
        "ok" => AlertStatus::Ok,
        "info" => AlertStatus::Info,
        "warn" => AlertStatus::Warn,
        "crit" => AlertStatus::Crit,
        _ => AlertStatus::Unknown,
    }
}

/// The rule's changes of state, newest first (at most 1,000).
pub async fn history(ctx: &Ctx, req: AlertHistoryReq) -> Result<Vec<AlertChange>> {
    let rules = super::list(ctx).await?;
    let rule = super::find(&rules, &req.alert)?;
    let range = req.range.clone().unwrap_or_else(|| "7d".into());
    duration(&range, "range")?;
    let p = profiles::resolve(ctx, Some(&rule.profile_id)).await?;
    let mut q = format!(
        "SELECT * FROM {STATUS_MEASUREMENT} WHERE alert = {} AND transition = true",
        quote_string(&rule.name)
    );
    if let Some(s) = req.series.as_deref().filter(|s| !s.is_empty()) {
        q += &format!(" AND series = {}", quote_string(s));
    }
    if let Some(l) = req.level {
        q += &format!(" AND status = {}", quote_string(l.as_str()));
    }
    q += " ORDER BY time DESC LIMIT 1000";
    let r = query::run(
        ctx,
        &Actor::Scheduler,
        RunQueryReq {
            profile: Some(p.id.clone()),
            language: Some(QueryLanguage::Influxql),
            database: rule.database.clone(),
            query: q,
            row_limit: Some(1000),
            time_range: Some(TimeRange::Relative { duration: range }),
            query_id: None,
        },
    )
    .await?;
    let mut out = Vec::new();
    for f in &r.frames {
        let col = |name: &str| f.column(name).map(|c| &c.values);
        let (Some(time), Some(status)) = (col("time"), col("status")) else {
            continue;
        };
        for i in 0..f.rows() {
            let text = |name: &str| {
                col(name)
                    .and_then(|v| v.get(i))
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            let t = match time.value(i) {
                serde_json::Value::Number(n) => n
                    .as_i64()
                    .map(|ns| now_str(DateTime::from_timestamp_nanos(ns)))
                    .unwrap_or_default(),
                v => v.as_str().unwrap_or_default().to_string(),
            };
            out.push(AlertChange {
                time: t,
                series: text("series"),
                status: status_of(status.get(i).and_then(Cell::as_str).unwrap_or_default()),
                value: col("value").and_then(|v| v.get(i)).and_then(|v| v.as_f64()),
                muted: col("muted")
                    .and_then(|v| v.get(i))
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false),
                message: text("message"),
            });
        }
    }
    out.sort_by(|a, b| b.time.cmp(&a.time));
    Ok(out)
}

/// Mute a rule, or one series of it, for a while.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct SilenceReq {
    /// The alert's name or id.
    pub alert: String,
    /// Only this series (its key, as the rule's series show it); the whole rule when absent.
    pub series: Option<String>,
    /// How long, e.g. "2h" (or `until`).
    #[serde(rename = "for")]
    #[ts(rename = "for")]
    pub for_duration: Option<String>,
    /// Until when, RFC 3339.
    pub until: Option<String>,
    /// Why (shown with the silence).
    pub reason: String,
}

/// Add a silence (expired ones are dropped at the same time). Returns the rule's silences.
pub async fn silence(
    ctx: &Ctx,
    actor: &Actor,
    req: SilenceReq,
    now: DateTime<Utc>,
) -> Result<Vec<Silence>> {
    let rules = super::list(ctx).await?;
    let rule = super::find(&rules, &req.alert)?.clone();
    let until = match (req.for_duration.as_deref(), req.until.as_deref()) {
        (Some(d), None) => now
            .checked_add_signed(duration(d, "for")?)
            .ok_or_else(|| Error::invalid("that silence ends too far in the future"))?,
        (None, Some(u)) => DateTime::parse_from_rfc3339(u.trim())
            .map_err(|_| {
                Error::invalid(format!(
                    "until \"{u}\" is not a time: use RFC 3339, e.g. 2026-12-01T08:00:00Z"
                ))
            })?
            .with_timezone(&Utc),
        _ => {
            return Err(Error::invalid(
                "say how long to mute: `for` (e.g. \"2h\") or `until` (a time)",
            ));
        }
    };
    if until <= now {
        return Err(Error::invalid(
            "that time has passed: give one in the future",
        ));
    }
    let series = req
        .series
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    if let Some(s) = &series
        && !rule.series.iter().any(|r| &r.key == s)
    {
        let known: Vec<&str> = rule.series.iter().map(|r| r.key.as_str()).collect();
        return Err(Error::NotFound(format!(
            "alert \"{}\" has no series \"{s}\"; its series are: {}",
            rule.name,
            if known.is_empty() {
                "none yet (it has not been evaluated)".into()
            } else {
                known.join(", ")
            }
        )));
    }
    let p = profiles::resolve(ctx, Some(&rule.profile_id)).await?;
    let what = format!(
        "mute alert \"{}\"{} until {}",
        rule.name,
        series
            .as_deref()
            .map(|s| format!(" for {s}"))
            .unwrap_or_default(),
        now_str(until)
    );
    crate::api::policy::check_write(ctx, actor, &p, &what).await?;
    let new = Silence {
        series,
        until: now_str(until),
        reason: req.reason.trim().to_string(),
    };
    let id = rule.id.clone();
    let out = ctx.store.update(ALERTS_FILE, |f: &mut AlertsFile| {
        let slot = f
            .rules
            .iter_mut()
            .find(|r| r.id == id)
            .ok_or_else(|| Error::NotFound("the alert was deleted meanwhile".into()))?;
        slot.silences.retain(|s| {
            DateTime::parse_from_rfc3339(&s.until).is_ok_and(|u| u.with_timezone(&Utc) > now)
        });
        slot.silences.push(new.clone());
        Ok(slot.silences.clone())
    })?;
    ctx.emit(actor, "alert.silence", what);
    Ok(out)
}

/// End a rule's silences: with `series`, only the silence of that series (its key as the
/// rule's series show it; "" for the silence of the whole rule), and the others stay; without,
/// every silence. A series that is not muted is refused with the silences there are.
pub async fn unsilence(
    ctx: &Ctx,
    actor: &Actor,
    alert: &str,
    series: Option<&str>,
) -> Result<Vec<Silence>> {
    let rules = super::list(ctx).await?;
    let rule = super::find(&rules, alert)?.clone();
    let series = series.map(str::trim);
    // The silence a series names: "" is the whole rule's (no series).
    let names = |s: &Silence, k: &str| s.series.as_deref().unwrap_or("") == k;
    if let Some(k) = series
        && !rule.silences.iter().any(|s| names(s, k))
    {
        let muted: Vec<String> = rule
            .silences
            .iter()
            .map(|s| s.series.clone().unwrap_or_else(|| "the whole rule".into()))
            .collect();
        return Err(Error::NotFound(format!(
            "alert \"{}\" has no silence on {}: {}",
            rule.name,
            if k.is_empty() {
                "the whole rule".to_string()
            } else {
                format!("series \"{k}\"")
            },
            if muted.is_empty() {
                "it is not muted".to_string()
            } else {
                format!("its silences are on {}", muted.join(", "))
            }
        )));
    }
    let p = profiles::resolve(ctx, Some(&rule.profile_id)).await?;
    let what = match series {
        None => format!("unmute alert \"{}\"", rule.name),
        Some("") => format!("unmute alert \"{}\" (the whole rule)", rule.name),
        Some(k) => format!("unmute series {k} of alert \"{}\"", rule.name),
    };
    crate::api::policy::check_write(ctx, actor, &p, &what).await?;
    let id = rule.id.clone();
    let out = ctx.store.update(ALERTS_FILE, |f: &mut AlertsFile| {
        let slot = f
            .rules
            .iter_mut()
            .find(|r| r.id == id)
            .ok_or_else(|| Error::NotFound("the alert was deleted meanwhile".into()))?;
        slot.silences
            .retain(|s| series.is_some_and(|k| !names(s, k)));
        Ok(slot.silences.clone())
    })?;
    ctx.emit(actor, "alert.unsilence", what);
    Ok(out)
}
