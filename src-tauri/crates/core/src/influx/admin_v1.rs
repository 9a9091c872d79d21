//! InfluxDB 1.x administration statements: retention policies (`SHOW`/`CREATE`/`ALTER`/`DROP
//! RETENTION POLICY`), continuous queries (`SHOW`/`CREATE`/`DROP CONTINUOUS QUERY`) and the
//! per-database numbers `SHOW STATS` reports (series, disk bytes). Every name is quoted with
//! [`quote_ident`]; the statements are built here so the approval dialog shows exactly what runs.

use std::collections::HashMap;

use super::Client;
use super::buckets::{v1_retention_policies, v1_rp_duration};
use super::schema::quote_ident;
use crate::error::{Error, Result};
use crate::model::RetentionPolicy;

/// What `SHOW STATS` tells about one database.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DbStats {
    pub series: Option<u64>,
    pub size_bytes: Option<u64>,
}

/// A 1.x continuous query as `SHOW CONTINUOUS QUERIES` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct RawCq {
    pub database: String,
    pub name: String,
    pub query: String,
}

/// `CREATE RETENTION POLICY "rp" ON "db" DURATION .. REPLICATION 1 [SHARD DURATION ..] [DEFAULT]`.
pub fn create_rp(
    db: &str,
    rp: &str,
    duration: Option<u64>,
    shard_group: Option<u64>,
    default: bool,
) -> String {
    let mut q = format!(
        "CREATE RETENTION POLICY {} ON {} DURATION {} REPLICATION 1",
        quote_ident(rp),
        quote_ident(db),
        v1_rp_duration(duration)
    );
    if let Some(s) = shard_group {
        q += &format!(" SHARD DURATION {s}s");
    }
    if default {
        q += " DEFAULT";
    }
    q
}

/// `DROP RETENTION POLICY "rp" ON "db"`.
pub fn drop_rp(db: &str, rp: &str) -> String {
    format!(
        "DROP RETENTION POLICY {} ON {}",
        quote_ident(rp),
        quote_ident(db)
    )
}

/// `DROP CONTINUOUS QUERY "cq" ON "db"`.
pub fn drop_cq(db: &str, cq: &str) -> String {
    format!(
        "DROP CONTINUOUS QUERY {} ON {}",
        quote_ident(cq),
        quote_ident(db)
    )
}

impl Client {
    /// The retention policies of one database.
    pub async fn v1_retention_policies(&self, db: &str) -> Result<Vec<RetentionPolicy>> {
        let q = format!("SHOW RETENTION POLICIES ON {}", quote_ident(db));
        match self.iql(&q, None).await {
            Ok(f) => Ok(v1_retention_policies(&f)),
            Err(e) if e.message().contains("database not found") => Err(Error::NotFound(format!(
                "no database named \"{db}\" (db list shows them)"
            ))),
            Err(e) => Err(e),
        }
    }

    /// Run one administrative InfluxQL statement (POSTed: it changes state).
    pub async fn v1_exec(&self, statement: &str, db: Option<&str>) -> Result<()> {
        self.iql(statement, db).await.map(|_| ())
    }

    /// Run a read-only InfluxQL statement and return its frames.
    pub async fn v1_read(
        &self,
        statement: &str,
        db: Option<&str>,
    ) -> Result<Vec<crate::model::Frame>> {
        self.iql(statement, db).await
    }

    /// Continuous queries, of every database or of one.
    pub async fn v1_continuous_queries(&self, db: Option<&str>) -> Result<Vec<RawCq>> {
        let frames = self.iql("SHOW CONTINUOUS QUERIES", None).await?;
        let mut out = Vec::new();
        for f in &frames {
            if db.is_some_and(|d| d != f.name) {
                continue;
            }
            let (Some(n), Some(q)) = (f.column("name"), f.column("query")) else {
                continue;
            };
            for (name, query) in n.values.iter().zip(&q.values) {
                out.push(RawCq {
                    database: f.name.clone(),
                    name: name.as_str().unwrap_or_default().to_string(),
                    query: query.as_str().unwrap_or_default().to_string(),
                });
            }
        }
        Ok(out)
    }

    /// Series cardinality and disk bytes per database, from `SHOW STATS` (its `database` and
    /// `shard` modules). Needs admin rights when auth is on.
    pub async fn v1_database_stats(&self) -> Result<HashMap<String, DbStats>> {
        let frames = self.iql("SHOW STATS", None).await?;
        let first = |f: &crate::model::Frame, col: &str| {
            f.column(col)
                .and_then(|c| c.values.first())
                .and_then(crate::model::Cell::as_f64)
        };
        let mut out: HashMap<String, DbStats> = HashMap::new();
        for f in &frames {
            let Some(db) = f.tags.get("database") else {
                continue;
            };
            match f.name.as_str() {
                "database" => {
                    out.entry(db.clone()).or_default().series =
                        first(f, "numSeries").map(|n| n as u64);
                }
                "shard" => {
                    if let Some(b) = first(f, "diskBytes") {
                        let e = out.entry(db.clone()).or_default();
                        e.size_bytes = Some(e.size_bytes.unwrap_or(0) + b as u64);
                    }
                }
                _ => {}
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_quote_every_name() {
        assert_eq!(
            create_rp("my \"db\"", "a_year", Some(31_536_000), Some(86_400), false),
            "CREATE RETENTION POLICY \"a_year\" ON \"my \\\"db\\\"\" DURATION 31536000s \
             REPLICATION 1 SHARD DURATION 86400s"
        );
        assert_eq!(
            create_rp("d", "r", None, None, true),
            "CREATE RETENTION POLICY \"r\" ON \"d\" DURATION INF REPLICATION 1 DEFAULT"
        );
        assert_eq!(drop_rp("d", "r"), "DROP RETENTION POLICY \"r\" ON \"d\"");
        assert_eq!(drop_cq("d", "c"), "DROP CONTINUOUS QUERY \"c\" ON \"d\"");
    }
}
