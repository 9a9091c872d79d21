//! The server's own alerting, where it has one: an InfluxDB 2.x server's checks and
//! notification rules, listed with their state (active or inactive, and how the last run
//! went). InfluxDB 1.x (Kapacitor is a separate server) and 3.x have none to list.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::api::admin::client_for;
use crate::api::{Ctx, policy};
use crate::error::Result;
pub use crate::influx::checks::{ServerCheck, ServerNotificationRule};
use crate::model::{Actor, ApiKind};

/// Whose server alerting to list.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct ServerAlertingReq {
    /// Profile id or name (an InfluxDB 2.x one); the active profile when absent.
    pub profile: Option<String>,
}

/// A 2.x server's checks and notification rules.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema, TS)]
#[ts(export)]
pub struct ServerAlerting {
    pub checks: Vec<ServerCheck>,
    pub notification_rules: Vec<ServerNotificationRule>,
}

/// List a 2.x server's checks and notification rules, by name.
pub async fn server_alerting(
    ctx: &Ctx,
    actor: &Actor,
    req: ServerAlertingReq,
) -> Result<ServerAlerting> {
    let (p, c) = client_for(
        ctx,
        req.profile.as_deref(),
        ApiKind::V2,
        "checks and notification rules",
    )
    .await?;
    policy::check_read(
        ctx,
        actor,
        &p,
        "list the server's checks and notification rules",
    )
    .await?;
    let (mut checks, mut notification_rules) =
        tokio::try_join!(c.v2_checks(), c.v2_notification_rules())?;
    checks.sort_by(|a, b| a.name.cmp(&b.name));
    notification_rules.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(ServerAlerting {
        checks,
        notification_rules,
    })
}
