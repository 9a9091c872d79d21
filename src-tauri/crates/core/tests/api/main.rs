//! influxdesk-core integration tests: the service layer against a real `influxd` 1.x started
//! by the harness (one per test binary, auth off and auth on), a real InfluxDB 3 Core (`v3`,
//! skipped with a notice when its binary is absent), v2/v3 request/response contract
//! tests against a stub that checks every request against the official specs in
//! `shared/specs`, and the real OS keychain (Secret Service) when the test command provides it.

mod access;
mod access_tokens;
mod admin_delete;
mod admin_health;
mod admin_jobs;
mod admin_overview;
mod admin_queries;
mod admin_v1;
mod admin_v3;
mod alerts;
mod buckets;
mod charts_distribution;
mod contract_v2;
mod contract_v2_delete;
mod contract_v3;
mod dashboards;
mod dashboards_annotations;
mod dashboards_import;
mod dashboards_vars;
mod demo;
mod env_profile;
mod explore;
mod harness;
mod keychain;
mod metrics;
mod pages;
mod policy;
mod properties;
mod read;
mod timing;
mod v1;
mod v3;
mod v3_catalog;
mod v3_explore;
mod write;
mod write_csv;
