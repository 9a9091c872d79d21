//! The server overview (Admin > Overview, `influxdesk overview`): version, uptime, databases,
//! series cardinality, heap, disk, and queries and writes per second — the data behind
//! `get-metrics` (system and database metrics, reused from `api::metrics`), for the user.
//! Rates need two samples: the caller passes the previous sample's counters back in, and
//! [`chart`] draws the rates it has collected with the Rust chart renderer.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::api::metrics::{self, GetMetricsReq, Metric, MetricType};
use crate::api::{Ctx, profiles};
use crate::chart::{self, ChartSpec, Rendered, Series, Theme};
use crate::error::Result;
use crate::model::ApiKind;

/// Cumulative counters of one sample (what rates are computed from).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, JsonSchema, TS)]
#[ts(export)]
pub struct OverviewCounters {
    /// When the sample was taken (epoch ms).
    pub at_ms: i64,
    /// Queries the server has run (1.x queriesExecuted; 2.x/3.x HTTP API requests).
    pub queries: Option<f64>,
    /// Points the server has taken (1.x pointReq); None where /metrics does not say.
    pub writes: Option<f64>,
}

/// Ask for an overview; `previous` (the last answer's counters) makes rates.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct OverviewReq {
    /// Profile id or name; the active profile when absent.
    pub profile: Option<String>,
    /// The previous sample's counters, for queries and writes per second.
    pub previous: Option<OverviewCounters>,
}

/// The server at a glance. Numbers the server does not report are None.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, TS)]
#[ts(export)]
pub struct Overview {
    pub product: String,
    pub version: String,
    pub latency_ms: f64,
    pub uptime_seconds: Option<f64>,
    pub databases: u32,
    pub series: Option<f64>,
    pub heap_bytes: Option<f64>,
    pub disk_bytes: Option<f64>,
    pub queries_per_second: Option<f64>,
    pub writes_per_second: Option<f64>,
    pub counters: OverviewCounters,
    /// Where the numbers come from, e.g. "SHOW STATS" or "/metrics".
    pub source: String,
}

fn find(ms: &[Metric], names: &[&str]) -> Option<f64> {
    names.iter().find_map(|n| {
        let v: Vec<f64> = ms
            .iter()
            .filter(|m| m.name == *n)
            .map(|m| m.value)
            .collect();
        (!v.is_empty()).then(|| v.iter().sum())
    })
}

/// Per second between two readings of a counter (None without both, or after a restart).
fn rate(prev: Option<f64>, cur: Option<f64>, seconds: f64) -> Option<f64> {
    match (prev, cur) {
        (Some(p), Some(c)) if seconds > 0.0 && c >= p => Some((c - p) / seconds),
        _ => None,
    }
}

/// One sample of the server's numbers.
pub async fn get(ctx: &Ctx, req: OverviewReq, now: DateTime<Utc>) -> Result<Overview> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    let c = ctx.client(&p).await?;
    let probe = c.probe().await?;
    let databases = c.databases().await?;
    let sys = metrics::get(
        ctx,
        GetMetricsReq {
            profile: Some(p.id.clone()),
            metric_type: MetricType::System,
            time_range: None,
        },
        now,
    )
    .await?;
    // Per-database numbers are extra: a server that cannot give them still has an overview.
    let db = metrics::get(
        ctx,
        GetMetricsReq {
            profile: Some(p.id.clone()),
            metric_type: MetricType::Database,
            time_range: None,
        },
        now,
    )
    .await
    .map(|r| r.metrics)
    .unwrap_or_default();
    let s = &sys.metrics;
    let uptime = find(s, &["uptime"])
        .or_else(|| find(s, &["process_start_time_seconds"]).map(|t| now.timestamp() as f64 - t));
    let counters = OverviewCounters {
        at_ms: now.timestamp_millis(),
        queries: match c.api() {
            ApiKind::V1 | ApiKind::Auto => find(s, &["queries_executed"]),
            _ => find(s, &["http_api_requests_total"]),
        },
        writes: find(s, &["points_written"]),
    };
    let seconds = req
        .previous
        .map(|pr| (counters.at_ms - pr.at_ms) as f64 / 1000.0)
        .unwrap_or(0.0);
    let prev = req.previous.unwrap_or_default();
    Ok(Overview {
        product: probe.product,
        version: probe.version,
        latency_ms: probe.latency_ms,
        uptime_seconds: uptime,
        databases: databases.len() as u32,
        series: find(&db, &["series_cardinality"]),
        heap_bytes: find(
            s,
            &[
                "heap_alloc_bytes",
                "go_memstats_heap_inuse_bytes",
                "process_resident_memory_bytes",
            ],
        ),
        disk_bytes: find(&db, &["disk_bytes"]).or_else(|| find(s, &["storage_shard_disk_size"])),
        queries_per_second: rate(prev.queries, counters.queries, seconds),
        writes_per_second: rate(prev.writes, counters.writes, seconds),
        counters,
        source: sys.source,
    })
}

/// One point of the rates chart.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema, TS)]
#[ts(export)]
pub struct RateSample {
    pub at_ms: i64,
    pub queries_per_second: Option<f64>,
    pub writes_per_second: Option<f64>,
}

/// Draw the collected rates.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct OverviewChartReq {
    pub samples: Vec<RateSample>,
    pub width: u32,
    pub height: u32,
    pub theme: Theme,
}

/// The queries/s and writes/s lines as SVG (the same renderer as Explore's charts).
pub fn chart(req: &OverviewChartReq) -> Result<Rendered> {
    let line = |key: &str, pick: fn(&RateSample) -> Option<f64>| Series {
        key: key.into(),
        name: key.into(),
        points: req
            .samples
            .iter()
            .filter_map(|s| pick(s).map(|v| (s.at_ms.saturating_mul(1_000_000), v)))
            .collect(),
    };
    let series: Vec<Series> = [
        line("queries/s", |s| s.queries_per_second),
        line("writes/s", |s| s.writes_per_second),
    ]
    .into_iter()
    .filter(|s| !s.points.is_empty())
    .collect();
    chart::render_svg(
        &series,
        &ChartSpec {
            width: req.width.clamp(100, 8000),
            height: req.height.clamp(100, 8000),
            y_min: Some(0.0),
            theme: req.theme,
            ..ChartSpec::default()
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_need_two_readings_and_no_restart() {
        assert_eq!(rate(Some(10.0), Some(30.0), 2.0), Some(10.0));
        assert_eq!(rate(None, Some(30.0), 2.0), None);
        assert_eq!(
            rate(Some(30.0), Some(10.0), 2.0),
            None,
            "a restart resets counters"
        );
        assert_eq!(rate(Some(1.0), Some(2.0), 0.0), None);
    }

    #[test]
    fn the_rates_chart_draws_both_lines() {
        let samples: Vec<RateSample> = (0..5)
            .map(|i| RateSample {
                at_ms: 1_700_000_000_000 + i * 5000,
                queries_per_second: Some(i as f64),
                writes_per_second: Some(10.0 - i as f64),
            })
            .collect();
        let r = chart(&OverviewChartReq {
            samples,
            width: 600,
            height: 200,
            theme: Theme::Light,
        })
        .unwrap();
        assert!(
            r.svg.starts_with("<svg") && r.svg.contains("queries/s"),
            "{}",
            &r.svg[..200]
        );
    }
}
