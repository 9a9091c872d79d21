//! Where alert notifications go, and the rules for reaching there. A channel is `desktop` (an
//! event the GUI shows), `history` (history only: state changes are recorded and nobody is
//! notified; given alone), `email:<address>[,...]` (a mail through the app's SMTP account, see
//! `email`; addresses are not secret and stay in the rule) or an HTTP endpoint (`webhook:<url>`, `slack:<url>`, `teams:<url>`,
//! `pagerduty:<routing key>` to the Events API v2; bodies in `payloads`) whose URL (or key) is kept
//! in the OS keychain (service `influxdesk`, one account per channel) and shown everywhere
//! else without its path, query or credentials. HTTP sends never follow a redirect and never
//! reach a loopback, private, link-local or cloud-metadata address unless the user allowed
//! the host (settings `alert_allowed_hosts`; the rules are in `addresses`). Not here: when to
//! notify (that is `evaluate`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use ts_rs::TS;
use url::Url;

use super::addresses::{allowed_hosts, target};
use super::{ALERTS_FILE, AlertRule, AlertStatus, AlertsFile, Evaluation, now_str};
use super::{email, payloads};
use crate::api::Ctx;
use crate::error::{Error, Result};
use crate::model::Actor;
use crate::secrets::Secret;

/// How long one HTTP notification may take.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Keychain accounts of channel URLs start with this (profiles use their bare ids).
const ACCOUNT_PREFIX: &str = "alert-channel:";

/// What a test notification to one channel did.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ChannelTest {
    /// The channel, shown without its secret parts.
    pub channel: String,
    /// Whether the channel took the notification (HTTP 2xx, or shown on the desktop).
    pub ok: bool,
    /// The HTTP status the endpoint answered, if it answered.
    pub status: Option<u16>,
    /// What happened, in words.
    pub message: String,
}

/// The kinds of channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Webhook,
    Slack,
    Teams,
    PagerDuty,
    Desktop,
    Email,
    History,
}

impl Kind {
    /// Whether the channel's text is a secret kept in the keychain (HTTP channels).
    fn secret(self) -> bool {
        !matches!(self, Kind::Desktop | Kind::Email | Kind::History)
    }
}

/// A channel's kind and, for HTTP channels, its URL (unparsed).
fn split(c: &str) -> Option<(Kind, &str)> {
    let c = c.trim();
    if c == "desktop" {
        return Some((Kind::Desktop, ""));
    }
    if c == "history" {
        return Some((Kind::History, ""));
    }
    for (prefix, kind) in [
        ("email:", Kind::Email),
        ("webhook:", Kind::Webhook),
        ("slack:", Kind::Slack),
        ("teams:", Kind::Teams),
        ("pagerduty:", Kind::PagerDuty),
    ] {
        if let Some(rest) = c.strip_prefix(prefix) {
            return Some((kind, rest));
        }
    }
    None
}

pub(super) fn not_a_channel(c: &str) -> Error {
    Error::invalid(format!(
        "\"{}\" is not a channel: use \"webhook:https://...\", \
         \"slack:https://hooks.slack.com/...\", \"teams:https://...\" (an incoming webhook), \
         \"pagerduty:ROUTING_KEY\", \"email:someone@example.com\", \"desktop\" or \"history\" \
         (history only: record state changes, notify nobody)",
        redact_channel(c)
    ))
}

/// A channel without its secret parts: scheme, host and port of the URL, and "…" for a path,
/// a query or credentials (a Slack or webhook URL's path is often the secret itself).
pub fn redact_channel(c: &str) -> String {
    let (prefix, rest) = match c.trim().split_once(':') {
        Some((p @ ("webhook" | "slack" | "teams"), rest)) => (p, rest),
        // The routing key is the secret: only its last 4 characters are shown (so two
        // PagerDuty channels can be told apart), and only for a key long enough to stay secret.
        Some(("pagerduty", key)) => {
            let key = key.trim().trim_start_matches('…');
            let n = key.chars().count();
            let tail: String = if n >= 4 && (n == 4 || n >= 16) {
                key.chars().skip(n - 4).collect()
            } else {
                String::new()
            };
            return format!("pagerduty:…{tail}");
        }
        _ => return c.trim().to_string(),
    };
    let Ok(u) = Url::parse(rest) else {
        return format!("{prefix}:…");
    };
    let mut out = format!("{prefix}:{}://{}", u.scheme(), u.host_str().unwrap_or(""));
    if let Some(port) = u.port() {
        out.push_str(&format!(":{port}"));
    }
    out.push('/');
    if u.path() != "/" || u.query().is_some() || u.fragment().is_some() {
        out.push('…');
    }
    out
}

/// Check a channel as given when creating a rule: its form and where it points.
pub(crate) async fn check(c: &str, allowed: &[String]) -> Result<()> {
    match split(c) {
        Some((Kind::Desktop | Kind::History, _)) => Ok(()),
        Some((Kind::Email, to)) => email::recipients(to).map(|_| ()),
        Some((Kind::PagerDuty, key)) => {
            if !payloads::is_routing_key(key.trim()) {
                return Err(Error::invalid(
                    "a PagerDuty channel is \"pagerduty:ROUTING_KEY\": the integration key of an \
                     Events API v2 service (letters and digits)",
                ));
            }
            target(&payloads::pagerduty_endpoint(), "pagerduty", allowed, false)
                .await
                .map(|_| ())
        }
        Some((_, url)) => target(url, &redact_channel(c), allowed, false)
            .await
            .map(|_| ()),
        None => Err(not_a_channel(c)),
    }
}

/// Check a rule's channels together: `history` (history only) stands alone, and email needs
/// the SMTP account set.
pub(crate) fn check_set(ctx: &Ctx, channels: &[String]) -> Result<()> {
    let kinds: Vec<Option<Kind>> = channels
        .iter()
        .filter(|c| !c.trim().is_empty())
        .map(|c| split(c).map(|(k, _)| k))
        .collect();
    if kinds.contains(&Some(Kind::History)) && kinds.len() > 1 {
        return Err(Error::invalid(
            "\"history\" means history only (state changes are recorded, nobody is notified): \
             give it alone, or drop it and keep the other channels",
        ));
    }
    if kinds.contains(&Some(Kind::Email)) && ctx.store.settings()?.alert_smtp.is_none() {
        return Err(email::no_account());
    }
    Ok(())
}

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
async fn url_of(ctx: &Ctx, rule: &AlertRule, i: usize) -> Result<Secret> {
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

/// What one send did.
struct Sent {
    /// The HTTP status, for HTTP channels.
    status: Option<u16>,
    result: Result<()>,
    /// What happened, for channels that are not HTTP.
    note: Option<String>,
}

/// POST `body` as JSON to `raw` (the URL of channel `shown`), under the address rules,
/// without redirects.
async fn post(ctx: &Ctx, shown: &str, raw: &str, body: &Value) -> Sent {
    let shown = shown.to_string();
    let failed = |e: Error| Sent {
        status: None,
        result: Err(e),
        note: None,
    };
    let allowed = match allowed_hosts(ctx) {
        Ok(a) => a,
        Err(e) => return failed(e),
    };
    let t = match target(raw, &shown, &allowed, true).await {
        Ok(t) => t,
        Err(e) => return failed(e),
    };
    let mut b = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(SEND_TIMEOUT);
    if let Some((domain, addrs)) = &t.pinned {
        b = b.resolve_to_addrs(domain, addrs);
    }
    let http = match b.build() {
        Ok(h) => h,
        Err(_) => {
            return failed(Error::Internal(format!(
                "{shown}: could not set up an HTTP client"
            )));
        }
    };
    match http.post(t.url).json(body).send().await {
        Err(e) => failed(if e.is_timeout() {
            Error::Timeout(format!(
                "{shown} did not answer within {} s",
                SEND_TIMEOUT.as_secs()
            ))
        } else if e.is_connect() {
            Error::Unreachable(format!("{shown}: could not connect"))
        } else {
            Error::Unreachable(format!("{shown}: the request failed"))
        }),
        Ok(r) => {
            let status = r.status();
            let result = if status.is_success() {
                Ok(())
            } else if status.is_redirection() {
                Err(Error::Unreachable(format!(
                    "{shown} answered {status}, a redirect, which influxdesk does not follow: \
                     give the URL it redirects to"
                )))
            } else {
                Err(Error::Unreachable(format!("{shown} answered {status}")))
            };
            Sent {
                status: Some(status.as_u16()),
                result,
                note: None,
            }
        }
    }
}

fn webhook_body(rule: &AlertRule, e: &Evaluation, now: DateTime<Utc>) -> Value {
    json!({
        "alert": rule.name, "series": e.series, "status": e.status, "previous": e.previous,
        "value": e.value,
        "message": e.message, "severity": rule.notification.severity, "time": now_str(now),
    })
}

fn slack_body(rule: &AlertRule, e: &Evaluation) -> Value {
    let icon = match e.status {
        AlertStatus::Crit => ":red_circle:",
        AlertStatus::Warn => ":large_orange_circle:",
        AlertStatus::Ok => ":large_green_circle:",
        _ => ":white_circle:",
    };
    json!({ "text": format!("{icon} *{}* is {}: {}", rule.name,
                            e.status.as_str().to_uppercase(), e.message) })
}

/// Send channel `i` of `rule` the evaluation `e` (a desktop channel is an event, a history
/// channel sends nothing).
async fn send(
    ctx: &Ctx,
    rule: &AlertRule,
    i: usize,
    e: &Evaluation,
    now: DateTime<Utc>,
    test: bool,
) -> Sent {
    let done = |note: &str| Sent {
        status: None,
        result: Ok(()),
        note: Some(note.to_string()),
    };
    match split(&rule.notification.channels[i]) {
        Some((Kind::Desktop, _)) => {
            ctx.emit(&Actor::Scheduler, "alert.notify", e.message.clone());
            return done("shown in the influxdesk app");
        }
        Some((Kind::History, _)) => {
            return done(
                "history only: nothing is sent (state changes are recorded in influxdesk_alerts)",
            );
        }
        Some((Kind::Email, to)) => {
            return match email::send(ctx, rule, to, e, now, test).await {
                Ok(what) => done(&what),
                Err(err) => Sent {
                    status: None,
                    result: Err(err),
                    note: None,
                },
            };
        }
        _ => {}
    }
    let url = match url_of(ctx, rule, i).await {
        Ok(u) => u,
        Err(e) => {
            return Sent {
                status: None,
                result: Err(e),
                note: None,
            };
        }
    };
    let shown = redact_channel(url.expose());
    let Some((kind, rest)) = split(url.expose()) else {
        return Sent {
            status: None,
            result: Err(not_a_channel(&shown)),
            note: None,
        };
    };
    let (to, body) = match kind {
        Kind::Slack => (rest.to_string(), slack_body(rule, e)),
        Kind::Teams => (rest.to_string(), payloads::teams_body(rule, e, now)),
        Kind::PagerDuty => (
            payloads::pagerduty_endpoint(),
            payloads::pagerduty_body(rest.trim(), rule, e, now),
        ),
        Kind::Webhook | Kind::Desktop | Kind::Email | Kind::History => {
            (rest.to_string(), webhook_body(rule, e, now))
        }
    };
    post(ctx, &shown, &to, &body).await
}

/// Notify every channel of `rule` of a transition. Failures are logged with the channel
/// redacted.
pub(crate) async fn notify(ctx: &Ctx, rule: &AlertRule, e: &Evaluation, now: DateTime<Utc>) {
    for i in 0..rule.notification.channels.len() {
        if let Err(err) = send(ctx, rule, i, e, now, false).await.result {
            tracing::warn!("alert {}: notifying failed: {}", rule.name, err.message());
        }
    }
}

/// Send a test notification to channels `wanted` of `rule`.
pub(crate) async fn send_test(ctx: &Ctx, rule: &AlertRule, wanted: &[usize]) -> Vec<ChannelTest> {
    let now = Utc::now();
    let e = Evaluation {
        alert: rule.name.clone(),
        status: rule.status,
        previous: rule.status,
        value: rule.last_value,
        transition: false,
        muted: false,
        message: format!(
            "{}: a test notification from influxdesk (no change of state)",
            rule.name
        ),
        series: String::new(),
        each: Vec::new(),
    };
    let mut out = Vec::new();
    for &i in wanted {
        let channel = redact_channel(&rule.notification.channels[i]);
        let sent = send(ctx, rule, i, &e, now, true).await;
        let message = match (&sent.result, sent.status) {
            (Ok(()), Some(s)) => format!("delivered: HTTP {s}"),
            (Ok(()), None) => sent.note.clone().unwrap_or_default(),
            (Err(err), _) => err.message().to_string(),
        };
        out.push(ChannelTest {
            channel,
            ok: sent.result.is_ok(),
            status: sent.status,
            message,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn channels_are_checked_by_form_and_address() {
        check("webhook:http://127.0.0.1:9/h", &["127.0.0.1".into()])
            .await
            .expect("an allowed host passes");
        check("desktop", &[]).await.unwrap();
        check("history", &[]).await.unwrap();
        check("email:ops@example.com,oncall@example.org", &[])
            .await
            .unwrap();
        let e = check("email:not an address", &[]).await.unwrap_err();
        assert!(e.message().contains("not an email address"), "{e}");
        let e = check("webhook:http://127.0.0.1:9/h", &[])
            .await
            .unwrap_err();
        assert!(e.message().contains("allow-host 127.0.0.1"), "{e}");
        for bad in [
            "webhook:ftp://example.com/x",
            "sms:+15550100",
            "webhook:",
            "teams:",
        ] {
            let e = check(bad, &[]).await.unwrap_err();
            assert!(e.message().contains("is not a channel"), "{bad}: {e}");
        }
    }

    #[test]
    fn channel_secrets_are_not_shown() {
        assert_eq!(
            redact_channel("slack:https://hooks.slack.com/services/T0/B0/XYZ"),
            "slack:https://hooks.slack.com/…"
        );
        assert_eq!(
            redact_channel("webhook:https://u:p@example.com/hook?token=abc"),
            "webhook:https://example.com/…"
        );
        assert_eq!(
            redact_channel("webhook:http://127.0.0.1:8080/hook"),
            "webhook:http://127.0.0.1:8080/…"
        );
        assert_eq!(
            redact_channel("webhook:https://example.com"),
            "webhook:https://example.com/"
        );
        assert_eq!(redact_channel("webhook:not a url"), "webhook:…");
        assert_eq!(redact_channel("desktop"), "desktop");
        assert_eq!(redact_channel("history"), "history");
        assert_eq!(
            redact_channel("email:ops@example.com"),
            "email:ops@example.com",
            "addresses are not secret"
        );
        assert_eq!(
            redact_channel("teams:https://example.webhook.office.com/webhookb2/SECRET"),
            "teams:https://example.webhook.office.com/…"
        );
        assert_eq!(redact_channel("pagerduty:R0UT1NGKEY"), "pagerduty:…");
        let key = "pagerduty:0123456789abcdef0123456789abWXYZ";
        assert_eq!(redact_channel(key), "pagerduty:…WXYZ");
        assert_eq!(redact_channel(&redact_channel(key)), "pagerduty:…WXYZ");
        let once = redact_channel("slack:https://hooks.slack.com/services/T0/B0/XYZ");
        assert_eq!(
            redact_channel(&once),
            once,
            "redacting twice changes nothing"
        );
    }
}
