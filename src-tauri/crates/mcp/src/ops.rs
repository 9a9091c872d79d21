//! The Admin tools an assistant uses on the server itself: `list-queries` (read-only) and
//! `kill-query` (destructive; core applies the assistant policy's admin level). Each is one
//! `core::api::admin` call; their router is added to the server's in `InfluxdeskMcp::new`.

use influxdesk_core::api::admin::queries::{self, KillQueryReq, ListQueriesReq, RunningQuery};
use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::model::CallToolResult;
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::server::{InfluxdeskMcp, actor, failed};

/// No parameters: the connection's server.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct ListQueriesParams {}

/// The server's running queries.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ListQueriesResult {
    /// Longest-running first (1.x) or newest first (3.x), without the listing itself.
    pub queries: Vec<RunningQuery>,
}

/// Which query to stop.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct KillQueryParams {
    /// The query's id from list-queries (on InfluxDB 1.x the qid number, e.g. "42").
    pub id: String,
}

/// The query that was stopped.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct KillQueryResult {
    /// The query as it was listed just before it was stopped.
    pub killed: RunningQuery,
}

#[tool_router(router = ops_router, vis = "pub(crate)")]
impl InfluxdeskMcp {
    /// List the queries the connection's server runs now: id, how long it has run, database,
    /// status and text (InfluxDB 1.x SHOW QUERIES; 3.x system.queries). InfluxDB 2.x has no
    /// such API and says so.
    #[tool(
        name = "list-queries",
        annotations(
            title = "List running queries",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn list_queries(
        &self,
        _params: Parameters<ListQueriesParams>,
    ) -> Result<Json<ListQueriesResult>, CallToolResult> {
        queries::list(
            self.ctx(),
            ListQueriesReq {
                profile: self.profile().map(str::to_string),
            },
        )
        .await
        .map(|queries| Json(ListQueriesResult { queries }))
        .map_err(failed)
    }

    /// Stop a running query by its id from list-queries (InfluxDB 1.x KILL QUERY); its client
    /// gets "query interrupted". InfluxDB 3 Core and 2.x cannot stop another client's query and
    /// say so. An administration action: follows the connection's assistant policy (asks the
    /// user under "ask", showing the query).
    #[tool(
        name = "kill-query",
        annotations(
            title = "Kill a running query",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn kill_query(
        &self,
        params: Parameters<KillQueryParams>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<KillQueryResult>, CallToolResult> {
        queries::kill(
            self.ctx(),
            &actor(&rc),
            KillQueryReq {
                profile: self.profile().map(str::to_string),
                id: params.0.id,
            },
        )
        .await
        .map(|killed| Json(KillQueryResult { killed }))
        .map_err(failed)
    }
}
