//! The alert rule as it is stored in `alerts.json`: what it checks (`Threshold`), whom it
//! notifies (`Notification`), its schedule and its state (overall and per series), and its
//! silences. Only the types and their defaults: checking a rule's fields is in `durations` and
//! `condition`, the actions on rules in `rules`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::model::QueryLanguage;

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
    pub(super) fn holds(self, v: f64, t: f64) -> bool {
        match self {
            Operator::Greater => v > t,
            Operator::Less => v < t,
            Operator::Equal => v == t,
            Operator::NotEqual => v != t,
            Operator::GreaterEqual => v >= t,
            Operator::LessEqual => v <= t,
        }
    }
    pub(super) fn symbol(self) -> &'static str {
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
