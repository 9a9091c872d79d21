//! `create-alerts`, `list-alerts`, `delete-alerts`, `test-alert-channel` and `get-metrics`: the
//! tools' parameters
//! (read leniently, so a wrong value is a clear `InvalidInput` naming what is accepted) onto
//! core's `api::alerts` and `api::metrics`, and their results back as the tools' structured
//! output. Core applies the assistant policy to create and delete; alerts are the connection's
//! (the session's profile), and a webhook or Slack URL's secret parts never reach a result.

use chrono::{DateTime, Utc};
use influxdesk_core::api::alerts::{
    self, AlertRule, CreateAlertReq, Notification, Operator, Severity, TestAlertReq, Threshold,
    ThresholdKind, redact_channel,
};
use influxdesk_core::api::metrics::{self, GetMetricsReq, MetricType, MetricsReport};
use influxdesk_core::api::profiles;
use influxdesk_core::model::{ApiKind, QueryLanguage};
use influxdesk_core::{Actor, Ctx, Error, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::params::*;

/// `value` as a lowercase string (what serde names an enum variant).
fn word<T: serde::Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// A JSON string (trimmed, lowercase, `-`/space as `_`), or an error naming `what`.
fn text_of(v: &Value, what: &str, accepted: &str) -> Result<String> {
    v.as_str()
        .map(|s| s.trim().to_ascii_lowercase().replace(['-', ' '], "_"))
        .ok_or_else(|| Error::invalid(format!("{what} must be a string: {accepted}")))
}

pub fn operator(v: &Value) -> Result<Operator> {
    const ACCEPTED: &str =
        "greater, less, equal, not_equal, greater_equal or less_equal (or >, <, ==, !=, >=, <=)";
    let s = text_of(v, "threshold.operator", ACCEPTED)?;
    Ok(match s.as_str() {
        "greater" | "greater_than" | "gt" | ">" => Operator::Greater,
        "less" | "less_than" | "lt" | "<" => Operator::Less,
        "equal" | "equals" | "eq" | "=" | "==" => Operator::Equal,
        "not_equal" | "ne" | "!=" | "<>" => Operator::NotEqual,
        "greater_equal" | "greater_or_equal" | "ge" | "gte" | ">=" => Operator::GreaterEqual,
        "less_equal" | "less_or_equal" | "le" | "lte" | "<=" => Operator::LessEqual,
        _ => {
            return Err(Error::invalid(format!(
                "threshold.operator \"{s}\" is not an operator: use {ACCEPTED}"
            )));
        }
    })
}

pub fn threshold_kind(v: Option<&Value>) -> Result<ThresholdKind> {
    const ACCEPTED: &str = "threshold, deadman, inside, outside or relative";
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(ThresholdKind::Threshold);
    };
    match text_of(v, "threshold.type", ACCEPTED)?.as_str() {
        "threshold" | "" => Ok(ThresholdKind::Threshold),
        "deadman" | "dead_man" => Ok(ThresholdKind::Deadman),
        "inside" | "inside_range" | "within" => Ok(ThresholdKind::Inside),
        "outside" | "outside_range" => Ok(ThresholdKind::Outside),
        "relative" | "change" | "relative_change" => Ok(ThresholdKind::Relative),
        s => Err(Error::invalid(format!(
            "threshold.type \"{s}\" is not a type: use {ACCEPTED}"
        ))),
    }
}

/// Severity words, leniently: info, warning/warn, critical/crit (any case).
pub fn severity(v: Option<&Value>) -> Result<Severity> {
    const ACCEPTED: &str = "info, warning (warn) or critical (crit)";
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(Severity::default());
    };
    match text_of(v, "notification.severity", ACCEPTED)?.as_str() {
        "info" | "information" | "informational" => Ok(Severity::Info),
        "warning" | "warn" | "" => Ok(Severity::Warning),
        "critical" | "crit" => Ok(Severity::Critical),
        s => Err(Error::invalid(format!(
            "notification.severity \"{s}\" is not a severity: use {ACCEPTED}"
        ))),
    }
}

fn number(v: &Value) -> Option<f64> {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        .filter(|n: &f64| n.is_finite())
}

/// A string or a list of strings (channels, alert names).
fn strings(v: Option<&Value>, what: &str) -> Result<Vec<String>> {
    let bad = || Error::invalid(format!("{what} must be a string or a list of strings"));
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.trim().to_string()]),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(|s| s.trim().to_string()).ok_or_else(bad))
            .collect(),
        Some(_) => Err(bad()),
    }
}

/// An optional number parameter, leniently (a number or a numeric string).
fn opt_number(v: Option<&Value>, what: &str) -> Result<Option<f64>> {
    match v.filter(|v| !v.is_null()) {
        None => Ok(None),
        Some(v) => number(v)
            .map(Some)
            .ok_or_else(|| Error::invalid(format!("{what} must be a number, not {v}"))),
    }
}

/// The condition, checked for what its type needs (core checks the rest: ranges in order,
/// warn before crit, a period that parses).
pub fn threshold_of(t: &ThresholdParams) -> Result<Threshold> {
    let kind = threshold_kind(t.kind.as_ref())?;
    let warn = opt_number(t.warn.as_ref(), "threshold.warn")?;
    let crit = opt_number(t.crit.as_ref(), "threshold.crit")?;
    let value = opt_number(t.value.as_ref(), "threshold.value")?;
    let op = t.operator.as_ref().filter(|v| !v.is_null());
    let operator = match (kind, op) {
        (_, Some(op)) => operator(op)?,
        (ThresholdKind::Threshold | ThresholdKind::Relative, None) => {
            return Err(Error::invalid(
                "threshold.operator is needed: greater, less, equal, not_equal, greater_equal \
                 or less_equal",
            ));
        }
        // Deadman and ranges do not compare with an operator.
        (_, None) => Operator::Greater,
    };
    if matches!(kind, ThresholdKind::Threshold | ThresholdKind::Relative)
        && value.is_none()
        && warn.is_none()
        && crit.is_none()
    {
        return Err(Error::invalid(
            "threshold.value is needed (the number the last value is compared with), or the \
             levels threshold.warn and threshold.crit",
        ));
    }
    let percent = match t.percent.as_ref().filter(|v| !v.is_null()) {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(v) => {
            return Err(Error::invalid(format!(
                "threshold.percent must be true or false, not {v}"
            )));
        }
    };
    Ok(Threshold {
        operator,
        value: value.unwrap_or(0.0),
        kind,
        warn,
        crit,
        low: opt_number(t.low.as_ref(), "threshold.low")?,
        high: opt_number(t.high.as_ref(), "threshold.high")?,
        period: t
            .period
            .as_deref()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty()),
        percent,
    })
}

/// The tool's parameters as core's request, checked. `api` is the connection's API when the
/// query's language has to come from it.
pub fn create_req(
    p: CreateAlertsParams,
    profile: Option<&str>,
    api: Option<ApiKind>,
) -> Result<CreateAlertReq> {
    let threshold = threshold_of(&p.threshold)?;
    let channels = strings(p.notification.channels.as_ref(), "notification.channels")?
        .into_iter()
        .filter(|c| !c.is_empty())
        .collect();
    let severity = severity(p.notification.severity.as_ref())?;
    // Whether the query only reads is core's to check (api::alerts::create), in the
    // language it will run in: the one named, or the one the query is in.
    let language = QueryLanguage::for_query(&p.query, p.language, api);
    Ok(CreateAlertReq {
        profile: profile.map(str::to_string),
        alert_name: p.alert_name,
        query: p.query,
        language,
        database: p
            .database
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty()),
        threshold,
        notification: Notification {
            channels,
            message: p.notification.message.unwrap_or_default(),
            severity,
        },
        every: p.every.filter(|s| !s.trim().is_empty()),
        for_duration: p.for_duration.filter(|s| !s.trim().is_empty()),
    })
}

pub fn info(r: AlertRule) -> AlertInfo {
    AlertInfo {
        alert_name: r.name,
        id: r.id,
        status: word(r.status),
        since: r.since,
        last_value: r.last_value,
        last_evaluation: r.last_eval,
        pending_since: r.pending_since,
        query: r.query,
        language: r.language,
        database: r.database,
        threshold: r.threshold,
        notification: NotificationInfo {
            channels: r
                .notification
                .channels
                .iter()
                .map(|c| redact_channel(c))
                .collect(),
            message: r.notification.message,
            severity: word(r.notification.severity),
        },
        every: r.every,
        for_duration: r.for_duration,
        enabled: r.enabled,
        series: r.series,
        silences: r.silences,
    }
}

pub const HISTORY: &str = "Each evaluation writes a point to the influxdesk_alerts measurement \
     of the alert's database (tags alert and status; fields level, value, transition, message): \
     query-data with SELECT * FROM influxdesk_alerts WHERE alert = '<name>' shows the history.";

/// `create-alerts`.
pub async fn create(
    ctx: &Ctx,
    actor: &Actor,
    profile: Option<&str>,
    api: Option<ApiKind>,
    p: CreateAlertsParams,
    now: DateTime<Utc>,
) -> Result<CreateAlertsResult> {
    let req = create_req(p, profile, api)?;
    let rule = alerts::create(ctx, actor, req, now).await?;
    let note = format!(
        "Evaluated every {} while the influxdesk app or `influxdesk serve` runs; it fires (status {}) when the \
         condition has held for {}, and each change of state goes to its channels. {HISTORY}",
        rule.every,
        match rule.notification.severity {
            Severity::Info => "info",
            Severity::Warning => "warn",
            Severity::Critical => "crit",
        },
        rule.for_duration,
    );
    Ok(CreateAlertsResult {
        alert: info(rule),
        note,
    })
}

/// The rules of the connection (the session's profile).
async fn rules(ctx: &Ctx, profile: Option<&str>) -> Result<Vec<AlertRule>> {
    let p = profiles::resolve(ctx, profile).await?;
    Ok(alerts::list(ctx)
        .await?
        .into_iter()
        .filter(|r| r.profile_id == p.id)
        .collect())
}

fn find<'a>(rules: &'a [AlertRule], name: &str) -> Option<&'a AlertRule> {
    rules
        .iter()
        .find(|r| r.name.eq_ignore_ascii_case(name) || r.id == name)
}

/// `list-alerts`.
pub async fn list(ctx: &Ctx, profile: Option<&str>, p: ListAlertsParams) -> Result<AlertList> {
    let all = rules(ctx, profile).await?;
    let wanted = p
        .alert_name
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    let alerts = match wanted {
        None => all.into_iter().map(info).collect(),
        Some(name) => vec![info(find(&all, &name).cloned().ok_or_else(|| {
            Error::NotFound(format!(
                "no alert named \"{name}\" on this connection: list-alerts without alert_name \
                 shows them all"
            ))
        })?)],
    };
    Ok(AlertList {
        alerts,
        history: HISTORY.into(),
        evaluator: alerts::evaluator_status(ctx)?.message,
    })
}

/// `delete-alerts`: every name must be an alert of the connection, else nothing is deleted.
pub async fn delete(
    ctx: &Ctx,
    actor: &Actor,
    profile: Option<&str>,
    p: DeleteAlertsParams,
) -> Result<DeleteAlertsResult> {
    let names: Vec<String> = strings(Some(&p.alert_name), "alert_name")?
        .into_iter()
        .filter(|n| !n.is_empty())
        .collect();
    if names.is_empty() {
        return Err(Error::invalid(
            "alert_name is needed: an alert's name or a list of names (list-alerts shows them)",
        ));
    }
    let all = rules(ctx, profile).await?;
    let mut targets: Vec<&AlertRule> = Vec::new();
    let mut missing = Vec::new();
    for n in &names {
        match find(&all, n) {
            Some(r) if !targets.iter().any(|t| t.id == r.id) => targets.push(r),
            Some(_) => {}
            None => missing.push(format!("\"{n}\"")),
        }
    }
    if !missing.is_empty() {
        return Err(Error::NotFound(format!(
            "no alert named {} on this connection, so nothing was deleted: list-alerts shows \
             the alerts",
            missing.join(", ")
        )));
    }
    let mut deleted = Vec::new();
    for r in targets {
        // By name (unique among all alerts): core names the event after what it is given.
        alerts::delete(ctx, actor, &r.name).await?;
        deleted.push(r.name.clone());
    }
    Ok(DeleteAlertsResult { deleted })
}

/// `test-alert-channel`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct TestAlertChannelParams {
    /// The alert whose channels get a test notification (list-alerts shows them).
    pub alert_name: String,
    /// Only this channel, exactly as list-alerts shows it (e.g.
    /// "slack:https://hooks.slack.com/…"); every channel of the alert when absent.
    #[serde(default)]
    pub channel: Option<String>,
}

/// What a test notification to one channel did.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ChannelTestInfo {
    /// The channel, without its secret parts.
    pub channel: String,
    /// Whether the channel took it (HTTP 2xx, or shown in the app for desktop).
    pub ok: bool,
    /// The HTTP status the endpoint answered; null when it did not answer or is not HTTP.
    pub status: Option<u16>,
    pub message: String,
}

/// What `test-alert-channel` sent.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TestAlertChannelResult {
    pub alert_name: String,
    pub channels: Vec<ChannelTestInfo>,
}

/// `test-alert-channel`: core's "send test notification" on an alert of the connection.
pub async fn test_channel(
    ctx: &Ctx,
    actor: &Actor,
    profile: Option<&str>,
    p: TestAlertChannelParams,
) -> Result<TestAlertChannelResult> {
    let all = rules(ctx, profile).await?;
    let name = p.alert_name.trim();
    let rule = find(&all, name).ok_or_else(|| {
        Error::NotFound(format!(
            "no alert named \"{name}\" on this connection: list-alerts shows the alerts"
        ))
    })?;
    let sent = alerts::test(
        ctx,
        actor,
        TestAlertReq {
            alert: rule.id.clone(),
            channel: p.channel,
        },
    )
    .await?;
    Ok(TestAlertChannelResult {
        alert_name: rule.name.clone(),
        channels: sent
            .into_iter()
            .map(|t| ChannelTestInfo {
                channel: t.channel,
                ok: t.ok,
                status: t.status,
                message: t.message,
            })
            .collect(),
    })
}

pub fn metric_type(v: Option<&Value>) -> Result<MetricType> {
    const ACCEPTED: &str = "system, database or query";
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(MetricType::System);
    };
    match text_of(v, "metric_type", ACCEPTED)?.as_str() {
        "system" | "" => Ok(MetricType::System),
        "database" | "databases" | "bucket" | "buckets" => Ok(MetricType::Database),
        "query" | "queries" => Ok(MetricType::Query),
        s => Err(Error::invalid(format!(
            "metric_type \"{s}\" is not a metric type: use {ACCEPTED}"
        ))),
    }
}

/// `get-metrics`.
pub async fn get_metrics(
    ctx: &Ctx,
    profile: Option<&str>,
    p: GetMetricsParams,
    now: DateTime<Utc>,
) -> Result<MetricsResult> {
    let req = GetMetricsReq {
        profile: profile.map(str::to_string),
        metric_type: metric_type(p.metric_type.as_ref())?,
        time_range: p.time_range.filter(|t| !t.trim().is_empty()),
    };
    Ok(report(metrics::get(ctx, req, now).await?))
}

fn report(r: MetricsReport) -> MetricsResult {
    MetricsResult {
        metric_type: word(r.metric_type),
        source: r.source,
        metrics: r
            .metrics
            .into_iter()
            .map(|m| MetricInfo {
                name: m.name,
                value: m.value,
                unit: m.unit,
                labels: m.labels,
            })
            .collect(),
    }
}

/// A number for people: integers without a fraction, others with up to three decimals.
fn show(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// The metrics as a compact aligned table: metric, labels, value, unit.
pub fn table(r: &MetricsResult) -> String {
    let rows: Vec<[String; 4]> = r
        .metrics
        .iter()
        .map(|m| {
            let labels = m
                .labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",");
            [m.name.clone(), labels, show(m.value), m.unit.clone()]
        })
        .collect();
    let head = ["metric", "labels", "value", "unit"].map(String::from);
    let mut w = head.clone().map(|h| h.chars().count());
    for row in &rows {
        for (i, c) in row.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    let line = |row: &[String; 4]| {
        let s = format!(
            "{:<a$}  {:<b$}  {:>c$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            a = w[0],
            b = w[1],
            c = w[2]
        );
        s.trim_end().to_string()
    };
    let mut out = format!("{} metrics from {}\n", r.metric_type, r.source);
    out.push_str(&line(&head));
    out.push('\n');
    for row in &rows {
        out.push_str(&line(row));
        out.push('\n');
    }
    if rows.is_empty() {
        out.push_str("(no metrics)\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn severities_are_read_leniently() {
        for (w, s) in [
            ("info", Severity::Info),
            ("warning", Severity::Warning),
            ("warn", Severity::Warning),
            ("WARN", Severity::Warning),
            ("critical", Severity::Critical),
            ("crit", Severity::Critical),
            (" Critical ", Severity::Critical),
        ] {
            assert_eq!(severity(Some(&json!(w))).unwrap(), s, "{w}");
        }
        assert_eq!(severity(None).unwrap(), Severity::Warning);
        let e = severity(Some(&json!("page me"))).unwrap_err();
        assert!(
            e.message()
                .contains("info, warning (warn) or critical (crit)")
        );
    }

    #[test]
    fn operators_and_types() {
        assert_eq!(operator(&json!("greater")).unwrap(), Operator::Greater);
        assert_eq!(operator(&json!("not_equal")).unwrap(), Operator::NotEqual);
        assert_eq!(
            operator(&json!("greater-equal")).unwrap(),
            Operator::GreaterEqual
        );
        assert_eq!(operator(&json!(">=")).unwrap(), Operator::GreaterEqual);
        assert!(operator(&json!("above")).is_err());
        assert!(operator(&json!(3)).is_err());
        assert_eq!(threshold_kind(None).unwrap(), ThresholdKind::Threshold);
        assert_eq!(
            threshold_kind(Some(&json!("deadman"))).unwrap(),
            ThresholdKind::Deadman
        );
        assert!(threshold_kind(Some(&json!("rate"))).is_err());
    }

    fn params(v: Value) -> CreateAlertsParams {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn create_params_become_cores_request() {
        let r = create_req(
            params(json!({
                "alert_name": "cpu", "query": "SELECT last(v) FROM cpu",
                "threshold": {"operator": "greater", "value": "80", "type": "threshold"},
                "notification": {"channels": "webhook:http://127.0.0.1:9/h", "message": "m",
                                 "severity": "crit"},
                "every": "30s", "for": "2m"
            })),
            Some("p"),
            Some(ApiKind::V1),
        )
        .unwrap();
        assert_eq!(r.threshold.value, 80.0);
        assert_eq!(r.notification.severity, Severity::Critical);
        assert_eq!(r.notification.channels, ["webhook:http://127.0.0.1:9/h"]);
        assert_eq!(
            (r.every.as_deref(), r.for_duration.as_deref()),
            (Some("30s"), Some("2m"))
        );
        assert_eq!(r.profile.as_deref(), Some("p"));

        let e = create_req(
            params(json!({"alert_name": "a", "query": "q", "threshold": {"value": 1}})),
            None,
            None,
        )
        .unwrap_err();
        assert!(e.message().contains("threshold.operator is needed"), "{e}");
        let d = create_req(
            params(json!({"alert_name": "a", "query": "SELECT v FROM m", "threshold": {"type": "deadman"}})),
            None,
            None,
        )
        .unwrap();
        assert_eq!(d.threshold.kind, ThresholdKind::Deadman);
        // Whether the query only reads is core's to say (api::alerts::create): the request
        // carries the language the rule will run in, detected here.
        let r = create_req(
            params(
                json!({"alert_name": "a", "query": "SELECT v INTO m2 FROM m",
                          "threshold": {"operator": "greater", "value": 1}}),
            ),
            None,
            Some(ApiKind::V1),
        )
        .unwrap();
        assert_eq!(r.language, Some(QueryLanguage::Influxql));
    }

    #[test]
    fn metrics_table() {
        let r = MetricsResult {
            metric_type: "query".into(),
            source: "influxdesk query history".into(),
            metrics: vec![MetricInfo {
                name: "latency_p50".into(),
                value: 12.5,
                unit: "ms".into(),
                labels: [("actor".to_string(), "all".to_string())].into(),
            }],
        };
        let t = table(&r);
        assert!(
            t.starts_with("query metrics from influxdesk query history\n"),
            "{t}"
        );
        assert!(t.contains("latency_p50  actor=all   12.5  ms"), "{t}");
    }
}

/// `backtest-alert`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct BacktestAlertParams {
    /// A saved alert of the connection (list-alerts shows them): backtest it as it is. Or
    /// leave it out and give the rule being written: query, threshold, every, for.
    #[serde(default)]
    pub alert_name: Option<String>,
    /// The rule's read-only query (as in create-alerts).
    #[serde(default)]
    pub query: Option<String>,
    /// The rule's condition (as in create-alerts).
    #[serde(default)]
    pub threshold: Option<ThresholdParams>,
    /// Only its severity matters here: the state a one-level condition fires at.
    #[serde(default)]
    pub notification: Option<NotificationParams>,
    /// How often the rule would be evaluated (default "1m").
    #[serde(default)]
    pub every: Option<String>,
    /// How long the condition must hold before firing (default "0s").
    #[serde(default, rename = "for")]
    pub for_duration: Option<String>,
    #[serde(default)]
    pub language: Option<QueryLanguage>,
    #[serde(default)]
    pub database: Option<String>,
    /// How far back to replay, e.g. "6h", "7d" (default "24h"). At most 720 instants are
    /// evaluated: a long range is stepped more coarsely than `every`, and the result says so.
    #[serde(default)]
    pub range: Option<String>,
}

/// `backtest-alert`: the rule run over past data, as the evaluator would have run it.
pub async fn backtest(
    ctx: &Ctx,
    profile: Option<&str>,
    api: Option<ApiKind>,
    p: BacktestAlertParams,
    now: DateTime<Utc>,
) -> Result<alerts::Backtest> {
    let alert = match p
        .alert_name
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        // Only the connection's own alerts.
        Some(name) => Some(
            find(&rules(ctx, profile).await?, name)
                .map(|r| r.id.clone())
                .ok_or_else(|| {
                    Error::NotFound(format!(
                        "no alert named \"{name}\" on this connection: list-alerts shows them"
                    ))
                })?,
        ),
        None => None,
    };
    let threshold = p.threshold.as_ref().map(threshold_of).transpose()?;
    let severity = severity(p.notification.as_ref().and_then(|n| n.severity.as_ref()))?;
    let language = p
        .query
        .as_deref()
        .and_then(|q| QueryLanguage::for_query(q, p.language, api));
    alerts::backtest(
        ctx,
        alerts::BacktestReq {
            profile: profile.map(str::to_string),
            alert,
            query: p.query,
            language,
            database: p.database,
            threshold,
            notification: Some(Notification {
                severity,
                ..Notification::default()
            }),
            every: p.every,
            for_duration: p.for_duration,
            range: p.range,
        },
        now,
    )
    .await
}
