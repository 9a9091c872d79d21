//! Sending alert notifications: a transition to every channel of a rule, or the user's test
//! notification (the `test` action) to the channels asked for. HTTP channels get a JSON POST
//! under the address rules (`addresses`), never following a redirect; `desktop` is an event
//! the GUI shows, `email` a mail (`email`), `history` sends nothing. Not here: when to notify
//! (`evaluate`) and the bodies of Teams and PagerDuty (`payloads`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use ts_rs::TS;

use super::addresses::{allowed_hosts, target};
use super::channels::{Kind, not_a_channel, redact_channel, split};
use super::keychain::url_of;
use super::rules::{find, rules_to_run};
use super::{AlertRule, AlertStatus, Evaluation, email, now_str, payloads};
use crate::api::{Ctx, profiles};
use crate::error::{Error, Result};
use crate::model::Actor;

/// How long one HTTP notification may take.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

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

/// Send a test notification to an alert's channels (all of them, or the one named).
#[derive(Debug, Clone, Deserialize, JsonSchema, TS)]
#[ts(export)]
pub struct TestAlertReq {
    /// The alert's name or id.
    pub alert: String,
    /// Only this channel, as `list` shows it (e.g. "slack:https://hooks.slack.com/…").
    #[serde(default)]
    pub channel: Option<String>,
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

/// "Send test notification": a test message to the alert's channels (or the one asked for),
/// with each channel's HTTP status. It sends for real, so it asks like a change does.
pub async fn test(ctx: &Ctx, actor: &Actor, req: TestAlertReq) -> Result<Vec<ChannelTest>> {
    let rules = rules_to_run(ctx).await?;
    let rule = find(&rules, &req.alert)?;
    let wanted: Vec<usize> = match req.channel.as_deref().map(str::trim) {
        None | Some("") => (0..rule.notification.channels.len()).collect(),
        Some(c) => {
            let i = rule
                .notification
                .channels
                .iter()
                .position(|s| redact_channel(s) == c)
                .ok_or_else(|| {
                    let shown: Vec<String> = rule
                        .notification
                        .channels
                        .iter()
                        .map(|s| redact_channel(s))
                        .collect();
                    Error::NotFound(format!(
                        "alert \"{}\" has no channel \"{}\": its channels are {}",
                        rule.name,
                        redact_channel(c),
                        shown.join(", ")
                    ))
                })?;
            vec![i]
        }
    };
    if wanted.is_empty() {
        return Err(Error::invalid(format!(
            "alert \"{}\" has no channels to test: add a webhook, Slack, Teams, PagerDuty, email or desktop channel",
            rule.name
        )));
    }
    let p = profiles::resolve(ctx, Some(&rule.profile_id)).await?;
    let shown: Vec<String> = wanted
        .iter()
        .map(|&i| redact_channel(&rule.notification.channels[i]))
        .collect();
    crate::api::policy::check_write(
        ctx,
        actor,
        &p,
        &format!(
            "send a test notification for alert \"{}\" to {}",
            rule.name,
            shown.join(", ")
        ),
    )
    .await?;
    let out = send_test(ctx, rule, &wanted).await;
    ctx.emit(
        actor,
        "alert.test",
        format!(
            "{}: {}",
            rule.name,
            out.iter()
                .map(|t| format!(
                    "{} {}",
                    t.channel,
                    t.status.map_or("-".into(), |s| s.to_string())
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    Ok(out)
}
