//! Where the secret part of an alert channel is kept: an HTTP channel's URL (or PagerDuty
//! routing key) goes to the OS keychain (service `influxdesk`, one account per channel) and
//! the rule keeps only the account and the channel as shown. Rules saved by an older
//! influxdesk, with whole URLs in `alerts.json`, have them moved into the keychain when
//! loaded. Not here: what a channel is (`channels`) and sending (`send`).

use super::channels::{redact_channel, split};
use super::{ALERTS_FILE, AlertRule, AlertsFile};
use crate::api::Ctx;
use crate::error::{Error, Result};
use crate::secrets::Secret;

/// Keychain accounts of channel URLs start with this (profiles use their bare ids).
const ACCOUNT_PREFIX: &str = "alert-channel:";

fn new_account() -> String {
    format!("{ACCOUNT_PREFIX}{}", uuid::Uuid::new_v4())
}

/// Put each HTTP channel's URL in the keychain: the channels as shown and their accounts
/// ("" for desktop). On a failure nothing stays in the keychain.
pub(crate) async fn keep(ctx: &Ctx, channels: &[String]) -> Result<(Vec<String>, Vec<String>)> {
    let (mut shown, mut accounts) = (Vec::new(), Vec::new());
    for c in channels {
        let c = c.trim();
        let account = match split(c) {
            Some((kind, _)) if kind.secret() => {
                let a = new_account();
                if let Err(e) = ctx.secrets.set(&a, Secret::new(c)).await {
                    forget(ctx, &accounts).await;
                    return Err(e);
                }
                a
            }
            _ => String::new(),
        };
        shown.push(redact_channel(c));
        accounts.push(account);
    }
    Ok((shown, accounts))
}

/// Remove channel URLs from the keychain (a failure is logged: the rule is gone either way).
pub(crate) async fn forget(ctx: &Ctx, accounts: &[String]) {
    for a in accounts.iter().filter(|a| !a.is_empty()) {
        if let Err(e) = ctx.secrets.delete(a).await {
            tracing::warn!("could not remove an alert channel from the keychain: {e}");
        }
    }
}

/// An HTTP channel of a rule saved by an older influxdesk, with its URL still in the file.
fn is_legacy(rule: &AlertRule, i: usize) -> bool {
    let c = &rule.notification.channels[i];
    matches!(split(c), Some((kind, _)) if kind.secret())
        && rule.channel_accounts.get(i).is_none_or(|a| a.is_empty())
}

/// How [`migrate`] returns rules whose URLs could not be moved (keychain unavailable).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unmoved {
    /// Redacted: for anything shown.
    Redact,
    /// As in the file: for sending, which must still work without a keychain.
    Keep,
}

/// Load the rules, moving any URL still in the file into the keychain (the file is rewritten
/// atomically once the keychain has them; a failure leaves the file as it was, and the rules
/// come back as `unmoved` says).
pub(crate) async fn migrate(ctx: &Ctx, unmoved: Unmoved) -> Result<Vec<AlertRule>> {
    let file: AlertsFile = ctx.store.load(ALERTS_FILE)?;
    let legacy: Vec<(String, usize, String)> = file
        .rules
        .iter()
        .flat_map(|r| {
            (0..r.notification.channels.len())
                .filter(|&i| is_legacy(r, i))
                .map(|i| (r.id.clone(), i, r.notification.channels[i].clone()))
        })
        .collect();
    if legacy.is_empty() {
        return Ok(file.rules);
    }
    let originals: Vec<String> = legacy.iter().map(|(_, _, c)| c.clone()).collect();
    let moved = match keep(ctx, &originals).await {
        Ok((_, accounts)) => accounts,
        Err(e) => {
            tracing::warn!("alert channel URLs stay in {ALERTS_FILE} for now: {e}");
            return Ok(file
                .rules
                .into_iter()
                .map(|r| as_asked(r, unmoved))
                .collect());
        }
    };
    let written = ctx.store.update(ALERTS_FILE, |f: &mut AlertsFile| {
        let mut used = vec![false; legacy.len()];
        for (n, (id, i, original)) in legacy.iter().enumerate() {
            let Some(r) = f.rules.iter_mut().find(|r| &r.id == id) else {
                continue;
            };
            if r.notification.channels.get(*i) != Some(original) {
                continue;
            }
            let len = r.notification.channels.len();
            r.channel_accounts.resize(len, String::new());
            r.notification.channels[*i] = redact_channel(original);
            r.channel_accounts[*i] = moved[n].clone();
            used[n] = true;
        }
        Ok((used, f.rules.clone()))
    });
    match written {
        Ok((used, rules)) => {
            let unused: Vec<String> = moved
                .iter()
                .zip(used)
                .filter(|(_, u)| !u)
                .map(|(a, _)| a.clone())
                .collect();
            forget(ctx, &unused).await;
            tracing::info!(
                "moved {} alert channel URL(s) into the keychain",
                legacy.len()
            );
            Ok(rules)
        }
        Err(e) => {
            forget(ctx, &moved).await;
            tracing::warn!("alert channel URLs stay in {ALERTS_FILE} for now: {e}");
            Ok(file
                .rules
                .into_iter()
                .map(|r| as_asked(r, unmoved))
                .collect())
        }
    }
}

fn as_asked(mut r: AlertRule, unmoved: Unmoved) -> AlertRule {
    if unmoved == Unmoved::Redact {
        for c in &mut r.notification.channels {
            *c = redact_channel(c);
        }
    }
    r
}

/// The full URL of channel `i` of a rule as stored (from the keychain, or from an older file).
pub(super) async fn url_of(ctx: &Ctx, rule: &AlertRule, i: usize) -> Result<Secret> {
    let shown = redact_channel(&rule.notification.channels[i]);
    let raw = match rule.channel_accounts.get(i).filter(|a| !a.is_empty()) {
        Some(a) => ctx.secrets.get(a).await?.ok_or_else(|| {
            Error::NotFound(format!(
                "the keychain has no URL for {shown} of alert \"{}\": delete the alert and \
                 create it again",
                rule.name
            ))
        })?,
        None => Secret::new(rule.notification.channels[i].clone()),
    };
    Ok(raw)
}
