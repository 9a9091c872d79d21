//! The health check an assistant (or `influxdesk health`) runs first: is the server reachable,
//! which product and version, how fast, do the credentials work, and what this server kind
//! supports in influxdesk. Problems are the report's content, not an error: only a profile
//! that does not exist fails.

use schemars::JsonSchema;
use serde::Serialize;
use ts_rs::TS;

use crate::api::{Ctx, profiles};
use crate::error::{Error, ErrorCode, Result};
use crate::model::ApiKind;

/// What the health check found.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, TS)]
#[ts(export)]
pub struct HealthReport {
    /// The connection (profile) checked.
    pub connection: String,
    /// The server's base URL.
    pub url: String,
    pub reachable: bool,
    /// The credentials were accepted for listing databases/buckets.
    pub auth_ok: bool,
    /// e.g. "InfluxDB 1.x OSS", "InfluxDB 3 Core" (empty when unreachable).
    pub product: String,
    pub version: String,
    /// The API influxdesk speaks to it: v1, v2 or v3 (auto when unreachable).
    pub api: ApiKind,
    /// Round trip of /ping in milliseconds.
    pub latency_ms: Option<f64>,
    /// Databases/buckets these credentials see.
    pub databases: Option<u32>,
    /// What went wrong ("ok" when nothing did), with what to do.
    pub message: String,
    /// What influxdesk offers on this server kind.
    pub supports: Vec<String>,
}

fn supports(api: ApiKind) -> Vec<String> {
    let s: &[&str] = match api {
        ApiKind::V1 => &[
            "InfluxQL queries",
            "databases and retention policies",
            "continuous queries",
            "users and grants",
            "running queries: list and kill",
            "delete by tag predicate and time range, drop series and measurements",
            "server metrics (SHOW STATS)",
        ],
        ApiKind::V2 => &[
            "Flux queries; InfluxQL through DBRP mappings",
            "buckets with retention",
            "tasks",
            "API tokens",
            "delete by predicate and time range (/api/v2/delete)",
            "server metrics (/metrics)",
        ],
        ApiKind::V3 => &[
            "SQL and InfluxQL queries",
            "databases with retention",
            "tables: columns and delete",
            "running queries: list (system.queries)",
            "last-value and distinct-value caches",
            "server metrics (/metrics)",
        ],
        ApiKind::Auto => &[],
    };
    s.iter().map(|x| x.to_string()).collect()
}

/// Check the connection `profile` (the active one when None).
pub async fn check(ctx: &Ctx, profile: Option<&str>) -> Result<HealthReport> {
    let p = profiles::resolve(ctx, profile).await?;
    let mut r = HealthReport {
        connection: p.name.clone(),
        url: p.url.clone(),
        reachable: false,
        auth_ok: false,
        product: String::new(),
        version: String::new(),
        api: p.api,
        latency_ms: None,
        databases: None,
        message: "ok".into(),
        supports: vec![],
    };
    let c = match ctx.client(&p).await {
        Ok(c) => c,
        Err(e) => {
            r.reachable = !matches!(e.code(), ErrorCode::Unreachable | ErrorCode::Timeout);
            r.message = e.message().to_string();
            return Ok(r);
        }
    };
    match c.probe().await {
        Ok(probe) => {
            r.reachable = true;
            r.product = probe.product;
            r.version = probe.version;
            r.latency_ms = Some(probe.latency_ms);
            r.api = c.api();
        }
        Err(e) => {
            r.reachable = !matches!(e.code(), ErrorCode::Unreachable | ErrorCode::Timeout);
            r.message = e.message().to_string();
            return Ok(r);
        }
    }
    r.supports = supports(r.api);
    match c.databases().await {
        Ok(d) => {
            r.auth_ok = true;
            r.databases = Some(d.len() as u32);
        }
        Err(e @ (Error::Unauthorized(_) | Error::Forbidden(_))) => {
            r.message = e.message().to_string();
        }
        Err(e) => r.message = format!("{}: {}", e.code(), e.message()),
    }
    Ok(r)
}
