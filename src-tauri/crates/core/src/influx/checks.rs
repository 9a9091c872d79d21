//! The alerting of an InfluxDB 2.x server itself: its checks (`/api/v2/checks`: threshold,
//! deadman and custom checks, each run by a task) and its notification rules
//! (`/api/v2/notificationRules`: which check levels go to which endpoint), read as the v2 OSS
//! spec documents them, with each one's state: active or inactive, and how its last run went.

use reqwest::Method;
use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

use super::{Client, json_body};
use crate::error::Result;

/// A 2.x check.
#[derive(Debug, Clone, Default, PartialEq, Serialize, schemars::JsonSchema, TS)]
#[ts(export)]
pub struct ServerCheck {
    pub id: String,
    pub name: String,
    /// threshold, deadman or custom.
    pub kind: String,
    /// "active" or "inactive".
    pub status: String,
    pub every: Option<String>,
    pub description: Option<String>,
    /// The levels it checks, e.g. "CRIT above 90", "WARN outside 10..80", "CRIT no data for 5m".
    pub levels: Vec<String>,
    /// "success", "failed" or "canceled".
    pub last_run_status: Option<String>,
    pub last_run_error: Option<String>,
    /// RFC 3339.
    pub latest_completed: Option<String>,
}

/// A 2.x notification rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, schemars::JsonSchema, TS)]
#[ts(export)]
pub struct ServerNotificationRule {
    pub id: String,
    pub name: String,
    /// The endpoint kind: slack, pagerduty, http, telegram...
    pub kind: String,
    /// "active" or "inactive".
    pub status: String,
    pub every: Option<String>,
    pub endpoint_id: String,
    /// Which changes notify, e.g. "ANY -> CRIT", "CRIT".
    pub status_rules: Vec<String>,
    /// Which series, e.g. "host == web-01".
    pub tag_rules: Vec<String>,
    pub last_run_status: Option<String>,
    pub last_run_error: Option<String>,
    pub latest_completed: Option<String>,
}

fn s(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
}

fn num(v: &Value, k: &str) -> String {
    v.get(k)
        .and_then(Value::as_f64)
        .map_or("?".into(), |n| n.to_string())
}

/// One threshold of a check in words.
fn level_of(t: &Value) -> String {
    let level = s(t, "level").unwrap_or_else(|| "?".into());
    let what = match s(t, "type").as_deref() {
        Some("greater") => format!("above {}", num(t, "value")),
        Some("lesser") => format!("below {}", num(t, "value")),
        Some("range") => {
            let within = t.get("within").and_then(Value::as_bool).unwrap_or(false);
            format!(
                "{} {}..{}",
                if within { "inside" } else { "outside" },
                num(t, "min"),
                num(t, "max")
            )
        }
        Some(other) => other.to_string(),
        None => "?".into(),
    };
    format!("{level} {what}")
}

fn check_of(v: &Value) -> ServerCheck {
    let kind = s(v, "type").unwrap_or_else(|| "custom".into());
    let levels = match kind.as_str() {
        "deadman" => vec![format!(
            "{} no data for {}",
            s(v, "level").unwrap_or_else(|| "CRIT".into()),
            s(v, "timeSince").unwrap_or_else(|| "?".into())
        )],
        _ => v
            .get("thresholds")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(level_of)
            .collect(),
    };
    ServerCheck {
        id: s(v, "id").unwrap_or_default(),
        name: s(v, "name").unwrap_or_default(),
        kind,
        status: s(v, "status").unwrap_or_else(|| "active".into()),
        every: s(v, "every"),
        description: s(v, "description").filter(|d| !d.is_empty()),
        levels,
        last_run_status: s(v, "lastRunStatus"),
        last_run_error: s(v, "lastRunError").filter(|e| !e.is_empty()),
        latest_completed: s(v, "latestCompleted"),
    }
}

fn rule_of(v: &Value) -> ServerNotificationRule {
    let list = |k: &str, f: &dyn Fn(&Value) -> String| -> Vec<String> {
        v.get(k)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(f)
            .collect()
    };
    ServerNotificationRule {
        id: s(v, "id").unwrap_or_default(),
        name: s(v, "name").unwrap_or_default(),
        kind: s(v, "type").unwrap_or_default(),
        status: s(v, "status").unwrap_or_else(|| "active".into()),
        every: s(v, "every"),
        endpoint_id: s(v, "endpointID").unwrap_or_default(),
        status_rules: list("statusRules", &|r| match s(r, "previousLevel") {
            Some(p) => format!(
                "{p} -> {}",
                s(r, "currentLevel").unwrap_or_else(|| "?".into())
            ),
            None => s(r, "currentLevel").unwrap_or_else(|| "?".into()),
        }),
        tag_rules: list("tagRules", &|r| {
            let op = match s(r, "operator").as_deref() {
                Some("notequal") => "!=",
                Some("equalregex") => "=~",
                Some("notequalregex") => "!~",
                _ => "==",
            };
            format!(
                "{} {op} {}",
                s(r, "key").unwrap_or_default(),
                s(r, "value").unwrap_or_default()
            )
        }),
        last_run_status: s(v, "lastRunStatus"),
        last_run_error: s(v, "lastRunError").filter(|e| !e.is_empty()),
        latest_completed: s(v, "latestCompleted"),
    }
}

/// Most items read of each list (pages of 100).
const MAX_ITEMS: usize = 5_000;

impl Client {
    /// Every page of a 2.x list under `key`.
    async fn v2_pages(&self, path: &str, key: &str, what: &str) -> Result<Vec<Value>> {
        let org_id = self.v2_org_id().await?;
        let mut out: Vec<Value> = Vec::new();
        loop {
            let rb = self.request(Method::GET, path).query(&[
                ("orgID", org_id.clone()),
                ("limit", "100".to_string()),
                ("offset", out.len().to_string()),
            ]);
            let v = json_body(self.check(self.send(rb, what).await?, what).await?).await?;
            let page: Vec<Value> = v
                .get(key)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let n = page.len();
            out.extend(page);
            if n < 100 || out.len() >= MAX_ITEMS {
                return Ok(out);
            }
        }
    }

    /// The organization's checks.
    pub async fn v2_checks(&self) -> Result<Vec<ServerCheck>> {
        let all = self
            .v2_pages("/api/v2/checks", "checks", "listing checks")
            .await?;
        Ok(all.iter().map(check_of).collect())
    }

    /// The organization's notification rules.
    pub async fn v2_notification_rules(&self) -> Result<Vec<ServerNotificationRule>> {
        let all = self
            .v2_pages(
                "/api/v2/notificationRules",
                "notificationRules",
                "listing notification rules",
            )
            .await?;
        Ok(all.iter().map(rule_of).collect())
    }
}
