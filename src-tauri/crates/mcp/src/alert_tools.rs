//! The alert tools: `create-alerts`, `list-alerts`, `backtest-alert`, `delete-alerts`,
//! `test-alert-channel` and `list-server-alerts` (a 2.x server's own checks and notification
//! rules), each one call into `alerts` or core's alert API. Their
//! router is added to the server's in `InfluxdeskMcp::new`.

use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::model::CallToolResult;
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};

use influxdesk_core::api::alerts::{ServerAlerting, ServerAlertingReq, server_alerting};

use crate::alerts;
use crate::params::*;
use crate::server::{InfluxdeskMcp, actor, failed};

#[tool_router(router = alert_router, vis = "pub(crate)")]
impl InfluxdeskMcp {
    /// Create an alert rule on the connection: its query's newest value is checked every
    /// `every` against the threshold (or, for type deadman, for missing data); once the
    /// condition has held for `for`, the alert enters the notification's severity (WARN,
    /// CRIT or INFO) and each change of state is sent to the channels. Every evaluation is
    /// recorded as a point in the database's `influxdesk_alerts` measurement. Rules are
    /// evaluated while the influxdesk app or `influxdesk serve` runs (one of them at a time).
    /// Channels: webhook, slack, teams, pagerduty, email (through the SMTP account the user
    /// set in influxdesk), desktop, or "history" alone (history only: record state changes,
    /// notify nobody). Channel URLs and the SMTP server must reach public addresses (the user
    /// can allow a private host); URLs and keys are kept in the OS keychain and shown without
    /// their path. Follows the connection's assistant policy (read-only refuses).
    #[tool(
        name = "create-alerts",
        annotations(
            title = "Create an alert",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn create_alerts(
        &self,
        params: Parameters<CreateAlertsParams>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<CreateAlertsResult>, CallToolResult> {
        let p = params.0;
        let api = self.api_for(&p.query, p.language.is_some()).await?;
        alerts::create(
            self.ctx(),
            &actor(&rc),
            self.profile(),
            api,
            p,
            chrono::Utc::now(),
        )
        .await
        .map(Json)
        .map_err(failed)
    }

    /// List the connection's alert rules with their state: status (unknown, ok, info, warn,
    /// crit), since when, the last value and when they were last evaluated, with their query,
    /// threshold, schedule and channels.
    #[tool(
        name = "list-alerts",
        annotations(
            title = "List alerts",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn list_alerts(
        &self,
        params: Parameters<ListAlertsParams>,
    ) -> Result<Json<AlertList>, CallToolResult> {
        alerts::list(self.ctx(), self.profile(), params.0)
            .await
            .map(Json)
            .map_err(failed)
    }

    /// Backtest an alert rule before saving it (or a saved one): run it over the last hours
    /// or days of real data exactly as the evaluator would have, instant by instant, one
    /// state per series, and report how often it would have fired (per level), every change
    /// of state and the firing windows. Only reads.
    #[tool(
        name = "backtest-alert",
        annotations(
            title = "Backtest an alert",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn backtest_alert(
        &self,
        params: Parameters<alerts::BacktestAlertParams>,
    ) -> Result<Json<influxdesk_core::api::alerts::Backtest>, CallToolResult> {
        let p = params.0;
        let api = match p.query.as_deref() {
            Some(q) => self.api_for(q, p.language.is_some()).await?,
            None => None,
        };
        alerts::backtest(self.ctx(), self.profile(), api, p, chrono::Utc::now())
            .await
            .map(Json)
            .map_err(failed)
    }

    /// Delete alert rules of the connection by name. Their recorded history stays in
    /// `influxdesk_alerts`. Follows the connection's assistant policy (read-only refuses).
    #[tool(
        name = "delete-alerts",
        annotations(
            title = "Delete alerts",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn delete_alerts(
        &self,
        params: Parameters<DeleteAlertsParams>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<DeleteAlertsResult>, CallToolResult> {
        alerts::delete(self.ctx(), &actor(&rc), self.profile(), params.0)
            .await
            .map(Json)
            .map_err(failed)
    }

    /// Send a test notification to an alert's channels (or to one of them) and report what
    /// each answered: the HTTP status of a webhook, Slack, Teams or PagerDuty channel, the SMTP
    /// server's reply for email, that the app showed it (desktop) or that nothing is sent
    /// (history only).
    /// It really sends (no change of the alert's state). Follows the connection's assistant
    /// policy like a change (read-only refuses).
    #[tool(
        name = "test-alert-channel",
        annotations(
            title = "Send a test notification",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn test_alert_channel(
        &self,
        params: Parameters<alerts::TestAlertChannelParams>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<alerts::TestAlertChannelResult>, CallToolResult> {
        alerts::test_channel(self.ctx(), &actor(&rc), self.profile(), params.0)
            .await
            .map(Json)
            .map_err(failed)
    }

    /// List the server's own alerting (InfluxDB 2.x): its checks (threshold, deadman) with
    /// their levels, status and last run, and its notification rules with the levels they
    /// send on. Only reads; InfluxDB 1.x and 3.x have none (an error says so).
    #[tool(
        name = "list-server-alerts",
        annotations(
            title = "List the server's checks and notification rules",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn list_server_alerts(
        &self,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<ServerAlerting>, CallToolResult> {
        let req = ServerAlertingReq {
            profile: self.profile().map(str::to_string),
        };
        server_alerting(self.ctx(), &actor(&rc), req)
            .await
            .map(Json)
            .map_err(failed)
    }
}
