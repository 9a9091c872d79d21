//! The dashboard annotation tools: `list-annotations` (read-only), `add-annotation` and
//! `remove-annotation` (changes of an app-kept object: core applies the assistant policy's
//! write level, and the app draws the change on every time chart cell at once). Each is one
//! `core::api::dashboards` call on the session's connection; their router is added to the
//! server's in `InfluxdeskMcp::new`.

use influxdesk_core::api::dashboards::{
    self, AddAnnotationReq, Annotation, Dashboard, DashboardReq, RemoveAnnotationReq,
};
use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::model::CallToolResult;
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::server::{InfluxdeskMcp, actor, failed};

/// Which dashboard.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct ListAnnotationsParams {
    /// The dashboard's name or id.
    pub dashboard: String,
}

/// A dashboard's annotations, oldest first.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ListAnnotationsResult {
    pub annotations: Vec<Annotation>,
}

/// A note at a time on a dashboard.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct AddAnnotationParams {
    /// The dashboard's name or id.
    pub dashboard: String,
    /// When, RFC 3339, e.g. 2026-11-30T12:00:00Z.
    pub time: String,
    /// What happened, one line of at most 200 characters (e.g. "deploy v2.3").
    pub text: String,
}

/// One annotation to remove.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct RemoveAnnotationParams {
    /// The dashboard's name or id.
    pub dashboard: String,
    /// The annotation's id (list-annotations gives them).
    pub annotation: String,
}

#[tool_router(router = dashboard_annotations_router, vis = "pub(crate)")]
impl InfluxdeskMcp {
    /// A dashboard's annotations (notes at times, drawn on every time chart cell): id, time
    /// (RFC 3339) and text, oldest first.
    #[tool(
        name = "list-annotations",
        annotations(
            title = "List a dashboard's annotations",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn list_annotations(
        &self,
        params: Parameters<ListAnnotationsParams>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<ListAnnotationsResult>, CallToolResult> {
        dashboards::list_annotations(
            self.ctx(),
            &actor(&rc),
            DashboardReq {
                profile: self.profile().map(str::to_string),
                dashboard: params.0.dashboard,
            },
        )
        .await
        .map(|annotations| Json(ListAnnotationsResult { annotations }))
        .map_err(failed)
    }

    /// Annotate a dashboard at a time (a deploy, an incident): drawn as a marker on every time
    /// chart cell; the user sees it at once. Returns the dashboard. Follows the connection's
    /// assistant policy for writes.
    #[tool(
        name = "add-annotation",
        annotations(
            title = "Annotate a dashboard",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn add_annotation(
        &self,
        params: Parameters<AddAnnotationParams>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<Dashboard>, CallToolResult> {
        let p = params.0;
        dashboards::add_annotation(
            self.ctx(),
            &actor(&rc),
            AddAnnotationReq {
                profile: self.profile().map(str::to_string),
                dashboard: p.dashboard,
                time: p.time,
                text: p.text,
            },
        )
        .await
        .map(Json)
        .map_err(failed)
    }

    /// Remove one annotation of a dashboard, by id. Returns the dashboard. Follows the
    /// connection's assistant policy for writes.
    #[tool(
        name = "remove-annotation",
        annotations(
            title = "Remove a dashboard annotation",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn remove_annotation(
        &self,
        params: Parameters<RemoveAnnotationParams>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<Dashboard>, CallToolResult> {
        let p = params.0;
        dashboards::remove_annotation(
            self.ctx(),
            &actor(&rc),
            RemoveAnnotationReq {
                profile: self.profile().map(str::to_string),
                dashboard: p.dashboard,
                annotation: p.annotation,
            },
        )
        .await
        .map(Json)
        .map_err(failed)
    }
}
