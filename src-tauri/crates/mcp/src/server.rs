//! The MCP server: one [`InfluxdeskMcp`] per client connection, over the shared core [`Ctx`].
//! Every tool is a thin shell: it names the actor (`Actor::Assistant` with the client's name
//! from `initialize`), calls one core function, and maps the result: structured output for
//! data, `isError` results reading `"<Code>: <message>"` for failures. Resources show the
//! current connection (without secrets) and its buckets; prompts carry query and line protocol
//! help.

use std::sync::Arc;

use base64::Engine as _;
use influxdesk_core::api::{activity, buckets, policy, profiles, schema};
use influxdesk_core::model::{Actor, ProfileSource, SchemaReq};
use influxdesk_core::{Ctx, Error};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, GetPromptRequestParams,
    GetPromptResponse, GetPromptResult, Implementation, ListPromptsResult,
    ListResourceTemplatesResult, ListResourcesResult, PaginatedRequestParams, PromptMessage,
    ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Resource,
    ResourceContents, ResourceTemplate, Role, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler, tool, tool_handler, tool_router};
use serde_json::json;

use crate::data::{self, ApiCache};
use crate::params::*;
use crate::{alerts, metrics, prompts};

/// What one client connection works on.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Session {
    /// The profile (id or name) this session uses; the active profile (the one the app shows)
    /// when absent.
    #[serde(default)]
    pub profile: Option<String>,
}

pub const CONNECTION_URI: &str = "influxdesk://connection";
pub const BUCKETS_URI: &str = "influxdesk://buckets";
const MEASUREMENTS_TEMPLATE: &str = "influxdesk://buckets/{bucket}/measurements";

/// The influxdesk MCP server for one client connection.
#[derive(Clone)]
pub struct InfluxdeskMcp {
    ctx: Arc<Ctx>,
    session: Session,
    api: Arc<ApiCache>,
    tool_router: ToolRouter<Self>,
}

/// A core failure as a tool error the assistant reads: `"<Code>: <message>"`.
pub(crate) fn failed(e: Error) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(format!(
        "{}: {}",
        e.code(),
        e.message()
    ))])
}

/// The acting assistant: the MCP client's name from `initialize` (or the request's metadata).
pub(crate) fn actor(rc: &RequestContext<RoleServer>) -> Actor {
    let client = rc
        .client_info()
        .map(|i| i.name)
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "unnamed MCP client".into());
    Actor::Assistant { client }
}

#[tool_router]
impl InfluxdeskMcp {
    pub fn new(ctx: Arc<Ctx>, session: Session) -> Self {
        InfluxdeskMcp {
            ctx,
            session,
            api: Arc::default(),
            tool_router: Self::tool_router()
                + Self::admin_router()
                + Self::alert_router()
                + Self::ops_router()
                + Self::dashboards_router()
                + Self::dashboard_annotations_router(),
        }
    }

    /// The tools as `tools/list` shows them.
    pub fn tools(&self) -> Vec<rmcp::model::Tool> {
        self.tool_router.list_all()
    }

    pub(crate) fn profile(&self) -> Option<&str> {
        self.session.profile.as_deref()
    }

    pub(crate) fn ctx(&self) -> &Ctx {
        &self.ctx
    }

    /// Write points to a database/bucket: one point from measurement, tags, fields and
    /// timestamp, and/or a batch in `points`. The batch is checked whole before anything is
    /// sent: each point needs a measurement and at least one field, timestamps are RFC 3339,
    /// and a value must have the type its field already has. If the server still stores only
    /// part of it (e.g. points outside the retention period), the result says how many
    /// landed, how many did not and why, in the server's words. Not idempotent: a point
    /// without a timestamp gets the server's clock, so sending it again stores it twice (with
    /// a timestamp, a resend overwrites the same point). Follows the connection's assistant
    /// policy (read-only refuses).
    #[tool(
        name = "write-metrics",
        annotations(
            title = "Write metrics",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn write_metrics(
        &self,
        params: Parameters<WriteMetricsParams>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<WriteMetricsResult>, CallToolResult> {
        metrics::write_metrics(&self.ctx, &actor(&rc), self.profile(), params.0)
            .await
            .map(Json)
            .map_err(failed)
    }

    /// Run a query (InfluxQL, Flux or SQL) over a time range and return its rows as json, csv
    /// or an aligned table. Rows are capped by limit, and the result says when it cut. Only
    /// reads, under every assistant policy: a statement that writes or changes the server
    /// (SELECT INTO, DELETE, DROP, CREATE, Flux to() or http) is refused; write with
    /// write-metrics and manage databases with manage-buckets.
    #[tool(
        name = "query-data",
        output_schema = rmcp::handler::server::tool::schema_for_output::<QueryDataResult>(),
        annotations(
            title = "Query data",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn query_data(
        &self,
        params: Parameters<QueryDataParams>,
        rc: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, CallToolResult> {
        let p = params.0;
        let api = self.api_for(&p.query, p.language.is_some()).await?;
        let format = p.format.unwrap_or_default();
        let r = data::query_data(&self.ctx, &actor(&rc), self.profile(), api, p)
            .await
            .map_err(failed)?;
        // The text a person would read (csv, table); the structured result carries the same.
        let text = (format != DataFormat::Json).then(|| match &r.note {
            Some(note) => format!("{}\nnote: {note}\n", r.text.as_deref().unwrap_or_default()),
            None => r.text.clone().unwrap_or_default(),
        });
        let mut out = CallToolResult::structured(r.into_value());
        if let Some(text) = text {
            out.content = vec![ContentBlock::text(text)];
        }
        Ok(out)
    }

    /// List the measurements of a database/bucket.
    #[tool(
        name = "list-measurements",
        annotations(
            title = "List measurements",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn list_measurements(
        &self,
        params: Parameters<ListMeasurementsParams>,
    ) -> Result<Json<MeasurementList>, CallToolResult> {
        let p = params.0;
        let bucket = self.bucket(p.bucket).await.map_err(failed)?;
        let req = SchemaReq {
            profile: self.session.profile.clone(),
            database: Some(bucket.clone()),
            limit: p.limit,
            ..SchemaReq::default()
        };
        let measurements = schema::measurements(&self.ctx, req).await.map_err(failed)?;
        Ok(Json(MeasurementList {
            bucket,
            measurements,
        }))
    }

    /// Describe a measurement: its tag keys, and its field keys with their types (float,
    /// integer, unsigned, string, boolean).
    #[tool(
        name = "describe-measurement",
        annotations(
            title = "Describe a measurement",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn describe_measurement(
        &self,
        params: Parameters<DescribeMeasurementParams>,
    ) -> Result<Json<MeasurementSchema>, CallToolResult> {
        let p = params.0;
        let bucket = self.bucket(p.bucket).await.map_err(failed)?;
        let req = SchemaReq {
            profile: self.session.profile.clone(),
            database: Some(bucket.clone()),
            measurement: Some(p.measurement.clone()),
            ..SchemaReq::default()
        };
        let tag_keys = schema::tag_keys(&self.ctx, req.clone())
            .await
            .map_err(failed)?;
        let field_keys = schema::field_keys(&self.ctx, req).await.map_err(failed)?;
        if tag_keys.is_empty() && field_keys.is_empty() {
            return Err(failed(Error::NotFound(format!(
                "no measurement \"{}\" in \"{bucket}\": list-measurements shows what there is",
                p.measurement
            ))));
        }
        Ok(Json(MeasurementSchema {
            bucket,
            measurement: p.measurement,
            tag_keys,
            field_keys: field_keys
                .into_iter()
                .map(|f| FieldInfo {
                    name: f.name,
                    kind: serde_json::to_value(f.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_else(|| "unknown".into()),
                })
                .collect(),
        }))
    }

    /// Run a read-only query and draw its result as the app would: a PNG image (line, area,
    /// step, bar, scatter, single_stat, gauge, table, histogram or heatmap) plus a text summary of every series
    /// (points, min, max, mean, last).
    #[tool(
        name = "render-chart",
        annotations(
            title = "Render a chart",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn render_chart(
        &self,
        params: Parameters<RenderChartParams>,
        rc: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, CallToolResult> {
        let p = params.0;
        let api = self.api_for(&p.query, p.language.is_some()).await?;
        let (png, summary) = data::render_chart(&self.ctx, &actor(&rc), self.profile(), api, p)
            .await
            .map_err(failed)?;
        let b64 = base64::engine::general_purpose::STANDARD.encode(png);
        Ok(CallToolResult::success(vec![
            ContentBlock::image(b64, "image/png"),
            ContentBlock::text(summary),
        ]))
    }

    /// Metrics of the connection's server and of influxdesk itself. system: server memory,
    /// goroutines, HTTP requests, writes, queries (InfluxDB 1.x SHOW STATS and SHOW
    /// DIAGNOSTICS; 2.x/3.x /metrics). database: per database/bucket measurements, series
    /// cardinality, disk size. query: influxdesk's own query log over time_range: queries,
    /// errors, p50/p99 latency and rows, for all, the user and the assistant.
    #[tool(
        name = "get-metrics",
        output_schema = rmcp::handler::server::tool::schema_for_output::<MetricsResult>(),
        annotations(
            title = "Get metrics",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn get_metrics(
        &self,
        params: Parameters<GetMetricsParams>,
    ) -> Result<CallToolResult, CallToolResult> {
        let r = alerts::get_metrics(&self.ctx, self.profile(), params.0, chrono::Utc::now())
            .await
            .map_err(failed)?;
        let text = alerts::table(&r);
        let value = serde_json::to_value(&r).map_err(|e| failed(Error::Internal(e.to_string())))?;
        let mut out = CallToolResult::structured(value);
        // The table a person would read; the structured result carries the numbers.
        out.content = vec![ContentBlock::text(text)];
        Ok(out)
    }
}

impl InfluxdeskMcp {
    /// The profile's API when the language must come from it.
    pub(crate) async fn api_for(
        &self,
        query: &str,
        named: bool,
    ) -> Result<Option<influxdesk_core::model::ApiKind>, CallToolResult> {
        if named || influxdesk_core::model::QueryLanguage::looks_like_flux(query) {
            return Ok(None);
        }
        self.api
            .api(&self.ctx, self.profile())
            .await
            .map_err(failed)
    }

    /// The bucket named, or the connection's default.
    async fn bucket(&self, named: Option<String>) -> influxdesk_core::Result<String> {
        if let Some(b) = named
            .map(|b| b.trim().to_string())
            .filter(|b| !b.is_empty())
        {
            return Ok(b);
        }
        let p = profiles::resolve(&self.ctx, self.profile()).await?;
        p.database.ok_or_else(|| {
            Error::invalid(format!(
                "connection \"{}\" has no default database/bucket: pass bucket \
                 (manage-buckets with action list shows them)",
                p.name
            ))
        })
    }

    /// The connection resource: the profile without anything secret.
    async fn connection(&self) -> influxdesk_core::Result<serde_json::Value> {
        let p = profiles::resolve(&self.ctx, self.profile()).await?;
        Ok(json!({
            "profile": p.name,
            "url": without_userinfo(&p.url),
            "api": p.api,
            "org": p.org,
            "database": p.database,
            "username": p.username,
            "source": match p.source { ProfileSource::Env => "env", ProfileSource::Saved => "saved" },
            "assistant_policy": p.assistant_policy,
            "assistant_access": {
                "read": p.assistant_read,
                "write": policy::effective_level(&self.ctx, &p, policy::Class::Write),
                "admin": policy::effective_level(&self.ctx, &p, policy::Class::Admin),
            },
            "effective_policy": policy::effective_policy(&self.ctx, &p),
            "pinned_by_session": self.session.profile.is_some(),
        }))
    }
}

/// How a tool call ended, with the rows (or points) and query language its result reports.
fn called(
    response: &Result<CallToolResponse, McpError>,
) -> (
    activity::Outcome,
    Option<usize>,
    Option<influxdesk_core::model::QueryLanguage>,
) {
    let r = match response {
        Ok(CallToolResponse::Complete(r)) => r,
        Ok(_) => return (activity::Outcome::Ok, None, None),
        Err(e) => {
            let outcome = activity::Outcome::Error {
                code: None,
                message: e.message.to_string(),
            };
            return (outcome, None, None);
        }
    };
    if r.is_error == Some(true) {
        // Tool failures read "<Code>: <message>" (see `failed`).
        let text: String = r
            .content
            .iter()
            .filter_map(|c| c.as_text().map(|t| t.text.as_str()))
            .collect();
        let (code, message) = match text.split_once(": ") {
            Some((c, m)) if !c.is_empty() && c.chars().all(|ch| ch.is_ascii_alphabetic()) => {
                (Some(c.to_string()), m.to_string())
            }
            _ => (None, text),
        };
        return (activity::Outcome::Error { code, message }, None, None);
    }
    let data = r.structured_content.as_ref();
    let count = |k: &str| {
        data.and_then(|d| d.get(k))
            .and_then(serde_json::Value::as_u64)
            .map(|n| n as usize)
    };
    let language = data
        .and_then(|d| d.get("language"))
        .and_then(|l| serde_json::from_value(l.clone()).ok());
    (
        activity::Outcome::Ok,
        count("rows").or_else(|| count("points")),
        language,
    )
}

/// A URL without `user:password@`.
fn without_userinfo(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        _ => url.to_string(),
    }
}

fn json_resource(uri: &str, value: &serde_json::Value) -> ReadResourceResult {
    ReadResourceResult::new(vec![
        ResourceContents::text(serde_json::to_string_pretty(value).unwrap_or_default(), uri)
            .with_mime_type("application/json"),
    ])
}

fn resource_error(e: Error) -> McpError {
    match e.code() {
        influxdesk_core::ErrorCode::NotFound => {
            McpError::resource_not_found(format!("{}: {}", e.code(), e.message()), None)
        }
        _ => McpError::internal_error(format!("{}: {}", e.code(), e.message()), None),
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for InfluxdeskMcp {
    /// Every tool call goes through here: it runs the tool and logs it in core's activity log
    /// (client, tool, argument summary, duration, rows, outcome).
    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let who = actor(&context);
        let (tool, args) = (request.name.to_string(), request.arguments.clone());
        let started = chrono::Utc::now();
        let clock = std::time::Instant::now();
        let reads = self
            .tool_router
            .get(&tool)
            .and_then(|t| t.annotations.as_ref())
            .and_then(|a| a.read_only_hint)
            .unwrap_or(false);
        let tcc = ToolCallContext::new(self, request, context);
        // A panic in a tool is a bug: it becomes this call's error (and a log line), never a
        // call that goes unanswered.
        let response = match influxdesk_core::error::guarded(&tool, async {
            if reads {
                let what = format!("use {tool}");
                policy::check_read_on(&self.ctx, &who, self.profile(), &what).await?;
            }
            Ok(self.tool_router.call(tcc).await)
        })
        .await
        {
            Ok(r) => r,
            Err(e) => Ok(CallToolResponse::from(failed(e))),
        };
        let (outcome, rows, language) = called(&response);
        activity::record(
            &self.ctx,
            &who,
            activity::ToolCall {
                tool: &tool,
                args: args.as_ref(),
                started,
                duration: clock.elapsed(),
                rows,
                outcome,
                language,
            },
        );
        response
    }

    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_prompts()
                .enable_resources()
                .enable_tools()
                .build(),
        )
        .with_server_info(Implementation::new("influxdesk", env!("CARGO_PKG_VERSION")))
        .with_instructions(
            "influxdesk: the InfluxDB connection the user has open in influxdesk (see the \
             influxdesk://connection resource). Explore with list-measurements and \
             describe-measurement, read with query-data and render-chart, write with \
             write-metrics and manage-buckets, watch with create-alerts, backtest-alert, \
             list-alerts, delete-alerts and test-alert-channel, check health with \
             get-metrics, and administer users and API tokens with manage-users and \
             manage-tokens (passwords and token values never pass through you). Reads, writes \
             (alert rules too) and administration each follow the connection's assistant access \
             (off, ask, allow); a refusal says how the user can change it. Queries without a \
             time range cover the last hour."
                .to_string(),
        )
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        Ok(ListResourcesResult::with_all_items(vec![
            Resource::new(CONNECTION_URI, "connection")
                .with_title("Current InfluxDB connection")
                .with_description(
                    "The profile the assistant works on: name, URL, API, org, default \
                     database/bucket and assistant policy (never a token or password)",
                )
                .with_mime_type("application/json"),
            Resource::new(BUCKETS_URI, "buckets")
                .with_title("Databases and buckets")
                .with_description("Databases/buckets of the connection with their retention")
                .with_mime_type("application/json"),
        ]))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        Ok(ListResourceTemplatesResult::with_all_items(vec![
            ResourceTemplate::new(MEASUREMENTS_TEMPLATE, "measurements")
                .with_title("Measurements of a database/bucket")
                .with_mime_type("application/json"),
        ]))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let uri = request.uri.as_str();
        let value = if uri == CONNECTION_URI {
            self.connection().await.map_err(resource_error)?
        } else if uri == BUCKETS_URI {
            let all = buckets::list(&self.ctx, self.profile())
                .await
                .map_err(resource_error)?;
            json!({ "buckets": all.into_iter().map(BucketInfo::from).collect::<Vec<_>>() })
        } else if let Some(bucket) = uri
            .strip_prefix("influxdesk://buckets/")
            .and_then(|r| r.strip_suffix("/measurements"))
            .filter(|b| !b.is_empty())
        {
            let bucket = url::form_urlencoded::parse(format!("b={bucket}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            let req = SchemaReq {
                profile: self.session.profile.clone(),
                database: Some(bucket.clone()),
                ..SchemaReq::default()
            };
            let m = schema::measurements(&self.ctx, req)
                .await
                .map_err(resource_error)?;
            json!({ "bucket": bucket, "measurements": m })
        } else {
            return Err(McpError::resource_not_found(
                format!(
                    "no resource {uri}: there are {CONNECTION_URI}, {BUCKETS_URI} and \
                     {MEASUREMENTS_TEMPLATE}"
                ),
                None,
            ));
        };
        Ok(json_resource(uri, &value).into())
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        Ok(ListPromptsResult::with_all_items(prompts::list()))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        let text = match request.name.as_str() {
            prompts::QUERY_HELP => {
                let lang = request
                    .arguments
                    .as_ref()
                    .and_then(|a| a.get("language"))
                    .and_then(|v| v.as_str())
                    .filter(|s| !s.trim().is_empty());
                let lang = match lang {
                    None => None,
                    Some(l) => Some(influxdesk_core::model::QueryLanguage::parse(l).ok_or_else(
                        || {
                            McpError::invalid_params(
                                format!("unknown language \"{l}\": use influxql, flux or sql"),
                                None,
                            )
                        },
                    )?),
                };
                prompts::query_help(lang)
            }
            prompts::LINE_PROTOCOL => prompts::LINE_PROTOCOL_GUIDE.to_string(),
            other => {
                return Err(McpError::invalid_params(
                    format!(
                        "no prompt \"{other}\": there are {} and {}",
                        prompts::QUERY_HELP,
                        prompts::LINE_PROTOCOL
                    ),
                    None,
                ));
            }
        };
        Ok(
            GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)])
                .with_description(format!("influxdesk {}", request.name))
                .into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_credentials() {
        assert_eq!(
            without_userinfo("http://admin:s3cret@localhost:8086"),
            "http://localhost:8086/"
        );
        assert_eq!(
            without_userinfo("http://localhost:8086"),
            "http://localhost:8086"
        );
    }
}
