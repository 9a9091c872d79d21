//! InfluxDB 3's own catalog, as the real 3 Core (3.10) shows it: tables with their columns
//! (`information_schema.columns`), soft-deleted tables (`system.tables` in `_internal`), table
//! delete (`DELETE /api/v3/configure/table`), the server's running queries (`system.queries`)
//! and the last-value and distinct-value caches (`system.last_caches`,
//! `system.distinct_caches`). Only InfluxDB 3 has these; other servers get a clear error.
//! Creating caches and the processing engine are left out.

use std::collections::HashSet;

use reqwest::Method;
use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

use super::Client;
use crate::error::{Error, Result};
use crate::model::{ApiKind, ColumnType, Frame, QueryLanguage};

/// What a column of an InfluxDB 3 table holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum ColumnRole {
    Time,
    Tag,
    Field,
}

/// One column of a table.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct TableColumn {
    pub name: String,
    pub role: ColumnRole,
    pub kind: ColumnType,
    /// The server's (Arrow) type, e.g. "Float64", "Dictionary(Int32, Utf8)".
    pub data_type: String,
}

/// A table (measurement) of an InfluxDB 3 database.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Table {
    pub name: String,
    pub columns: Vec<TableColumn>,
}

/// A query the server is running (or ran recently) per `system.queries`.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ServerQuery {
    pub id: String,
    /// "sql" or "influxql".
    pub query_type: String,
    pub query_text: String,
    /// When it was issued (UTC, RFC 3339).
    pub issue_time: String,
    /// e.g. "planned", "execution_permit", "success", "fail".
    pub phase: String,
    pub running: bool,
}

/// Which kind of cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum CacheKind {
    /// A last-value cache: the newest values per key.
    Last,
    /// A distinct-value cache: the distinct values of some columns.
    Distinct,
}

/// A last-value or distinct-value cache.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Cache {
    pub kind: CacheKind,
    pub name: String,
    pub table: String,
    /// Last-value: the key columns; distinct-value: the cached columns.
    pub columns: Vec<String>,
    /// Last-value only: the value columns (empty: all non-key columns).
    pub value_columns: Vec<String>,
    /// Last-value: entries per key; distinct-value: the maximum cardinality.
    pub size: u64,
    /// How long an entry is kept, in seconds.
    pub max_age_seconds: u64,
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

/// Rows of frames as JSON objects (column name -> value).
fn rows(frames: &[Frame]) -> Vec<serde_json::Map<String, Value>> {
    let mut out = Vec::new();
    for f in frames {
        for i in 0..f.rows() {
            out.push(
                f.columns
                    .iter()
                    .map(|c| (c.name.clone(), c.value(i)))
                    .collect(),
            );
        }
    }
    out
}

fn text(row: &serde_json::Map<String, Value>, k: &str) -> String {
    match row.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

pub(super) fn sql_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

impl Client {
    fn need_v3(&self, what: &str) -> Result<()> {
        if self.api == ApiKind::V3 {
            Ok(())
        } else {
            Err(Error::invalid(format!(
                "{what} are an InfluxDB 3 feature; this profile speaks to {}",
                super::api_name(self.api)
            )))
        }
    }

    async fn sql_rows(&self, db: &str, q: &str) -> Result<Vec<serde_json::Map<String, Value>>> {
        let (frames, _) = self.query(QueryLanguage::Sql, Some(db), q, 100_000).await?;
        Ok(rows(&frames))
    }

    /// Tables of `db` that the server soft-deleted (renamed `name-<time>`, still listed by
    /// `information_schema` on 3.10 Core); empty when `_internal` cannot be read.
    pub(super) async fn v3_deleted_tables(&self, db: &str) -> HashSet<String> {
        let q = format!(
            "SELECT database_name, table_name, deleted FROM system.tables \
             WHERE database_name = {} AND deleted",
            sql_str(db)
        );
        match self.sql_rows("_internal", &q).await {
            // Checked here too: only rows that say so count.
            Ok(rows) => rows
                .iter()
                .filter(|r| {
                    r.get("deleted").and_then(Value::as_bool) == Some(true)
                        && text(r, "database_name") == db
                })
                .map(|r| text(r, "table_name"))
                .collect(),
            Err(_) => HashSet::new(),
        }
    }

    /// Live tables of an InfluxDB 3 database with their columns, by name.
    pub async fn tables(&self, db: &str) -> Result<Vec<Table>> {
        self.need_v3("tables")?;
        let q = "SELECT table_name, column_name, data_type FROM information_schema.columns \
                 WHERE table_schema = 'iox' ORDER BY table_name, column_name";
        let deleted = self.v3_deleted_tables(db).await;
        let mut out: Vec<Table> = Vec::new();
        for r in self.sql_rows(db, q).await? {
            let table = text(&r, "table_name");
            if deleted.contains(&table) {
                continue;
            }
            let data_type = text(&r, "data_type");
            let name = text(&r, "column_name");
            let role = if data_type.starts_with("Dictionary") {
                ColumnRole::Tag
            } else if name == "time" {
                ColumnRole::Time
            } else {
                ColumnRole::Field
            };
            let col = TableColumn {
                name,
                role,
                kind: super::schema::arrow_type(&data_type),
                data_type,
            };
            match out.last_mut() {
                Some(t) if t.name == table => t.columns.push(col),
                _ => out.push(Table {
                    name: table,
                    columns: vec![col],
                }),
            }
        }
        Ok(out)
    }

    /// Delete a table and its data (soft on 3.10 Core: gone from listings at once, removed
    /// from storage later).
    pub async fn delete_table(&self, db: &str, table: &str) -> Result<()> {
        self.need_v3("tables")?;
        let rb = self
            .request(Method::DELETE, "/api/v3/configure/table")
            .query(&[("db", db), ("table", table)]);
        self.check(
            self.send(rb, "deleting the table").await?,
            "deleting the table",
        )
        .await?;
        Ok(())
    }

    /// The server's queries from `system.queries` (any database shows them all), newest first;
    /// only the running ones unless `all`.
    pub async fn server_queries(&self, db: &str, all: bool) -> Result<Vec<ServerQuery>> {
        self.need_v3("server query lists (system.queries)")?;
        // Sorted here: on 3.10 Core an ORDER BY makes the listing see itself (and others)
        // as no longer running.
        let q = format!(
            "SELECT id, query_type, query_text, issue_time, phase, running FROM system.queries{}",
            if all { "" } else { " WHERE running" }
        );
        let mut rows = self.sql_rows(db, &q).await?;
        rows.sort_by_key(|r| std::cmp::Reverse(text(r, "issue_time")));
        Ok(rows
            .iter()
            .map(|r| ServerQuery {
                id: text(r, "id"),
                query_type: text(r, "query_type"),
                query_text: text(r, "query_text"),
                issue_time: text(r, "issue_time"),
                phase: text(r, "phase"),
                running: r.get("running").and_then(Value::as_bool).unwrap_or(false),
            })
            .collect())
    }

    /// The last-value and distinct-value caches of a database.
    pub async fn caches(&self, db: &str) -> Result<Vec<Cache>> {
        self.need_v3("last-value and distinct-value caches")?;
        let mut out = Vec::new();
        for r in self
            .sql_rows(db, "SELECT * FROM system.last_caches ORDER BY table, name")
            .await?
        {
            out.push(Cache {
                kind: CacheKind::Last,
                name: text(&r, "name"),
                table: text(&r, "table"),
                columns: strings(r.get("key_column_names")),
                value_columns: strings(r.get("value_column_names")),
                size: r.get("count").and_then(Value::as_u64).unwrap_or(0),
                max_age_seconds: r.get("ttl").and_then(Value::as_u64).unwrap_or(0),
            });
        }
        for r in self
            .sql_rows(
                db,
                "SELECT * FROM system.distinct_caches ORDER BY table, name",
            )
            .await?
        {
            out.push(Cache {
                kind: CacheKind::Distinct,
                name: text(&r, "name"),
                table: text(&r, "table"),
                columns: strings(r.get("column_names")),
                value_columns: vec![],
                size: r
                    .get("max_cardinality")
                    .and_then(Value::as_u64)
                    .unwrap_or(0),
                max_age_seconds: r
                    .get("max_age_seconds")
                    .and_then(Value::as_u64)
                    .unwrap_or(0),
            });
        }
        Ok(out)
    }
}
