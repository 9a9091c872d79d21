//! The dashboard tools: `list-dashboards` and `get-dashboard` (read-only; the whole dashboard
//! as one PNG on request), `create-dashboard`, `add-cell` and `update-cell` (changes of
//! app-kept objects: core applies the assistant policy's write level, and the app shows the
//! change at once). Each is one `core::api::dashboards` call on the session's connection;
//! their router is added to the server's in `InfluxdeskMcp::new`.

use std::collections::BTreeMap;

use base64::Engine;
use influxdesk_core::api::dashboards::{
    self, AddCellReq, Cell, CreateDashboardReq, Dashboard, DashboardInfo, DashboardReq,
    ListDashboardsReq, NewCell, RenderDashboardReq, UpdateCellReq, Variable,
};
use influxdesk_core::chart::ChartSpec;
use influxdesk_core::model::{QueryLanguage, TimeRange};
use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::model::{CallToolResult, ContentBlock};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::server::{InfluxdeskMcp, actor, failed};

/// No parameters: the connection's dashboards.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct ListDashboardsParams {}

/// The connection's dashboards.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ListDashboardsResult {
    pub dashboards: Vec<DashboardInfo>,
}

/// Which dashboard, and whether to draw it.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct GetDashboardParams {
    /// The dashboard's name or id.
    pub dashboard: String,
    /// Also run every cell and return the whole dashboard as one PNG image, with each cell's
    /// numbers in text. Default false: only the definition (cells, variables, time range).
    #[serde(default)]
    pub image: bool,
    /// For the image: a range instead of the dashboard's, e.g. {"kind": "relative",
    /// "duration": "24h"}.
    #[serde(default)]
    pub time_range: Option<TimeRange>,
    /// For the image: variable values by name instead of the saved choices (a list of values
    /// for a multi-select variable).
    #[serde(default)]
    pub values: BTreeMap<String, influxdesk_core::api::dashboards::Choice>,
    /// For the image: width in pixels (default 1200).
    #[serde(default)]
    pub width: Option<u32>,
}

/// A new dashboard.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct CreateDashboardParams {
    /// Unique among the connection's dashboards.
    pub name: String,
    /// Default: the last hour, {"kind": "relative", "duration": "1h"}.
    #[serde(default)]
    pub time_range: Option<TimeRange>,
    /// Auto-refresh interval, e.g. "30s" (at least 5s); absent: off.
    #[serde(default)]
    pub refresh: Option<String>,
    /// Template variables, used in queries as ${name}: kind custom (values to choose from),
    /// constant (one value), query (the values of tag_key in measurement) or interval
    /// (durations such as 1m, written bare).
    #[serde(default)]
    pub variables: Vec<Variable>,
    /// Cells to start with; each is placed where it fits on the 12-column grid unless x/y
    /// are given.
    #[serde(default)]
    pub cells: Vec<NewCell>,
}

/// A cell to add to a dashboard.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct AddCellParams {
    /// The dashboard's name or id.
    pub dashboard: String,
    pub cell: NewCell,
}

/// A cell's changes: only the fields given change (moving and resizing are x, y, w, h).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct UpdateCellParams {
    /// The dashboard's name or id.
    pub dashboard: String,
    /// The cell's id (get-dashboard lists them).
    pub cell: String,
    #[serde(default)]
    pub title: Option<String>,
    /// The query text; ${name} inserts a variable, $timeFilter the time range.
    #[serde(default)]
    pub query: Option<String>,
    /// influxql, flux or sql.
    #[serde(default)]
    pub language: Option<QueryLanguage>,
    /// The database or bucket ("" for the connection's default).
    #[serde(default)]
    pub database: Option<String>,
    /// How to draw it: chart_type (line, area, step, bar, scatter, single_stat, gauge, table,
    /// histogram, heatmap), unit, decimals, y_min, y_max, bins...
    #[serde(default)]
    pub chart: Option<ChartSpec>,
    /// A time range of the cell's own.
    #[serde(default)]
    pub time_range: Option<TimeRange>,
    /// True: the cell follows the dashboard's time range again.
    #[serde(default)]
    pub clear_time_range: bool,
    /// Note cells: the markdown text.
    #[serde(default)]
    pub note: Option<String>,
    /// Column of the left edge, 0..11.
    #[serde(default)]
    pub x: Option<u32>,
    /// Row of the top edge.
    #[serde(default)]
    pub y: Option<u32>,
    /// Width in columns, 1..12 (x + w at most 12).
    #[serde(default)]
    pub w: Option<u32>,
    /// Height in rows.
    #[serde(default)]
    pub h: Option<u32>,
}

#[tool_router(router = dashboards_router, vis = "pub(crate)")]
impl InfluxdeskMcp {
    /// List the dashboards influxdesk keeps for this connection: name, id, number of cells and
    /// variables, last change. The user sees the same list in the app's Dashboards screen.
    #[tool(
        name = "list-dashboards",
        annotations(
            title = "List dashboards",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn list_dashboards(
        &self,
        _params: Parameters<ListDashboardsParams>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<ListDashboardsResult>, CallToolResult> {
        dashboards::list(
            self.ctx(),
            &actor(&rc),
            ListDashboardsReq {
                profile: self.profile().map(str::to_string),
            },
        )
        .await
        .map(|dashboards| Json(ListDashboardsResult { dashboards }))
        .map_err(failed)
    }

    /// A dashboard's definition: time range, auto-refresh, variables and cells (id, title,
    /// grid position x/y/w/h on 12 columns, query, language, database, chart spec, own time
    /// range, note). With image true it also runs every cell (only reads) and returns the
    /// whole dashboard as one PNG, cells where the grid has them, and each cell's numbers
    /// (series, min, max, mean, last) or error as text.
    #[tool(
        name = "get-dashboard",
        annotations(
            title = "Get a dashboard",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn get_dashboard(
        &self,
        params: Parameters<GetDashboardParams>,
        rc: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, CallToolResult> {
        let p = params.0;
        let who = actor(&rc);
        let profile = self.profile().map(str::to_string);
        let d: Dashboard = dashboards::get(
            self.ctx(),
            &who,
            DashboardReq {
                profile: profile.clone(),
                dashboard: p.dashboard.clone(),
            },
        )
        .await
        .map_err(failed)?;
        let value = serde_json::to_value(&d).map_err(|e| {
            failed(influxdesk_core::Error::Internal(format!(
                "could not encode the dashboard: {e}"
            )))
        })?;
        let mut out = CallToolResult::structured(value);
        if p.image {
            let png = dashboards::render_png(
                self.ctx(),
                &who,
                RenderDashboardReq {
                    profile,
                    dashboard: d.id.clone(),
                    time_range: p.time_range,
                    values: p.values,
                    width: p.width,
                    row_height: None,
                    theme: None,
                },
            )
            .await
            .map_err(failed)?;
            let b64 = base64::engine::general_purpose::STANDARD.encode(&png.png);
            out.content.push(ContentBlock::image(b64, "image/png"));
            out.content.push(ContentBlock::text(png.text));
        }
        Ok(out)
    }

    /// Create a dashboard on this connection, optionally with variables and cells; the user
    /// sees it appear in the app. A change kept by influxdesk: follows the connection's
    /// assistant policy for writes (asks the user under "ask", showing every cell's query).
    #[tool(
        name = "create-dashboard",
        annotations(
            title = "Create a dashboard",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn create_dashboard(
        &self,
        params: Parameters<CreateDashboardParams>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<Dashboard>, CallToolResult> {
        let p = params.0;
        dashboards::create(
            self.ctx(),
            &actor(&rc),
            CreateDashboardReq {
                profile: self.profile().map(str::to_string),
                name: p.name,
                time_range: p.time_range,
                refresh: p.refresh,
                variables: p.variables,
                cells: p.cells,
            },
        )
        .await
        .map(Json)
        .map_err(failed)
    }

    /// Add a cell to a dashboard: a query (InfluxQL, Flux or SQL; ${name} inserts a variable,
    /// $timeFilter the dashboard's range) drawn as a chart, or a markdown note. Placed where it
    /// fits unless x/y are given. Follows the connection's assistant policy for writes.
    #[tool(
        name = "add-cell",
        annotations(
            title = "Add a dashboard cell",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn add_cell(
        &self,
        params: Parameters<AddCellParams>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<Cell>, CallToolResult> {
        let p = params.0;
        dashboards::add_cell(
            self.ctx(),
            &actor(&rc),
            AddCellReq {
                profile: self.profile().map(str::to_string),
                dashboard: p.dashboard,
                cell: p.cell,
            },
        )
        .await
        .map(Json)
        .map_err(failed)
    }

    /// Change a dashboard cell: title, query, language, database, chart, own time range, note,
    /// or its place and size on the grid. Only the fields given change; the result is checked
    /// whole (the cell stays inside the 12 columns). Follows the connection's assistant policy
    /// for writes.
    #[tool(
        name = "update-cell",
        annotations(
            title = "Change a dashboard cell",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn update_cell(
        &self,
        params: Parameters<UpdateCellParams>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<Cell>, CallToolResult> {
        let p = params.0;
        dashboards::update_cell(
            self.ctx(),
            &actor(&rc),
            UpdateCellReq {
                profile: self.profile().map(str::to_string),
                dashboard: p.dashboard,
                cell: p.cell,
                title: p.title,
                query: p.query,
                language: p.language,
                database: p.database,
                chart: p.chart,
                time_range: p.time_range,
                clear_time_range: p.clear_time_range,
                note: p.note,
                x: p.x,
                y: p.y,
                w: p.w,
                h: p.h,
            },
        )
        .await
        .map(Json)
        .map_err(failed)
    }
}
