//! `influxdesk alert server-checks`: an InfluxDB 2.x server's own checks and notification
//! rules with their state, one `core::api::alerts::server_alerting` call.

use influxdesk_core::api::alerts::{self, ServerAlerting, ServerAlertingReq};
use influxdesk_core::{Actor, Ctx, Error, Result};

/// The checks and notification rules as text (or JSON).
pub async fn run(ctx: &Ctx, as_json: bool) -> Result<String> {
    let s = alerts::server_alerting(ctx, &Actor::User, ServerAlertingReq::default()).await?;
    if as_json {
        return serde_json::to_string_pretty(&s)
            .map(|s| s + "\n")
            .map_err(|e| Error::Internal(format!("could not encode the result: {e}")));
    }
    Ok(text(&s))
}

fn last_run(status: Option<&str>, error: Option<&str>, at: Option<&str>) -> String {
    match (status, at) {
        (None, _) => "never ran".into(),
        (Some(s), Some(t)) => format!(
            "last run {s} at {t}{}",
            error.map(|e| format!(": {e}")).unwrap_or_default()
        ),
        (Some(s), None) => format!("last run {s}"),
    }
}

fn text(s: &ServerAlerting) -> String {
    let mut out = format!("checks ({}):\n", s.checks.len());
    for c in &s.checks {
        out += &format!(
            "  {:<28} {:<9} {:<8} every {:<5} {}; {}\n",
            c.name,
            c.kind,
            c.status,
            c.every.as_deref().unwrap_or("-"),
            if c.levels.is_empty() {
                "no levels".to_string()
            } else {
                c.levels.join(", ")
            },
            last_run(
                c.last_run_status.as_deref(),
                c.last_run_error.as_deref(),
                c.latest_completed.as_deref()
            )
        );
    }
    out += &format!("notification rules ({}):\n", s.notification_rules.len());
    for r in &s.notification_rules {
        out += &format!(
            "  {:<28} {:<9} {:<8} every {:<5} on {}{}; {}\n",
            r.name,
            r.kind,
            r.status,
            r.every.as_deref().unwrap_or("-"),
            r.status_rules.join(", "),
            if r.tag_rules.is_empty() {
                String::new()
            } else {
                format!(" where {}", r.tag_rules.join(" and "))
            },
            last_run(
                r.last_run_status.as_deref(),
                r.last_run_error.as_deref(),
                r.latest_completed.as_deref()
            )
        );
    }
    out
}
