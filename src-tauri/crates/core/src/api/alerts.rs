//! Alerts: rules persisted beside the profiles (`alerts.json`), evaluated on a schedule by the
//! app and `influxdesk serve` (each rule every `every`, firing after the condition held for
//! `for`), with states OK / WARN / CRIT and transitions. A transition notifies the rule's
//! channels (`webhook:<url>` JSON POST, `slack:<webhook url>` Slack message, `desktop` an event
//! the GUI turns into a notification). Every evaluation's status is written as a point to the
//! `influxdesk_alerts` measurement of the profile's database/bucket, so history is queryable.
//! The clock is passed in.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Ctx, profiles, query, write};
use crate::error::{Error, Result};
use crate::influx::lineproto::{FieldValue, Point};
use crate::influx::timerange::parse_duration;
use crate::model::{Actor, Precision, QueryLanguage, RunQueryReq, TimeRange, WriteReq};

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

/// `threshold`: the last value crosses `value`; `deadman`: no data for the rule's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ThresholdKind {
    #[default]
    Threshold,
    Deadman,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[ts(export)]
pub struct Threshold {
    /// greater, less, equal, not_equal, greater_equal or less_equal.
    pub operator: Operator,
    /// The value the query's last value is compared with (ignored for deadman).
    #[serde(default)]
    pub value: f64,
    /// threshold (default) or deadman.
    #[serde(default, rename = "type")]
    #[ts(rename = "type")]
    pub kind: ThresholdKind,
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
    /// Where to send transitions: "webhook:<url>", "slack:<webhook url>", "desktop".
    pub channels: Vec<String>,
    /// The message sent with a transition.
    pub message: String,
    /// info, warning (WARN) or critical (CRIT): the state the rule enters when it fires.
    pub severity: Severity,
}

/// An alert state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
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
    fn as_str(self) -> &'static str {
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
            threshold: Threshold {
                operator: Operator::Greater,
                value: 0.0,
                kind: ThresholdKind::Threshold,
            },
            notification: Notification::default(),
            every: "1m".into(),
            for_duration: "0s".into(),
            enabled: true,
            status: AlertStatus::Unknown,
            since: None,
            last_eval: None,
            last_value: None,
            pending_since: None,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct AlertsFile {
    version: u32,
    rules: Vec<AlertRule>,
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
    /// How often to evaluate (default "1m").
    #[serde(default)]
    pub every: Option<String>,
    /// How long the condition must hold before firing (default "0s").
    #[serde(default, rename = "for")]
    #[ts(rename = "for")]
    pub for_duration: Option<String>,
}

fn now_str(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn check_channel(c: &str) -> Result<()> {
    let ok = c == "desktop"
        || c.strip_prefix("webhook:")
            .or_else(|| c.strip_prefix("slack:"))
            .is_some_and(|u| {
                url::Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
            });
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "\"{c}\" is not a channel: use \"webhook:https://...\", \"slack:https://hooks.slack.com/...\" or \"desktop\""
        )))
    }
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
    let every = req.every.unwrap_or_else(|| "1m".into());
    let for_duration = req.for_duration.unwrap_or_else(|| "0s".into());
    parse_duration(&every)?;
    if for_duration.trim() != "0s" && for_duration.trim() != "0" {
        parse_duration(&for_duration)?;
    }
    for c in &req.notification.channels {
        check_channel(c)?;
    }
    // The evaluator runs the query unattended on every tick: it must only read, in the
    // language it will run in (checked again at each evaluation, on the text sent).
    let language = ctx.language_of(&p, req.language).await?;
    crate::influx::classify::ensure_read(
        language,
        &req.query,
        "an alert's query (it runs unattended)",
    )
    .map_err(|e| Error::invalid(e.message()))?;
    // Checked last, so the user is never asked to approve a rule that would be refused.
    super::policy::check_write(
        ctx,
        actor,
        &p,
        &format!("create alert \"{name}\" on: {}", req.query.trim()),
    )
    .await?;
    let rule = AlertRule {
        id: uuid::Uuid::new_v4().to_string(),
        name: name.clone(),
        profile_id: p.id.clone(),
        query: req.query,
        language: req.language,
        database: req.database.or(p.database.clone()),
        threshold: req.threshold,
        notification: req.notification,
        every,
        for_duration,
        since: Some(now_str(now)),
        ..AlertRule::default()
    };
    let saved = rule.clone();
    ctx.store.update(ALERTS_FILE, |f: &mut AlertsFile| {
        if f.rules.iter().any(|r| r.name.eq_ignore_ascii_case(&name)) {
            return Err(Error::Conflict(format!(
                "an alert named \"{name}\" exists: delete it first or pick another name"
            )));
        }
        f.version = 1;
        f.rules.push(saved);
        Ok(())
    })?;
    ctx.emit(actor, "alert.create", &name);
    Ok(rule)
}

pub async fn list(ctx: &Ctx) -> Result<Vec<AlertRule>> {
    Ok(ctx.store.load::<AlertsFile>(ALERTS_FILE)?.rules)
}

pub async fn delete(ctx: &Ctx, actor: &Actor, name_or_id: &str) -> Result<()> {
    let rules = list(ctx).await?;
    let rule = rules
        .iter()
        .find(|r| r.id == name_or_id || r.name.eq_ignore_ascii_case(name_or_id))
        .ok_or_else(|| Error::NotFound(format!("no alert named \"{name_or_id}\"")))?;
    let p = profiles::resolve(ctx, Some(&rule.profile_id)).await?;
    super::policy::check_write(ctx, actor, &p, &format!("delete alert \"{}\"", rule.name)).await?;
    let id = rule.id.clone();
    ctx.store.update(ALERTS_FILE, |f: &mut AlertsFile| {
        f.rules.retain(|r| r.id != id);
        Ok(())
    })?;
    ctx.emit(actor, "alert.delete", name_or_id);
    Ok(())
}

/// The last numeric value of the result (the newest point over all series), if any.
fn last_value(r: &crate::model::QueryResult) -> Option<(i64, f64)> {
    let mut best: Option<(i64, f64)> = None;
    for s in crate::chart::series_from_frames(&r.frames) {
        if let Some(&(t, v)) = s.points.iter().max_by_key(|(t, _)| *t)
            && best.is_none_or(|(bt, _)| t > bt)
        {
            best = Some((t, v));
        }
    }
    best
}

/// What one evaluation decided.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Evaluation {
    pub alert: String,
    pub status: AlertStatus,
    pub previous: AlertStatus,
    pub value: Option<f64>,
    pub transition: bool,
    pub message: String,
}

fn due(rule: &AlertRule, now: DateTime<Utc>) -> bool {
    let Some(last) = rule
        .last_eval
        .as_deref()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
    else {
        return true;
    };
    let every = parse_duration(&rule.every).unwrap_or(chrono::Duration::minutes(1));
    now - last.with_timezone(&Utc) >= every
}

/// Evaluate one rule now: run its query over its window, decide the state, notify on a
/// transition, write the status point, and store the new state.
pub async fn evaluate(ctx: &Ctx, rule: &AlertRule, now: DateTime<Utc>) -> Result<Evaluation> {
    let every = parse_duration(&rule.every)?;
    let hold = if matches!(rule.for_duration.trim(), "0" | "0s" | "") {
        chrono::Duration::zero()
    } else {
        parse_duration(&rule.for_duration)?
    };
    // The window covers the rule's period (deadman: the `for` span when longer).
    let window = every.max(hold).max(chrono::Duration::minutes(1));
    let req = RunQueryReq {
        profile: Some(rule.profile_id.clone()),
        language: rule.language,
        database: rule.database.clone(),
        query: rule.query.clone(),
        row_limit: Some(100_000),
        time_range: Some(TimeRange::Relative {
            duration: format!("{}s", window.num_seconds()),
        }),
        query_id: None,
    };
    let result = query::run(ctx, &Actor::Scheduler, req).await;
    let (condition, value) = match (&result, rule.threshold.kind) {
        (Err(_), _) => (None, None),
        (Ok(r), ThresholdKind::Deadman) => {
            let v = last_value(r);
            (Some(v.is_none()), v.map(|(_, v)| v))
        }
        (Ok(r), ThresholdKind::Threshold) => match last_value(r) {
            None => (None, None),
            Some((_, v)) => (
                Some(rule.threshold.operator.holds(v, rule.threshold.value)),
                Some(v),
            ),
        },
    };
    let firing = match rule.notification.severity {
        Severity::Info => AlertStatus::Info,
        Severity::Warning => AlertStatus::Warn,
        Severity::Critical => AlertStatus::Crit,
    };
    let mut next = rule.clone();
    next.last_eval = Some(now_str(now));
    next.last_value = value;
    let status = match condition {
        None => AlertStatus::Unknown,
        Some(false) => {
            next.pending_since = None;
            AlertStatus::Ok
        }
        Some(true) => {
            let started = next
                .pending_since
                .as_deref()
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or(now);
            next.pending_since = Some(now_str(started));
            if now - started >= hold {
                firing
            } else {
                rule.status.max_ok()
            }
        }
    };
    let previous = rule.status;
    let transition =
        status != previous && !(previous == AlertStatus::Unknown && status == AlertStatus::Ok);
    if status != previous {
        next.since = Some(now_str(now));
    }
    next.status = status;
    let message = match (&result, rule.threshold.kind) {
        (Err(e), _) => format!("{}: the query failed: {}", rule.name, e.message()),
        (Ok(_), ThresholdKind::Deadman) if status != AlertStatus::Ok => {
            format!(
                "{}: no data for {}. {}",
                rule.name,
                crate::influx::buckets::human(Some(window.num_seconds() as u64)),
                rule.notification.message
            )
        }
        _ => format!(
            "{}: {} (value {}, threshold {} {}). {}",
            rule.name,
            status.as_str().to_uppercase(),
            value.map_or("none".into(), |v| v.to_string()),
            rule.threshold.operator.symbol(),
            rule.threshold.value,
            rule.notification.message
        ),
    };
    let eval = Evaluation {
        alert: rule.name.clone(),
        status,
        previous,
        value,
        transition,
        message: message.trim().to_string(),
    };
    if transition {
        notify(ctx, rule, &eval, now).await;
    }
    write_status(ctx, rule, &eval, now).await;
    let id = rule.id.clone();
    ctx.store.update(ALERTS_FILE, |f: &mut AlertsFile| {
        if let Some(slot) = f.rules.iter_mut().find(|r| r.id == id) {
            *slot = next.clone();
        }
        Ok(())
    })?;
    Ok(eval)
}

impl AlertStatus {
    /// While a condition is pending (not yet held for `for`), the state stays as it was,
    /// except that "unknown" becomes "ok".
    fn max_ok(self) -> AlertStatus {
        if self == AlertStatus::Unknown {
            AlertStatus::Ok
        } else {
            self
        }
    }
}

/// Evaluate every enabled rule that is due at `now`.
pub async fn evaluate_due(ctx: &Ctx, now: DateTime<Utc>) -> Result<Vec<Evaluation>> {
    let mut out = Vec::new();
    for rule in list(ctx)
        .await?
        .into_iter()
        .filter(|r| r.enabled && due(r, now))
    {
        match evaluate(ctx, &rule, now).await {
            Ok(e) => out.push(e),
            Err(e) => tracing::warn!("alert {} could not be evaluated: {e}", rule.name),
        }
    }
    Ok(out)
}

/// The scheduler: checks for due rules every second, for as long as the task runs (the app
/// and `influxdesk serve` spawn it and abort it on exit).
pub async fn run(ctx: std::sync::Arc<Ctx>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        tick.tick().await;
        if let Err(e) = evaluate_due(&ctx, Utc::now()).await {
            tracing::warn!("alert evaluation failed: {e}");
        }
    }
}

async fn notify(ctx: &Ctx, rule: &AlertRule, e: &Evaluation, now: DateTime<Utc>) {
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build();
    for ch in &rule.notification.channels {
        let sent = if ch == "desktop" {
            ctx.emit(&Actor::Scheduler, "alert.notify", e.message.clone());
            Ok(())
        } else if let (Some(url), Ok(http)) = (ch.strip_prefix("webhook:"), &http) {
            let body = serde_json::json!({
                "alert": rule.name, "status": e.status, "previous": e.previous, "value": e.value,
                "message": e.message, "severity": rule.notification.severity, "time": now_str(now),
            });
            http.post(url)
                .json(&body)
                .send()
                .await
                .and_then(|r| r.error_for_status())
                .map(|_| ())
        } else if let (Some(url), Ok(http)) = (ch.strip_prefix("slack:"), &http) {
            let icon = match e.status {
                AlertStatus::Crit => ":red_circle:",
                AlertStatus::Warn => ":large_orange_circle:",
                AlertStatus::Ok => ":large_green_circle:",
                _ => ":white_circle:",
            };
            let body = serde_json::json!({ "text": format!("{icon} *{}* is {}: {}", rule.name, e.status.as_str().to_uppercase(), e.message) });
            http.post(url)
                .json(&body)
                .send()
                .await
                .and_then(|r| r.error_for_status())
                .map(|_| ())
        } else {
            Ok(())
        };
        if let Err(err) = sent {
            tracing::warn!(
                "alert {}: notifying {ch} failed: {}",
                rule.name,
                err.without_url()
            );
        }
    }
}

async fn write_status(ctx: &Ctx, rule: &AlertRule, e: &Evaluation, now: DateTime<Utc>) {
    let mut fields = vec![
        ("transition".to_string(), FieldValue::Boolean(e.transition)),
        ("message".to_string(), FieldValue::String(e.message.clone())),
        ("level".to_string(), FieldValue::Integer(e.status as i64)),
    ];
    if let Some(v) = e.value {
        fields.push(("value".into(), FieldValue::Float(v)));
    }
    let p = Point {
        measurement: STATUS_MEASUREMENT.into(),
        tags: [
            ("alert".to_string(), rule.name.clone()),
            ("status".to_string(), e.status.as_str().to_string()),
        ]
        .into(),
        fields,
        timestamp: now.timestamp_nanos_opt(),
    };
    let req = WriteReq {
        profile: Some(rule.profile_id.clone()),
        bucket: rule.database.clone(),
        precision: Precision::Ns,
        lines: p.to_line(),
    };
    if let Err(err) = write::write(ctx, &Actor::Scheduler, req).await {
        tracing::warn!(
            "alert {}: writing its status point failed: {err}",
            rule.name
        );
    }
}
