//! The server's running queries, per generation: 1.x `SHOW QUERIES` and `KILL QUERY <qid>`;
//! InfluxDB 3 `system.queries` (listing only: 3 Core has no statement or endpoint that stops
//! another client's query). InfluxDB 2.x has no API for either: a clear error says so.

use schemars::JsonSchema;
use serde::Serialize;
use ts_rs::TS;

use super::Client;
use super::parse::Budget;
use crate::error::{Error, Result};
use crate::model::{ApiKind, Frame};

/// A query the server runs now.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, TS)]
#[ts(export)]
pub struct RunningQuery {
    /// The server's id: 1.x `qid` (a number, what `KILL QUERY` takes), 3.x `system.queries.id`.
    pub id: String,
    /// The statement as the server shows it (1.x re-formats it).
    pub query: String,
    /// The database it runs on ("" when none).
    pub database: String,
    /// How long it has run, as the server says ("1m2s"); 3.x: when it was issued.
    pub duration: String,
    /// `duration` in seconds where the server gives a duration.
    pub seconds: Option<f64>,
    /// 1.x: "running" or "killed"; 3.x: the phase ("planned", "execution_permit", ...).
    pub status: String,
    /// "influxql" or "sql".
    pub language: String,
    /// Whether this server can stop it (1.x yes; 3.x no).
    pub killable: bool,
}

/// The statement that lists queries on 1.x; it shows itself too and is left out of listings.
const SHOW_QUERIES: &str = "SHOW QUERIES";

/// Rows of 1.x `SHOW QUERIES` frames.
pub(crate) fn v1_rows(frames: &[Frame]) -> Vec<RunningQuery> {
    let mut out = Vec::new();
    for f in frames {
        let (Some(qid), Some(q)) = (f.column("qid"), f.column("query")) else {
            continue;
        };
        let text_at = |col: &str, i: usize| {
            f.column(col)
                .and_then(|c| c.values.get(i))
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        for i in 0..f.rows() {
            let (Some(id), Some(query)) = (
                qid.values.get(i).and_then(|v| v.as_i64()),
                q.values.get(i).and_then(|v| v.as_str()),
            ) else {
                continue;
            };
            let duration = text_at("duration", i);
            out.push(RunningQuery {
                id: id.to_string(),
                query: query.to_string(),
                database: text_at("database", i),
                seconds: super::go_duration(&duration),
                duration,
                // 1.6.7 has a status column; older servers do not.
                status: Some(text_at("status", i))
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| "running".into()),
                language: "influxql".into(),
                killable: true,
            });
        }
    }
    out
}

impl Client {
    /// Every query 1.x lists in `SHOW QUERIES` (the listing itself included).
    pub(crate) async fn v1_show_queries(&self) -> Result<Vec<RunningQuery>> {
        let frames = self
            .query_v1(SHOW_QUERIES, None, &mut Budget::new(10_000))
            .await?;
        Ok(v1_rows(&frames))
    }

    /// The queries the server runs now, longest-running first (1.x) or newest first (3.x),
    /// without the listing's own statement. `db` is the database a 3.x listing goes through;
    /// with `all`, 3.x also lists the finished queries it remembers (3.10 Core marks a
    /// streaming query finished once it is planned, although it still runs).
    pub async fn running_queries(&self, db: &str, all: bool) -> Result<Vec<RunningQuery>> {
        match self.api {
            ApiKind::V1 | ApiKind::Auto => {
                let mut rows = self.v1_show_queries().await?;
                rows.retain(|r| !r.query.eq_ignore_ascii_case(SHOW_QUERIES));
                rows.sort_by(|a, b| {
                    b.seconds
                        .unwrap_or(0.0)
                        .total_cmp(&a.seconds.unwrap_or(0.0))
                });
                Ok(rows)
            }
            ApiKind::V3 => Ok(self
                .server_queries(db, all)
                .await?
                .into_iter()
                .filter(|q| !q.query_text.contains("FROM system.queries"))
                .map(|q| RunningQuery {
                    id: q.id,
                    query: q.query_text,
                    database: String::new(),
                    duration: q.issue_time,
                    seconds: None,
                    status: q.phase,
                    language: q.query_type,
                    killable: false,
                })
                .collect()),
            ApiKind::V2 => Err(Error::invalid(
                "InfluxDB 2.x has no API that lists running queries: cancel a query from the \
                 client that runs it",
            )),
        }
    }

    /// Stop query `id` on the server (1.x `KILL QUERY`). `id` must be a qid `SHOW QUERIES` gave.
    pub async fn kill_running_query(&self, id: u64) -> Result<()> {
        match self.api {
            ApiKind::V1 | ApiKind::Auto => {
                self.query_v1(&format!("KILL QUERY {id}"), None, &mut Budget::new(1))
                    .await?;
                Ok(())
            }
            ApiKind::V3 => Err(Error::invalid(
                "InfluxDB 3 Core has no way to stop another client's query (no KILL QUERY): \
                 cancel it in the client that runs it",
            )),
            ApiKind::V2 => Err(Error::invalid(
                "InfluxDB 2.x has no API that stops a running query: cancel it in the client \
                 that runs it",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, ColumnType};
    use serde_json::json;

    #[test]
    fn show_queries_rows() {
        let col =
            |name: &str, kind, values: Vec<serde_json::Value>| Column::new(name, kind, values);
        let f = Frame {
            columns: vec![
                col("qid", ColumnType::Integer, vec![json!(3), json!(4)]),
                col(
                    "query",
                    ColumnType::String,
                    vec![json!("SELECT * FROM big"), json!("SHOW QUERIES")],
                ),
                col("database", ColumnType::String, vec![json!("t"), json!("")]),
                col(
                    "duration",
                    ColumnType::String,
                    vec![json!("1m2s"), json!("80µs")],
                ),
                col(
                    "status",
                    ColumnType::String,
                    vec![json!("running"), json!("running")],
                ),
            ],
            name: String::new(),
            tags: Default::default(),
        };
        let rows = v1_rows(&[f]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].id, "3");
        assert_eq!(rows[0].seconds, Some(62.0), "Go durations become seconds");
        assert_eq!(rows[0].database, "t");
        assert!(rows[0].killable);
    }
}
