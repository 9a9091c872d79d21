//! The administration tools: databases/buckets and retention policies (`manage-buckets`),
//! downsampling (`manage-downsampling`), users (`manage-users`) and tokens (`manage-tokens`).
//! Each is one call into `admin`/`access`, which call core; core applies the connection's
//! assistant policy for admin. Their router is added to the server's in `InfluxdeskMcp::new`.

use influxdesk_core::model::Actor;
use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::model::CallToolResult;
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};

use crate::params::{ManageBucketsParams, ManageBucketsResult};
use crate::server::{InfluxdeskMcp, actor, failed};
use crate::{access, admin};

#[tool_router(router = admin_router, vis = "pub(crate)")]
impl InfluxdeskMcp {
    /// Create, update (retention, description, shard group duration), delete or list databases
    /// (InfluxDB 1.x, 3.x) and buckets (2.x), and on 1.x list, create, update or delete a
    /// database's retention policies. On 1.x the retention is the default retention policy's;
    /// a setting the server cannot store (a description on 1.x) is reported in `notes`. Every
    /// change follows the connection's assistant policy for admin; delete removes all data.
    #[tool(
        name = "manage-buckets",
        annotations(
            title = "Manage buckets",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn manage_buckets(
        &self,
        params: Parameters<ManageBucketsParams>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<ManageBucketsResult>, CallToolResult> {
        self.manage(params.0, &actor(&rc))
            .await
            .map(Json)
            .map_err(failed)
    }

    /// Downsampling: InfluxDB 1.x continuous queries (list, create, drop) and `downsample`,
    /// which keeps an aggregate of fields every interval for a retention period by creating
    /// the retention policy and the continuous query together (preview first: it returns the
    /// exact statements and runs nothing; backfill also covers existing data; a failure
    /// leaves nothing half-done); InfluxDB 2.x tasks (list, enable, disable, run now, runs,
    /// logs); InfluxDB 3 processing-engine triggers (list). Changes follow the assistant
    /// policy for admin.
    #[tool(
        name = "manage-downsampling",
        annotations(
            title = "Manage downsampling",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn manage_downsampling(
        &self,
        params: Parameters<admin::ManageDownsamplingParams>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<admin::ManageDownsamplingResult>, CallToolResult> {
        admin::manage_downsampling(
            self.ctx(),
            &actor(&rc),
            self.profile().map(str::to_string),
            params.0,
        )
        .await
        .map(Json)
        .map_err(failed)
    }

    /// InfluxDB 1.x users and access: list users (admin flag and privileges per database),
    /// create a user, grant or revoke read/write/all on a database, grant or revoke admin
    /// rights (set_admin), delete a user. Passwords never pass through an assistant: create
    /// gives the user a random password nobody is told, which the user then sets in
    /// influxdesk. Every change follows the connection's assistant policy for administration
    /// (read-only refuses; ask shows the exact statement for approval).
    #[tool(
        name = "manage-users",
        annotations(
            title = "Manage users and access",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn manage_users(
        &self,
        params: Parameters<access::ManageUsersParams>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<access::ManageUsersResult>, CallToolResult> {
        access::manage_users(self.ctx(), &actor(&rc), self.profile(), params.0)
            .await
            .map(Json)
            .map_err(failed)
    }

    /// API tokens (InfluxDB 2.x and 3.x): list them with description, status and permissions
    /// (never their values), disable or enable one (2.x), delete one. create is refused: a
    /// new token's value must not pass through an assistant, so the user creates it in
    /// influxdesk (Admin > Tokens) or with `influxdesk token create`. Every change follows
    /// the connection's assistant policy for administration.
    #[tool(
        name = "manage-tokens",
        annotations(
            title = "Manage API tokens",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn manage_tokens(
        &self,
        params: Parameters<access::ManageTokensParams>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<access::ManageTokensResult>, CallToolResult> {
        access::manage_tokens(self.ctx(), &actor(&rc), self.profile(), params.0)
            .await
            .map(Json)
            .map_err(failed)
    }
}

impl InfluxdeskMcp {
    async fn manage(
        &self,
        p: ManageBucketsParams,
        who: &Actor,
    ) -> influxdesk_core::Result<ManageBucketsResult> {
        admin::manage_buckets(self.ctx(), who, self.profile().map(str::to_string), p).await
    }
}
