//! Editing a saved rule: its query, condition, schedule, message, channels, or switching it on
//! and off. Checked as a new rule is (the query only reads, the condition is whole, channels
//! reach allowed addresses), asked like any change, and stored at once: a changed query or
//! condition starts the rule's states afresh.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Deserialize;
use ts_rs::TS;

use super::condition::Condition;
use super::{
    ALERTS_FILE, AlertRule, AlertStatus, AlertsFile, Severity, Threshold, addresses, channels,
    duration, every, keychain, now_str, redact_channel,
};
use crate::api::{Ctx, profiles};
use crate::error::{Error, Result};
use crate::model::{Actor, QueryLanguage};

/// Change a saved alert rule; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct UpdateAlertReq {
    /// The alert's name or id.
    pub alert: String,
    pub query: Option<String>,
    pub language: Option<QueryLanguage>,
    pub database: Option<String>,
    pub threshold: Option<Threshold>,
    pub message: Option<String>,
    pub severity: Option<Severity>,
    /// The channels, all of them (as when creating: "webhook:<url>", "slack:<url>",
    /// "desktop"); a channel as `list` shows it (redacted) keeps that channel's stored URL.
    pub channels: Option<Vec<String>>,
    pub every: Option<String>,
    #[serde(rename = "for")]
    #[ts(rename = "for")]
    pub for_duration: Option<String>,
    pub enabled: Option<bool>,
}

pub async fn update(
    ctx: &Ctx,
    actor: &Actor,
    req: UpdateAlertReq,
    now: DateTime<Utc>,
) -> Result<AlertRule> {
    let rules = super::rules_to_run(ctx).await?;
    let old = super::find(&rules, &req.alert)?.clone();
    let p = profiles::resolve(ctx, Some(&old.profile_id)).await?;
    let mut new = old.clone();
    let mut changes: Vec<String> = Vec::new();
    if let Some(q) = req
        .query
        .as_deref()
        .map(str::trim)
        .filter(|q| *q != old.query)
    {
        if q.is_empty() {
            return Err(Error::invalid(
                "the alert needs a query whose last value is checked",
            ));
        }
        new.query = q.to_string();
        changes.push(format!("query: {q}"));
    }
    if req.language.is_some() && req.language != old.language {
        new.language = req.language;
        changes.push(format!(
            "language: {}",
            req.language.map_or("", |l| l.name())
        ));
    }
    let database = req.database.as_deref().map(str::trim);
    if let Some(d) = database.filter(|d| !d.is_empty() && Some(*d) != old.database.as_deref()) {
        new.database = Some(d.to_string());
        changes.push(format!("database: {d}"));
    }
    if let Some(t) = req.threshold.filter(|t| *t != old.threshold) {
        new.threshold = t;
    }
    if let Some(s) = req.severity {
        new.notification.severity = s;
    }
    let cond = Condition::new(&new.threshold, new.notification.severity)?;
    if new.threshold != old.threshold || new.notification.severity != old.notification.severity {
        changes.push(format!("condition: {}", cond.describe()));
    }
    if let Some(m) = req.message.filter(|m| *m != old.notification.message) {
        changes.push(format!("message: {m}"));
        new.notification.message = m;
    }
    if let Some(e) = req
        .every
        .as_deref()
        .map(str::trim)
        .filter(|e| *e != old.every)
    {
        every(e)?;
        new.every = e.to_string();
        changes.push(format!("every {e}"));
    }
    if let Some(f) = req
        .for_duration
        .as_deref()
        .map(str::trim)
        .filter(|f| *f != old.for_duration)
    {
        duration(f, "for")?;
        new.for_duration = f.to_string();
        changes.push(format!("for {f}"));
    }
    if let Some(on) = req.enabled.filter(|on| *on != old.enabled) {
        new.enabled = on;
        changes.push(if on {
            "enabled".into()
        } else {
            "disabled".into()
        });
    }
    // Channels: kept ones (given as shown) keep their stored URL; new ones are checked.
    let shown_old: Vec<String> = old
        .notification
        .channels
        .iter()
        .map(|c| redact_channel(c))
        .collect();
    let mut fresh: Vec<String> = Vec::new();
    let mut plan: Vec<Result<usize, String>> = Vec::new(); // Ok(old index) | Err(new channel)
    if let Some(chs) = &req.channels {
        let allowed = addresses::allowed_hosts(ctx)?;
        channels::check_set(ctx, chs)?;
        for c in chs.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
            match shown_old.iter().position(|s| s == c) {
                Some(i) => plan.push(Ok(i)),
                None => {
                    channels::check(c, &allowed).await?;
                    fresh.push(c.to_string());
                    plan.push(Err(c.to_string()));
                }
            }
        }
        let now_shown: Vec<String> = plan
            .iter()
            .map(|x| match x {
                Ok(i) => shown_old[*i].clone(),
                Err(c) => redact_channel(c),
            })
            .collect();
        if now_shown != shown_old {
            changes.push(format!("channels: {}", now_shown.join(", ")));
        }
    }
    if changes.is_empty() {
        return Err(Error::invalid(format!(
            "nothing to change in alert \"{}\": give a new query, condition, schedule, \
             message, channels, or enable/disable",
            old.name
        )));
    }
    let language = ctx.language_of(&p, new.language).await?;
    crate::influx::classify::ensure_read(
        language,
        &new.query,
        "an alert's query (it runs unattended)",
    )
    .map_err(|e| Error::invalid(e.message()))?;
    let what = format!("change alert \"{}\"\n{}", old.name, changes.join("\n"));
    crate::api::policy::check_write(ctx, actor, &p, &what).await?;

    // New URLs to the keychain first; removed again if the file cannot be written.
    let (kept_fresh, fresh_accounts) = keychain::keep(ctx, &fresh).await?;
    let mut dropped: Vec<String> = Vec::new();
    if req.channels.is_some() {
        let mut fresh_iter = kept_fresh.into_iter().zip(fresh_accounts.iter().cloned());
        let (mut chans, mut accounts) = (Vec::new(), Vec::new());
        for x in &plan {
            match x {
                Ok(i) => {
                    chans.push(old.notification.channels[*i].clone());
                    accounts.push(old.channel_accounts.get(*i).cloned().unwrap_or_default());
                }
                Err(_) => {
                    let (c, a) = fresh_iter.next().unwrap_or_default();
                    chans.push(c);
                    accounts.push(a);
                }
            }
        }
        dropped = old
            .channel_accounts
            .iter()
            .filter(|a| !a.is_empty() && !accounts.contains(a))
            .cloned()
            .collect();
        new.notification.channels = chans;
        new.channel_accounts = accounts;
    }
    if new.query != old.query || new.threshold != old.threshold || new.language != old.language {
        // Another question: yesterday's states say nothing about it.
        new.status = AlertStatus::Unknown;
        new.series.clear();
        new.pending_since = None;
        new.since = Some(now_str(now));
    }
    let id = old.id.clone();
    let saved = new.clone();
    let stored = ctx.store.update(ALERTS_FILE, |f: &mut AlertsFile| {
        let slot = f.rules.iter_mut().find(|r| r.id == id).ok_or_else(|| {
            Error::NotFound(format!("alert \"{}\" was deleted meanwhile", saved.name))
        })?;
        *slot = saved.clone();
        Ok(())
    });
    if let Err(e) = stored {
        keychain::forget(ctx, &fresh_accounts).await;
        return Err(e);
    }
    keychain::forget(ctx, &dropped).await;
    ctx.emit(actor, "alert.update", &old.name);
    let mut shown = new;
    shown.notification.channels = shown
        .notification
        .channels
        .iter()
        .map(|c| redact_channel(c))
        .collect();
    Ok(shown)
}
