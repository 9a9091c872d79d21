//! influxdesk's MCP server (rmcp) over `influxdesk-core`: the seed's InfluxDB tools
//! (`write-metrics`, `query-data`, `manage-buckets`) plus schema tools and `render-chart`,
//! resources for the current connection and its buckets, and query/line protocol prompts.
//! Every tool calls one core `api` function as `Actor::Assistant`, so the profile's assistant
//! policy, the time-range guardrail and the activity events apply exactly as for the app.
//!
//! Served on a Unix socket ([`serve_unix`], hosted by the app or `influxdesk serve`) and on
//! stdio ([`run_stdio`], `influxdesk mcp`). Not here yet: alert and metrics tools, the HTTP
//! transport, the app's approval dialog (it plugs into core's `policy::Approver`).

mod data;
mod metrics;
pub mod params;
mod prompts;
mod server;
pub mod transport;

pub use server::{BUCKETS_URI, CONNECTION_URI, InfluxdeskMcp, Session};
pub use transport::{
    SocketServer, StdioOptions, bridge, connect_live, run_stdio, serve_stdio, serve_unix,
    socket_path,
};
