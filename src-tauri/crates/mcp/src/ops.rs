//! The Admin tools an assistant uses on the server itself: `health-check` and `list-queries`
//! (read-only),
//! `kill-query` and `delete-data` (destructive; core applies the assistant policy's admin
//! level; `delete-data` is a dry run unless told otherwise). Each is one `core::api::admin`
//! call; their router is added to the server's in `InfluxdeskMcp::new`.

use influxdesk_core::api::admin::delete::{self, DeleteDataReq, DeletePlan};
use influxdesk_core::api::admin::health::{self, HealthReport};
use influxdesk_core::api::admin::investigate::{self, DatabaseOverview, InvestigateReq};
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

/// No parameters: the connection's server.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct HealthCheckParams {}

/// What to delete.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct DeleteDataParams {
    /// The measurement (InfluxDB 3: table) to delete from.
    pub measurement: String,
    /// Database (1.x, 3.x) or bucket (2.x); the connection's default when absent.
    #[serde(default)]
    pub bucket: Option<String>,
    /// Tag comparisons, e.g. `host = "a" AND region != "eu"`: = and != against quoted values,
    /// AND/OR and parentheses (InfluxDB 2.x: AND only). Absent: every series.
    #[serde(default)]
    pub predicate: Option<String>,
    /// Start of the time range, RFC 3339 (inclusive). Absent: from the beginning.
    #[serde(default)]
    pub from: Option<String>,
    /// End of the time range, RFC 3339 (exclusive). Absent: to the end.
    #[serde(default)]
    pub to: Option<String>,
    /// Drop the whole measurement (no predicate or time range then). InfluxDB 3 deletes whole
    /// tables only.
    #[serde(default)]
    pub drop_measurement: bool,
    /// Default true: only report the statements and how many series and points would go.
    /// Set false to delete (asks the user under the "ask" policy, showing that report).
    #[serde(default)]
    pub dry_run: Option<bool>,
}

/// `investigate-database`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct InvestigateDatabaseParams {
    /// The database or bucket; the connection's default when absent.
    #[serde(default)]
    pub database: Option<String>,
    /// Newest rows to show per measurement (0 = none, the default; at most 20).
    #[serde(default)]
    pub sample_rows: Option<usize>,
    /// Measurements to describe (default 50, at most 200); the rest are counted.
    #[serde(default)]
    pub max_measurements: Option<usize>,
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
                all: false,
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

    /// Delete a measurement's points matching tag comparisons within a time range, or the
    /// whole measurement. A dry run by default: it returns the exact statements and how many
    /// series and points they would remove (InfluxDB 1.x: DELETE / DROP SERIES / DROP
    /// MEASUREMENT; 2.x: /api/v2/delete, uncounted; 3.x: table delete). Everything is checked
    /// first: the measurement exists, compared names are tags, values are quoted, times are
    /// RFC 3339. With dry_run false it deletes: an administration action that follows the
    /// connection's assistant policy (the user sees the statements and counts). Not undoable.
    #[tool(
        name = "delete-data",
        annotations(
            title = "Delete data",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn delete_data(
        &self,
        params: Parameters<DeleteDataParams>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<DeletePlan>, CallToolResult> {
        let p = params.0;
        delete::delete(
            self.ctx(),
            &actor(&rc),
            DeleteDataReq {
                profile: self.profile().map(str::to_string),
                database: p.bucket,
                measurement: p.measurement,
                predicate: p.predicate,
                from: p.from,
                to: p.to,
                drop_measurement: p.drop_measurement,
                dry_run: p.dry_run.unwrap_or(true),
            },
        )
        .await
        .map(Json)
        .map_err(failed)
    }

    /// A database at a glance, for a first look before writing queries: its measurements
    /// with their tag keys and field keys (with types), the query language the server speaks,
    /// and on request each measurement's newest rows (over the last 30 days). Bounded: at
    /// most 200 measurements and 20 rows each.
    #[tool(
        name = "investigate-database",
        annotations(
            title = "Investigate a database",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn investigate_database(
        &self,
        params: Parameters<InvestigateDatabaseParams>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<DatabaseOverview>, CallToolResult> {
        let p = params.0;
        investigate::investigate(
            self.ctx(),
            &actor(&rc),
            InvestigateReq {
                profile: self.profile().map(str::to_string),
                database: p.database,
                sample_rows: p.sample_rows,
                max_measurements: p.max_measurements,
            },
        )
        .await
        .map(Json)
        .map_err(failed)
    }

    /// Check the connection first: is the server reachable, which product and version, the
    /// /ping latency, whether the credentials work (and how many databases/buckets they
    /// see), and what influxdesk supports on this server kind. Problems are reported in the
    /// result with what to do, not as a failure.
    #[tool(
        name = "health-check",
        annotations(
            title = "Health check",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn health_check(
        &self,
        _params: Parameters<HealthCheckParams>,
    ) -> Result<Json<HealthReport>, CallToolResult> {
        health::check(self.ctx(), self.profile())
            .await
            .map(Json)
            .map_err(failed)
    }
}
