//! The bodies of the notification services that are not plain webhooks: Microsoft Teams
//! (an incoming webhook's MessageCard) and PagerDuty Events API v2 (trigger on a firing state,
//! resolve on OK, one incident per rule and series through the dedup key). Not here: where
//! they go and under which address rules (that is `channels` and `send`).

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{AlertRule, AlertStatus, Evaluation, now_str};

/// Where PagerDuty events go.
pub(crate) const PAGERDUTY_ENQUEUE: &str = "https://events.pagerduty.com/v2/enqueue";
/// Overrides [`PAGERDUTY_ENQUEUE`], for tests against a local receiver only (documented in the
/// README; the address rules still apply).
pub(crate) const PAGERDUTY_URL_ENV: &str = "INFLUXDESK_PAGERDUTY_URL";

/// The PagerDuty endpoint events are sent to.
pub(crate) fn pagerduty_endpoint() -> String {
    std::env::var(PAGERDUTY_URL_ENV)
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| PAGERDUTY_ENQUEUE.to_string())
}

/// A PagerDuty routing key as given: 16 to 64 letters and digits (they are 32).
pub(crate) fn is_routing_key(k: &str) -> bool {
    (16..=64).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn upper(s: AlertStatus) -> String {
    s.as_str().to_uppercase()
}

/// A Teams incoming webhook's MessageCard: title, the message, a color per state, and facts.
pub(crate) fn teams_body(rule: &AlertRule, e: &Evaluation, now: DateTime<Utc>) -> Value {
    let color = match e.status {
        AlertStatus::Crit => "DC2626",
        AlertStatus::Warn => "E09A00",
        AlertStatus::Info => "2563EB",
        AlertStatus::Ok => "16A34A",
        AlertStatus::Unknown => "6B7280",
    };
    let title = format!("{} is {}", rule.name, upper(e.status));
    json!({
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": title,
        "themeColor": color,
        "title": title,
        "text": e.message,
        "sections": [{
            "facts": [
                {"name": "Series", "value": if e.series.is_empty() { "(all)" } else { &e.series }},
                {"name": "State", "value": format!("{} (was {})", upper(e.status), upper(e.previous))},
                {"name": "Value", "value": e.value.map_or("none".to_string(), |v| v.to_string())},
                {"name": "Time", "value": now_str(now)},
            ]
        }],
    })
}

/// A PagerDuty Events v2 event: `trigger` for a firing state (and for a test), `resolve` when
/// the series is OK again, keyed per rule and series so each series is one incident.
pub(crate) fn pagerduty_body(
    routing_key: &str,
    rule: &AlertRule,
    e: &Evaluation,
    now: DateTime<Utc>,
) -> Value {
    let test = !e.transition;
    let dedup_key = if test {
        format!("influxdesk:{}:test", rule.id)
    } else {
        format!("influxdesk:{}:{}", rule.id, e.series)
    };
    let action = if !test && e.status <= AlertStatus::Ok {
        "resolve"
    } else {
        "trigger"
    };
    let severity = match e.status {
        _ if test => "info",
        AlertStatus::Crit => "critical",
        AlertStatus::Warn => "warning",
        _ => "info",
    };
    let summary: String = e.message.chars().take(1024).collect();
    json!({
        "routing_key": routing_key,
        "event_action": action,
        "dedup_key": dedup_key,
        "payload": {
            "summary": summary,
            "source": "influxdesk",
            "severity": severity,
            "timestamp": now_str(now),
            "component": if e.series.is_empty() { rule.name.clone() } else { e.series.clone() },
            "custom_details": {
                "alert": rule.name,
                "series": e.series,
                "status": e.status,
                "previous": e.previous,
                "value": e.value,
            },
        },
    })
}
