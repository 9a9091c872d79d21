//! influxdesk's MCP server (rmcp) over `influxdesk-core`: the seed's InfluxDB tools
//! (`write-metrics`, `query-data`, `manage-buckets`) plus schema tools and `render-chart`,
//! resources for the current connection and its buckets, and query/line protocol prompts.
//! Every tool calls one core `api` function as `Actor::Assistant`, so the profile's assistant
//! policy, the time-range guardrail and the activity events apply exactly as for the app.
//!
//! Served on a Unix socket ([`serve_unix`], hosted by the app or `influxdesk serve`) and on
//! stdio ([`run_stdio`], `influxdesk mcp`), and streamable HTTP on 127.0.0.1 behind a bearer
//! token kept in the keychain ([`serve_http`], `influxdesk serve --http`). Every tool call is
//! logged in core's activity log (`api::activity`). Not here: the app's approval dialog (the
//! Tauri shell plugs it into core's `policy::Approver`).

mod access;
mod admin;
mod admin_tools;
mod alert_tools;
mod alerts;
mod bucket_params;
mod dashboard_annotations;
mod dashboards;
mod data;
pub mod http;
mod metrics;
mod ops;
pub mod params;
mod prompts;
mod server;
pub mod transport;

pub use http::{
    HttpOptions, HttpServer, TOKEN_ACCOUNT, http_token, parse_http_addr, rotate_http_token,
    serve_http,
};
pub use server::{BUCKETS_URI, CONNECTION_URI, InfluxdeskMcp, Session};
pub use transport::{
    McpState, McpStatus, SocketServer, StdioOptions, bridge, connect_live, run_stdio, serve_stdio,
    serve_unix, serve_unix_session, socket_path,
};
