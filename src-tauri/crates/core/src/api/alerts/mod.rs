//! Alerts: rules persisted beside the profiles (`alerts.json`), evaluated on a schedule by the
//! app or `influxdesk serve` (each rule every `every`, at least 10 s, firing after the
//! condition held for `for`), with states OK / WARN / CRIT and transitions. A transition
//! notifies the rule's channels (`webhook:<url>` JSON POST, `slack:<webhook url>` Slack
//! message, `teams:`, `pagerduty:`, `email:<address>` a mail through the app's SMTP account,
//! `desktop` an event the GUI turns into a notification; `history` alone: history only). Every evaluation's status
//! is written as a point to the `influxdesk_alerts` measurement of the profile's
//! database/bucket, so history is queryable. The clock is passed in.
//!
//! Here: the rule types and the user's actions on rules (create, list, delete, send a test
//! notification, allow a private host). `condition`: what a rule checks (levels, ranges,
//! relative change, deadman) and the per-series state machine; `evaluate`: one evaluation (one
//! state per series) and a batch of due rules; `backtest`: the same over past windows;
//! `edit`: changing a saved rule; `history`: its changes of state and silences; `channels`:
//! where notifications may go and how (URLs in the keychain, never redirected, never to
//! private addresses unless allowed); `email`: the SMTP account and email channels; `scheduler`: the loop, of which one runs across
//! processes; `view`: the rules list and the backtest chart of the Alerts screen; `server`:
//! a 2.x server's own checks and notification rules.

mod addresses;
mod backtest;
mod channels;
mod condition;
mod edit;
mod email;
mod evaluate;
mod history;
mod payloads;
mod scheduler;
mod server;
mod view;

pub use backtest::{Backtest, BacktestChange, BacktestReq, FiringWindow, MAX_STEPS, backtest};
pub use channels::{ChannelTest, redact_channel};
pub use edit::{UpdateAlertReq, update};
pub use email::{SMTP_ACCOUNT, SetSmtpReq, SmtpView, set_smtp, smtp};
pub use evaluate::{Evaluation, evaluate, evaluate_due, evaluate_due_within};
pub use history::{AlertChange, AlertHistoryReq, SilenceReq, history, silence, unsilence};
pub(crate) use scheduler::Lease;
pub use scheduler::{
    EvaluatorStatus, LOCK_FILE, RULE_TIMEOUT, Tick, evaluator_status, lead, run, step_down, tick,
};
pub use server::{
    ServerAlerting, ServerAlertingReq, ServerCheck, ServerNotificationRule, server_alerting,
};
pub use view::{AlertRow, AlertRowsReq, BacktestChartReq, BacktestView, backtest_chart, rows};

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Ctx, profiles};
use crate::error::{Error, Result};
use crate::model::{Actor, QueryLanguage};

pub const ALERTS_FILE: &str = "alerts.json";
pub const STATUS_MEASUREMENT: &str = "influxdesk_alerts";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Operator {
    Greater,
    Less,
    Equal,
    NotEqual,
    GreaterEqual,
    LessEqual,
}

impl Operator {
    fn holds(self, v: f64, t: f64) -> bool {
        match self {
            Operator::Greater => v > t,
            Operator::Less => v < t,
            Operator::Equal => v == t,
            Operator::NotEqual => v != t,
            Operator::GreaterEqual => v >= t,
            Operator::LessEqual => v <= t,
        }
    }
    fn symbol(self) -> &'static str {
        match self {
            Operator::Greater => ">",
            Operator::Less => "<",
            Operator::Equal => "==",
            Operator::NotEqual => "!=",
            Operator::GreaterEqual => ">=",
            Operator::LessEqual => "<=",
        }
    }
}

/// What is checked on each series' last value: `threshold` (it crosses `value`, or the
/// `warn`/`crit` levels), `inside`/`outside` (the range `low`..`high`), `relative` (its change
/// against `period` ago crosses the levels, in % with `percent`), `deadman` (no data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ThresholdKind {
    #[default]
    Threshold,
    Deadman,
    Inside,
    Outside,
    Relative,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[ts(export)]
pub struct Threshold {
    /// greater, less, equal, not_equal, greater_equal or less_equal.
    pub operator: Operator,
    /// The value the last value (relative: its change) is compared with, firing at the
    /// notification's severity. Ignored when `warn` or `crit` is given, and for deadman and
    /// ranges.
    #[serde(default)]
    pub value: f64,
    /// threshold (default), deadman, inside, outside or relative.
    #[serde(default, rename = "type")]
    #[ts(rename = "type")]
    pub kind: ThresholdKind,
    /// WARN when the value (relative: the change) crosses this level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub warn: Option<f64>,
    /// CRIT when the value (relative: the change) crosses this level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub crit: Option<f64>,
    /// Range conditions: the low end (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub low: Option<f64>,
    /// Range conditions: the high end (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub high: Option<f64>,
    /// Relative: compare with the value this long ago, e.g. "1h".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub period: Option<String>,
    /// Relative: the change in percent of the earlier value (default: absolute).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub percent: Option<bool>,
}

impl Default for Threshold {
    fn default() -> Self {
        Threshold {
            operator: Operator::Greater,
            value: 0.0,
            kind: ThresholdKind::Threshold,
            warn: None,
            crit: None,
            low: None,
            high: None,
            period: None,
            percent: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Severity {
    Info,
    #[default]
    Warning,
    Critical,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct Notification {
    /// Where to send transitions: "webhook:<url>", "slack:<webhook url>", "teams:<url>",
    /// "pagerduty:<routing key>", "email:<address>[,<address>...]" (through the SMTP account
    /// set in influxdesk), "desktop", or "history" alone (history only: state changes are
    /// recorded, nobody is notified). On a stored rule these are shown without their secret
    /// parts (the URLs are in the keychain).
    pub channels: Vec<String>,
    /// The message sent with a transition.
    pub message: String,
    /// info, warning (WARN) or critical (CRIT): the state the rule enters when it fires.
    pub severity: Severity,
}

/// An alert state (ordered: unknown < ok < info < warn < crit).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Default,
    Serialize,
    Deserialize,
    JsonSchema,
    TS,
)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum AlertStatus {
    #[default]
    Unknown,
    Ok,
    Info,
    Warn,
    Crit,
}

impl AlertStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            AlertStatus::Unknown => "unknown",
            AlertStatus::Ok => "ok",
            AlertStatus::Info => "info",
            AlertStatus::Warn => "warn",
            AlertStatus::Crit => "crit",
        }
    }
}

/// A stored alert rule with its current state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct AlertRule {
    pub id: String,
    pub name: String,
    pub profile_id: String,
    pub query: String,
    pub language: Option<QueryLanguage>,
    pub database: Option<String>,
    pub threshold: Threshold,
    pub notification: Notification,
    /// How often to evaluate, e.g. "1m".
    pub every: String,
    /// How long the condition must hold before the rule fires, e.g. "5m" ("0s": at once).
    pub for_duration: String,
    pub enabled: bool,
    pub status: AlertStatus,
    /// RFC 3339 of the last status change.
    pub since: Option<String>,
    pub last_eval: Option<String>,
    pub last_value: Option<f64>,
    /// When the condition started to hold (for `for_duration`).
    pub pending_since: Option<String>,
    /// The keychain account (service `influxdesk`) holding each channel's full URL, in the
    /// order of `notification.channels`; "" for a channel without a URL (desktop).
    pub channel_accounts: Vec<String>,
    /// Each series' state: a query grouped by tags has one per series (per host...). The
    /// rule's `status` is the worst of them.
    pub series: Vec<SeriesState>,
    /// Muted notifications (history is still written).
    pub silences: Vec<Silence>,
}

/// One series of a rule, between evaluations.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct SeriesState {
    /// The series as charts name it, e.g. `cpu.usage_user host=a` ("" when the query gave no
    /// series at all: a deadman with nothing to watch).
    pub key: String,
    pub status: AlertStatus,
    /// RFC 3339 of the last status change.
    pub since: Option<String>,
    pub last_value: Option<f64>,
    /// The firing level waiting for `for`, and since when (RFC 3339).
    pub pending: Option<AlertStatus>,
    pub pending_since: Option<String>,
}

/// Notifications of a rule (or of one series of it) muted until a time.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct Silence {
    /// Only this series (its key as the rule's series show it); all series when absent.
    pub series: Option<String>,
    /// RFC 3339: muted until then.
    pub until: String,
    /// Why, for whoever looks later.
    pub reason: String,
}

impl Default for AlertRule {
    fn default() -> Self {
        AlertRule {
            id: String::new(),
            name: String::new(),
            profile_id: String::new(),
            query: String::new(),
            language: None,
            database: None,
            threshold: Threshold::default(),
            notification: Notification::default(),
            every: "1m".into(),
            for_duration: "0s".into(),
            enabled: true,
            status: AlertStatus::Unknown,
            since: None,
            last_eval: None,
            last_value: None,
            pending_since: None,
            channel_accounts: Vec::new(),
            series: Vec::new(),
            silences: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct AlertsFile {
    pub(crate) version: u32,
    pub(crate) rules: Vec<AlertRule>,
}

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

/// Allow (or stop allowing) alert notifications to a host on a loopback, private or
/// link-local address.
#[derive(Debug, Clone, Deserialize, JsonSchema, TS)]
#[ts(export)]
pub struct AllowHostReq {
    /// A host name or IP address as it appears in the channel's URL, e.g. "127.0.0.1" or
    /// "hooks.internal.example".
    pub host: String,
    /// true to allow, false to stop allowing.
    pub allow: bool,
}

/// The shortest `every`: the evaluator is not a load generator.
pub const MIN_EVERY_SECS: i64 = 10;

pub(crate) fn now_str(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A rule's duration ("90s", "1h30m"; units ms, s, m, h, d, w), with checked arithmetic so
/// that no input can overflow; at most 10 years.
pub(crate) fn duration(s: &str, what: &str) -> Result<chrono::Duration> {
    let bad = || {
        Error::invalid(format!(
            "{what} \"{s}\" is not a duration: use a number and a unit, e.g. 30s, 5m, 1h \
             (units: ms, s, m, h, d, w)"
        ))
    };
    let t = s.trim();
    if matches!(t, "0" | "") {
        return if t.is_empty() {
            Err(bad())
        } else {
            Ok(chrono::Duration::zero())
        };
    }
    let (mut total_ms, mut rest) = (0i64, t);
    while !rest.is_empty() {
        let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
        let n: i64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest.chars().take_while(|c| c.is_ascii_alphabetic()).count();
        let per_ms: i64 = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 604_800_000,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        total_ms = n
            .checked_mul(per_ms)
            .and_then(|ms| total_ms.checked_add(ms))
            .ok_or_else(bad)?;
    }
    const TEN_YEARS_MS: i64 = 3650 * 86_400_000;
    if total_ms > TEN_YEARS_MS {
        return Err(Error::invalid(format!(
            "{what} \"{s}\" is longer than ten years: give a shorter one"
        )));
    }
    Ok(chrono::Duration::milliseconds(total_ms))
}

/// `every`, checked: a duration of at least [`MIN_EVERY_SECS`].
pub(crate) fn every(s: &str) -> Result<chrono::Duration> {
    let d = duration(s, "every")?;
    if d < chrono::Duration::seconds(MIN_EVERY_SECS) {
        return Err(Error::invalid(format!(
            "every \"{}\" is too often: alerts are evaluated at most every {MIN_EVERY_SECS}s, so \
             give \"{MIN_EVERY_SECS}s\" or more (e.g. \"30s\", \"1m\")",
            s.trim()
        )));
    }
    Ok(d)
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
    super::policy::check_write(
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
    let (shown, accounts) = channels::keep(ctx, &req.notification.channels).await?;
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
        channels::forget(ctx, &accounts).await;
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
    channels::migrate(ctx, channels::Unmoved::Redact).await
}

/// The rules as the evaluator needs them: any URL the keychain could not take yet stays usable.
pub(crate) async fn rules_to_run(ctx: &Ctx) -> Result<Vec<AlertRule>> {
    channels::migrate(ctx, channels::Unmoved::Keep).await
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
    super::policy::check_write(ctx, actor, &p, &format!("delete alert \"{}\"", rule.name)).await?;
    let id = rule.id.clone();
    ctx.store.update(ALERTS_FILE, |f: &mut AlertsFile| {
        f.rules.retain(|r| r.id != id);
        Ok(())
    })?;
    channels::forget(ctx, &rule.channel_accounts).await;
    ctx.emit(actor, "alert.delete", name_or_id);
    Ok(())
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
    super::policy::check_write(
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
    let out = channels::send_test(ctx, rule, &wanted).await;
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

/// The hosts on private addresses that alert channels may reach (settings).
pub async fn allowed_hosts(ctx: &Ctx) -> Result<Vec<String>> {
    addresses::allowed_hosts(ctx)
}

/// Allow or disallow a private host for alert channels. Only the user may: an assistant that
/// could allow hosts could reach the user's network.
pub async fn allow_host(ctx: &Ctx, actor: &Actor, req: AllowHostReq) -> Result<Vec<String>> {
    if !matches!(actor, Actor::User) {
        return Err(Error::Forbidden(
            "only the user may allow alert channels to reach private hosts (influxdesk alert \
             allow-host HOST)"
                .into(),
        ));
    }
    let host = addresses::normal_host(&req.host);
    if host.is_empty() || host.contains(['/', ' ', '@']) {
        return Err(Error::invalid(format!(
            "\"{}\" is not a host: give a host name or IP address, e.g. 127.0.0.1",
            req.host
        )));
    }
    let hosts = ctx.store.update_settings(|s| {
        s.alert_allowed_hosts
            .retain(|h| addresses::normal_host(h) != host);
        if req.allow {
            s.alert_allowed_hosts.push(host.clone());
        }
        Ok(s.alert_allowed_hosts.clone())
    })?;
    ctx.emit(
        actor,
        "settings.update",
        format!(
            "alert channels {} reach {host}",
            if req.allow { "may" } else { "may no longer" }
        ),
    );
    Ok(hosts)
}
