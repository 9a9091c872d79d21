//! Server and app metrics (the MCP `get-metrics` tool, later a GUI panel):
//! - system: v1 `SHOW STATS` (runtime, query executor, HTTP, writes) and `SHOW DIAGNOSTICS`
//!   uptime; v2/v3 the Prometheus `/metrics` text, parsed into numbers;
//! - database: per database/bucket, measurements, series cardinality and disk size where the
//!   server tells (v1 `SHOW STATS`; v2 Flux `influxdb.cardinality`; v3 table counts);
//! - query: influxdesk's own query log over the time range: count, errors, p50/p99 latency.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Ctx, profiles};
use crate::error::{Error, Result};
use crate::influx::schema::flux_str;
use crate::influx::timerange::parse_duration;
use crate::model::{ApiKind, Cell, Frame, QueryLanguage};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum MetricType {
    /// Server health: memory, goroutines, requests, writes, queries.
    #[default]
    System,
    /// Per database/bucket: measurements, series cardinality, disk size.
    Database,
    /// influxdesk's own queries: count, errors, latency percentiles.
    Query,
}

/// Ask for metrics.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct GetMetricsReq {
    /// Profile id or name; the active profile when absent.
    pub profile: Option<String>,
    /// system, database or query (default system).
    pub metric_type: MetricType,
    /// For query metrics: how far back, e.g. "1h" (default), "24h", "-7d".
    pub time_range: Option<String>,
}

/// One number.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Metric {
    pub name: String,
    pub value: f64,
    /// "bytes", "count", "ms", "s" or "".
    pub unit: String,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct MetricsReport {
    pub metric_type: MetricType,
    /// Where the numbers come from, e.g. "SHOW STATS", "/metrics", "influxdesk query history".
    pub source: String,
    pub metrics: Vec<Metric>,
}

fn metric(name: &str, value: f64, unit: &str, labels: &[(&str, &str)]) -> Metric {
    Metric {
        name: name.into(),
        value,
        unit: unit.into(),
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

/// `SHOW STATS` values of `module` (summed over its series when several), by column.
fn stats<'a>(frames: &'a [Frame], module: &str) -> impl Iterator<Item = &'a Frame> {
    let m = module.to_string();
    frames.iter().filter(move |f| f.name == m)
}

fn num(f: &Frame, col: &str) -> Option<f64> {
    f.column(col)
        .and_then(|c| c.values.first())
        .and_then(Cell::as_f64)
}

/// Prometheus text exposition -> (name, labels, value) samples.
pub fn parse_prometheus(text: &str) -> Vec<(String, BTreeMap<String, String>, f64)> {
    let mut out = Vec::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (series, rest) = match line.find('}') {
            Some(i) if line[..i].contains('{') => (&line[..=i], line[i + 1..].trim()),
            _ => match line.split_once(' ') {
                Some((s, r)) => (s, r.trim()),
                None => continue,
            },
        };
        let Some(value) = rest
            .split_whitespace()
            .next()
            .and_then(|v| v.parse::<f64>().ok())
        else {
            continue;
        };
        let (name, labels) = match series.split_once('{') {
            None => (series.to_string(), BTreeMap::new()),
            Some((n, l)) => {
                let mut labels = BTreeMap::new();
                for pair in l
                    .trim_end_matches('}')
                    .split("\",")
                    .filter(|p| !p.is_empty())
                {
                    if let Some((k, v)) = pair.split_once('=') {
                        labels.insert(k.trim().to_string(), v.trim().trim_matches('"').to_string());
                    }
                }
                (n.to_string(), labels)
            }
        };
        out.push((name, labels, value));
    }
    out
}

const PROM_WANTED: [(&str, &str); 10] = [
    ("go_memstats_alloc_bytes", "bytes"),
    ("go_memstats_heap_inuse_bytes", "bytes"),
    ("go_goroutines", "count"),
    ("process_resident_memory_bytes", "bytes"),
    ("process_cpu_seconds_total", "s"),
    ("process_start_time_seconds", "s"),
    ("http_api_requests_total", "count"),
    ("http_api_request_duration_seconds_sum", "s"),
    ("qc_all_active", "count"),
    ("storage_shard_disk_size", "bytes"),
];

/// Metrics of the given type.
pub async fn get(ctx: &Ctx, req: GetMetricsReq, now: DateTime<Utc>) -> Result<MetricsReport> {
    if req.metric_type == MetricType::Query {
        return query_metrics(ctx, &req, now);
    }
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    let c = ctx.client(&p).await?;
    let mut metrics = Vec::new();
    let source;
    match (req.metric_type, c.api()) {
        (MetricType::System, ApiKind::V2 | ApiKind::V3) => {
            source = "/metrics".to_string();
            let text = c.prometheus_metrics().await?;
            let samples = parse_prometheus(&text);
            for (name, unit) in PROM_WANTED {
                let vals: Vec<f64> = samples
                    .iter()
                    .filter(|(n, _, _)| n == name)
                    .map(|(_, _, v)| *v)
                    .collect();
                if !vals.is_empty() {
                    metrics.push(metric(name, vals.iter().sum(), unit, &[]));
                }
            }
            metrics.push(metric(
                "metric_families_exposed",
                samples.len() as f64,
                "count",
                &[],
            ));
        }
        (MetricType::System, _) => {
            source = "SHOW STATS".to_string();
            let f = c
                .query(QueryLanguage::Influxql, None, "SHOW STATS", 100_000)
                .await?
                .0;
            for (module, col, name, unit) in [
                ("runtime", "Alloc", "heap_alloc_bytes", "bytes"),
                ("runtime", "HeapInUse", "heap_inuse_bytes", "bytes"),
                ("runtime", "NumGoroutine", "goroutines", "count"),
                ("queryExecutor", "queriesActive", "queries_active", "count"),
                (
                    "queryExecutor",
                    "queriesExecuted",
                    "queries_executed",
                    "count",
                ),
                ("httpd", "queryReq", "http_query_requests", "count"),
                ("httpd", "writeReq", "http_write_requests", "count"),
                ("httpd", "clientError", "http_client_errors", "count"),
                ("httpd", "serverError", "http_server_errors", "count"),
                ("write", "pointReq", "points_written", "count"),
                ("write", "writeError", "write_errors", "count"),
            ] {
                let v: f64 = stats(&f, module).filter_map(|fr| num(fr, col)).sum();
                metrics.push(metric(name, v, unit, &[]));
            }
            if let Ok((d, _)) = c
                .query(QueryLanguage::Influxql, None, "SHOW DIAGNOSTICS", 1000)
                .await
                && let Some(up) = d
                    .iter()
                    .find(|f| f.name == "system")
                    .and_then(|f| f.column("uptime"))
                    .and_then(|c| c.values.first())
                    .and_then(Cell::as_str)
            {
                metrics.push(metric("uptime", go_seconds(up), "s", &[]));
            }
        }
        (MetricType::Database, ApiKind::V2) => {
            source = "Flux influxdb.cardinality and schema.measurements".to_string();
            for b in c
                .list_buckets()
                .await?
                .into_iter()
                .filter(|b| !b.name.starts_with('_'))
                .take(20)
            {
                let q = format!(
                    "import \"influxdata/influxdb\"\ninfluxdb.cardinality(bucket: {}, start: -30d)",
                    flux_str(&b.name)
                );
                let series = c
                    .query(QueryLanguage::Flux, None, &q, 10)
                    .await
                    .ok()
                    .and_then(|(f, _)| {
                        f.first()
                            .and_then(|f| f.column("_value"))
                            .and_then(|c| c.values.first())
                            .and_then(Cell::as_f64)
                    });
                let labels = [("bucket", b.name.as_str())];
                if let Some(s) = series {
                    metrics.push(metric("series_cardinality", s, "count", &labels));
                }
                let m = c
                    .measurements(&b.name, 10_000)
                    .await
                    .map(|m| m.len())
                    .unwrap_or(0);
                metrics.push(metric("measurements", m as f64, "count", &labels));
                if let Some(r) = b.retention_seconds {
                    metrics.push(metric("retention", r as f64, "s", &labels));
                }
            }
        }
        (MetricType::Database, ApiKind::V3) => {
            source = "information_schema and system.databases".to_string();
            for b in c.list_buckets().await?.into_iter().take(20) {
                // A failed count is an error, not 0: a wrong number is worse than none.
                let m = c.measurements(&b.name, 10_000).await?.len();
                let labels = [("database", b.name.as_str())];
                metrics.push(metric("measurements", m as f64, "count", &labels));
                if let Some(r) = b.retention_seconds {
                    metrics.push(metric("retention", r as f64, "s", &labels));
                }
            }
        }
        (MetricType::Database, _) => {
            source = "SHOW STATS (database, shard)".to_string();
            let f = c
                .query(QueryLanguage::Influxql, None, "SHOW STATS", 100_000)
                .await?
                .0;
            let mut disk: BTreeMap<String, f64> = BTreeMap::new();
            for s in stats(&f, "shard") {
                if let (Some(db), Some(b)) = (s.tags.get("database"), num(s, "diskBytes")) {
                    *disk.entry(db.clone()).or_default() += b;
                }
            }
            for d in stats(&f, "database") {
                let Some(db) = d.tags.get("database") else {
                    continue;
                };
                let labels = [("database", db.as_str())];
                metrics.push(metric(
                    "measurements",
                    num(d, "numMeasurements").unwrap_or(0.0),
                    "count",
                    &labels,
                ));
                metrics.push(metric(
                    "series_cardinality",
                    num(d, "numSeries").unwrap_or(0.0),
                    "count",
                    &labels,
                ));
                metrics.push(metric(
                    "disk_bytes",
                    disk.get(db).copied().unwrap_or(0.0),
                    "bytes",
                    &labels,
                ));
            }
        }
        (MetricType::Query, _) => unreachable!("handled above"),
    }
    Ok(MetricsReport {
        metric_type: req.metric_type,
        source,
        metrics,
    })
}

/// Go duration text ("1h2m3.5s") to seconds.
fn go_seconds(s: &str) -> f64 {
    let mut total = 0.0;
    let mut num = String::new();
    for ch in s.chars() {
        if ch.is_ascii_digit() || ch == '.' {
            num.push(ch);
            continue;
        }
        let v: f64 = num.parse().unwrap_or(0.0);
        num.clear();
        total += v * match ch {
            'h' => 3600.0,
            'm' => 60.0,
            's' => 1.0,
            _ => 0.0,
        };
    }
    total
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn query_metrics(ctx: &Ctx, req: &GetMetricsReq, now: DateTime<Utc>) -> Result<MetricsReport> {
    let span = parse_duration(req.time_range.as_deref().unwrap_or("1h"))
        .map_err(|e| Error::invalid(format!("time_range: {}", e.message())))?;
    // A span reaching back beyond the calendar covers all of the log.
    let since = now
        .checked_sub_signed(span)
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let h = super::history::load(ctx)?;
    let entries: Vec<_> = h
        .iter()
        .filter(|e| {
            DateTime::parse_from_rfc3339(&e.at).is_ok_and(|t| t.with_timezone(&Utc) >= since)
        })
        .collect();
    let mut metrics = Vec::new();
    for actor in ["all", "user", "assistant"] {
        let mine: Vec<_> = entries
            .iter()
            .filter(|e| {
                actor == "all"
                    || e.actor == actor
                    || (actor == "assistant" && e.actor.starts_with("assistant"))
            })
            .collect();
        let mut ms: Vec<f64> = mine.iter().map(|e| e.elapsed_ms).collect();
        ms.sort_by(f64::total_cmp);
        let labels = [("actor", actor)];
        metrics.push(metric("queries", mine.len() as f64, "count", &labels));
        metrics.push(metric(
            "errors",
            mine.iter().filter(|e| e.error.is_some()).count() as f64,
            "count",
            &labels,
        ));
        metrics.push(metric("latency_p50", percentile(&ms, 50.0), "ms", &labels));
        metrics.push(metric("latency_p99", percentile(&ms, 99.0), "ms", &labels));
        metrics.push(metric(
            "rows",
            mine.iter().map(|e| e.rows as f64).sum(),
            "count",
            &labels,
        ));
    }
    Ok(MetricsReport {
        metric_type: MetricType::Query,
        source: "influxdesk query history".into(),
        metrics,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_text_parses() {
        let text = "# HELP go_goroutines Number of goroutines.\n# TYPE go_goroutines gauge\ngo_goroutines 42\n\
                    http_api_requests_total{handler=\"query\",method=\"POST\",path=\"/api/v2/query\",status=\"2XX\"} 17\n\
                    http_api_requests_total{handler=\"write\",status=\"2XX\"} 3 1700000000000\nbad line\n";
        let s = parse_prometheus(text);
        assert_eq!(s.len(), 3);
        assert_eq!(s[0], ("go_goroutines".into(), BTreeMap::new(), 42.0));
        assert_eq!(s[1].1["path"], "/api/v2/query");
        assert_eq!(s[2].2, 3.0, "a timestamp after the value is ignored");
    }

    #[test]
    fn percentiles_and_durations() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), 50.0);
        assert_eq!(percentile(&v, 99.0), 99.0);
        assert_eq!(percentile(&[], 99.0), 0.0);
        assert_eq!(go_seconds("1h2m3.5s"), 3723.5);
    }
}
