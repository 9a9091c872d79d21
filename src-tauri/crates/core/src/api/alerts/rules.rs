//! The user's actions on alert rules as a whole: create one (every field checked, the user
//! asked under the policy, channel URLs put in the keychain), list them, find one by name or
//! id, delete one. Not here: changing a saved rule (`edit`), its state (`evaluate`,
//! `history`).

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Deserialize;
use ts_rs::TS;

use super::{
    ALERTS_FILE, AlertRule, AlertsFile, Notification, Threshold, addresses, channels, condition,
    duration, every, keychain, now_str, redact_channel,
};
use crate::api::{Ctx, profiles};
use crate::error::{Error, Result};
use crate::model::{Actor, QueryLanguage};

/// Create an alert rule (the MCP `create-alerts` tool's parameters, plus schedule).
#[derive(Debug, Clone, Deserialize, JsonSchema, TS)]
#[ts(export)]
pub struct CreateAlertReq {
    /// Profile id or name; the active profile when absent.
    #[serde(default)]
    pub profile: Option<String>,
    /// A unique name for the alert.
    pub alert_name: String,
    /// The query whose last value is checked (it runs over the rule's window).
    pub query: String,
    #[serde(default)]
    pub language: Option<QueryLanguage>,
    #[serde(default)]
    pub database: Option<String>,
    pub threshold: Threshold,
    #[serde(default)]
    pub notification: Notification,
    /// How often to evaluate (default "1m", at least "10s").
    #[serde(default)]
    pub every: Option<String>,
    /// How long the condition must hold before firing (default "0s").
    #[serde(default, rename = "for")]
    #[ts(rename = "for")]
    pub for_duration: Option<String>,
}

pub async fn create(
    ctx: &Ctx,
    actor: &Actor,
    req: CreateAlertReq,
    now: DateTime<Utc>,
) -> Result<AlertRule> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    let name = req.alert_name.trim().to_string();
    if name.is_empty() {
        return Err(Error::invalid("give the alert a name"));
    }
    if req.query.trim().is_empty() {
        return Err(Error::invalid(
            "the alert needs a query whose last value is checked",
        ));
    }
    let every_text = req.every.unwrap_or_else(|| "1m".into()).trim().to_string();
    let for_duration = req
        .for_duration
        .unwrap_or_else(|| "0s".into())
        .trim()
        .to_string();
    every(&every_text)?;
    duration(&for_duration, "for")?;
    let cond = condition::Condition::new(&req.threshold, req.notification.severity)?;
    let allowed = addresses::allowed_hosts(ctx)?;
    for c in &req.notification.channels {
        channels::check(c, &allowed).await?;
    }
    channels::check_set(ctx, &req.notification.channels)?;
    // The evaluator runs the query unattended on every tick: it must only read, in the
    // language it will run in (checked again at each evaluation, on the text sent).
    let language = ctx.language_of(&p, req.language).await?;
    crate::influx::classify::ensure_read(
        language,
        &req.query,
        "an alert's query (it runs unattended)",
    )
    .map_err(|e| Error::invalid(e.message()))?;
    // Checked last, so the user is never asked to approve a rule that would be refused. The
    // channels are named redacted: the question may end up in a refusal, an event or a log.
    crate::api::policy::check_write(
        ctx,
        actor,
        &p,
        &format!(
            "create alert \"{name}\" on: {}{}\nquery ({}): {}\ncondition: {}\nevery \
             {every_text}, for {for_duration}{}",
            req.query.trim(),
            if req.notification.channels.is_empty() {
                String::new()
            } else {
                let shown: Vec<String> = req
                    .notification
                    .channels
                    .iter()
                    .map(|c| redact_channel(c))
                    .collect();
                format!(" (notifying {})", shown.join(", "))
            },
            language.name(),
            req.query.trim(),
            cond.describe(),
            req.notification
                .channels
                .iter()
                .map(|c| format!("\nnotifies: {}", redact_channel(c)))
                .collect::<String>()
        ),
    )
    .await?;
    if list(ctx)
        .await?
        .iter()
        .any(|r| r.name.eq_ignore_ascii_case(&name))
    {
        return Err(conflict(&name));
    }
    // URLs go to the keychain first; if the file cannot be written they are removed again.
    let (shown, accounts) = keychain::keep(ctx, &req.notification.channels).await?;
    let rule = AlertRule {
        id: uuid::Uuid::new_v4().to_string(),
        name: name.clone(),
        profile_id: p.id.clone(),
        query: req.query,
        language: req.language,
        database: req.database.or(p.database.clone()),
        threshold: req.threshold,
        notification: Notification {
            channels: shown,
            ..req.notification
        },
        every: every_text,
        for_duration,
        since: Some(now_str(now)),
        channel_accounts: accounts.clone(),
        ..AlertRule::default()
    };
    let saved = rule.clone();
    let stored = ctx.store.update(ALERTS_FILE, |f: &mut AlertsFile| {
        if f.rules.iter().any(|r| r.name.eq_ignore_ascii_case(&name)) {
            return Err(conflict(&name));
        }
        f.version = 1;
        f.rules.push(saved);
        Ok(())
    });
    if let Err(e) = stored {
        keychain::forget(ctx, &accounts).await;
        return Err(e);
    }
    ctx.emit(actor, "alert.create", &name);
    Ok(rule)
}

fn conflict(name: &str) -> Error {
    Error::Conflict(format!(
        "an alert named \"{name}\" exists: delete it first or pick another name"
    ))
}

/// Every rule, channels shown without their secret parts. Rules saved by an older influxdesk
/// with whole URLs in the file have them moved to the keychain here.
pub async fn list(ctx: &Ctx) -> Result<Vec<AlertRule>> {
    keychain::migrate(ctx, keychain::Unmoved::Redact).await
}

/// The rules as the evaluator needs them: any URL the keychain could not take yet stays usable.
pub(crate) async fn rules_to_run(ctx: &Ctx) -> Result<Vec<AlertRule>> {
    keychain::migrate(ctx, keychain::Unmoved::Keep).await
}

pub(crate) fn find<'a>(rules: &'a [AlertRule], name_or_id: &str) -> Result<&'a AlertRule> {
    rules
        .iter()
        .find(|r| r.id == name_or_id || r.name.eq_ignore_ascii_case(name_or_id.trim()))
        .ok_or_else(|| Error::NotFound(format!("no alert named \"{name_or_id}\"")))
}

pub async fn delete(ctx: &Ctx, actor: &Actor, name_or_id: &str) -> Result<()> {
    let rules = list(ctx).await?;
    let rule = find(&rules, name_or_id)?;
    let p = profiles::resolve(ctx, Some(&rule.profile_id)).await?;
    crate::api::policy::check_write(ctx, actor, &p, &format!("delete alert \"{}\"", rule.name))
        .await?;
    let id = rule.id.clone();
    ctx.store.update(ALERTS_FILE, |f: &mut AlertsFile| {
        f.rules.retain(|r| r.id != id);
        Ok(())
    })?;
    keychain::forget(ctx, &rule.channel_accounts).await;
    ctx.emit(actor, "alert.delete", name_or_id);
    Ok(())
}
