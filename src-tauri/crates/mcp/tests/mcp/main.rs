//! influxdesk-mcp integration tests: rmcp's own client over the Unix socket against a real
//! influxd (started by the harness through core's `local` runner): every tool's success and
//! failure, the assistant policy, a secret scan, the socket's security and life cycle, and the
//! golden `tools/list`; every tool again against a real InfluxDB 3 Core (`v3`, skipped with a
//! notice without its binary). The stdio transport (the real `influxdesk mcp` binary) is tested in the
//! app package (`tests/app/mcp.rs`) and by the Python SDK (`tests/mcp/`).

mod access;
mod activity;
mod admin;
mod alerts;
mod dashboards;
mod get_metrics;
mod golden;
mod harness;
mod http;
mod ops;
mod policy;
mod secrets;
mod server_alerts;
mod socket;
mod tools;
mod v3;
