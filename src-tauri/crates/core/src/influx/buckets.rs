//! Databases and buckets with their retention, on each generation: v1 `CREATE DATABASE ...
//! WITH DURATION`, `ALTER RETENTION POLICY`, `DROP DATABASE`; v2 `/api/v2/buckets` with
//! `retentionRules`; v3 `/api/v3/configure/database` with `retention_period`.

use reqwest::Method;
use serde_json::{Value, json};

use super::parse::Budget;
use super::schema::quote_ident;
use super::{Client, json_body};
use crate::error::{Error, Result};
use crate::model::{ApiKind, Bucket, Cell, RetentionPolicy};

/// Seconds as a short duration: 2592000 -> "30d", None -> "forever".
pub fn human(secs: Option<u64>) -> String {
    match secs {
        None | Some(0) => "forever".into(),
        Some(s) if s % 86_400 == 0 => format!("{}d", s / 86_400),
        Some(s) if s % 3600 == 0 => format!("{}h", s / 3600),
        Some(s) if s % 60 == 0 => format!("{}m", s / 60),
        Some(s) => format!("{s}s"),
    }
}

/// Go durations as 1.x prints them ("720h0m0s", "0s" = forever) to seconds.
pub(crate) fn v1_duration(s: &str) -> Option<u64> {
    let mut total = 0u64;
    let mut num = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: u64 = num.parse().unwrap_or(0);
        num.clear();
        total += n * match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => 0,
        };
    }
    (total > 0).then_some(total)
}

pub(crate) fn v1_rp_duration(secs: Option<u64>) -> String {
    match secs {
        None => "INF".into(),
        Some(s) => format!("{s}s"),
    }
}

impl Client {
    pub(super) async fn v2_org_id(&self) -> Result<String> {
        let org = self.org.clone().ok_or_else(|| {
            Error::invalid("this InfluxDB 2.x profile has no organization: set it in the profile")
        })?;
        let rb = self
            .request(Method::GET, "/api/v2/orgs")
            .query(&[("org", org.as_str())]);
        let resp = self.send(rb, "looking up the organization").await?;
        let v = json_body(self.check(resp, "looking up the organization").await?).await?;
        v.get("orgs")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .and_then(|o| o.get("id"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| {
                Error::NotFound(format!("no organization named \"{org}\" on this server"))
            })
    }

    async fn v2_bucket_id(&self, name: &str) -> Result<String> {
        self.list_buckets()
            .await?
            .into_iter()
            .find(|b| b.name == name)
            .and_then(|b| b.id)
            .ok_or_else(|| Error::NotFound(format!("no bucket named \"{name}\"")))
    }

    pub(super) async fn iql(&self, q: &str, db: Option<&str>) -> Result<Vec<crate::model::Frame>> {
        self.query_v1(q, db, &mut Budget::new(100_000)).await
    }

    /// Live v3 databases' retention in seconds (None: forever), from `system.databases`. On
    /// 3.10 Core that table is only reachable through the `_internal` database, and it also
    /// lists soft-deleted databases (`deleted: true`, renamed `name-<time>`): those are left out.
    async fn v3_retention_periods(&self) -> Result<std::collections::HashMap<String, Option<u64>>> {
        let (frames, _) = self
            .query(
                crate::model::QueryLanguage::Sql,
                Some("_internal"),
                "SELECT * FROM system.databases",
                100_000,
            )
            .await?;
        let mut out = std::collections::HashMap::new();
        for f in &frames {
            let Some(names) = f.column("database_name") else {
                continue;
            };
            for (i, name) in names.values.iter().enumerate() {
                let Some(name) = name.as_str() else { continue };
                let cell = |c: &str| f.column(c).and_then(|c| c.values.get(i));
                if cell("deleted").and_then(|d| d.as_bool()) == Some(true) {
                    continue;
                }
                let secs = cell("retention_period_ns")
                    .and_then(|v| v.as_u64())
                    .map(|ns| ns / 1_000_000_000)
                    .filter(|s| *s > 0);
                out.insert(name.to_string(), secs);
            }
        }
        Ok(out)
    }

    pub async fn list_buckets(&self) -> Result<Vec<Bucket>> {
        match self.api {
            ApiKind::V2 => {
                let mut out = Vec::new();
                loop {
                    let mut q = vec![
                        ("limit", "100".to_string()),
                        ("offset", out.len().to_string()),
                    ];
                    if let Some(org) = &self.org {
                        q.push(("org", org.clone()));
                    }
                    let resp = self
                        .send(
                            self.request(Method::GET, "/api/v2/buckets").query(&q),
                            "listing buckets",
                        )
                        .await?;
                    let v = json_body(self.check(resp, "listing buckets").await?).await?;
                    let page: Vec<Bucket> = v
                        .get("buckets")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .map(|b| {
                            let secs = b
                                .get("retentionRules")
                                .and_then(Value::as_array)
                                .and_then(|r| r.first())
                                .and_then(|r| r.get("everySeconds"))
                                .and_then(Value::as_u64)
                                .filter(|s| *s > 0);
                            Bucket {
                                name: b
                                    .get("name")
                                    .and_then(Value::as_str)
                                    .unwrap_or_default()
                                    .into(),
                                id: b.get("id").and_then(Value::as_str).map(str::to_string),
                                retention_seconds: secs,
                                retention: human(secs),
                                description: b
                                    .get("description")
                                    .and_then(Value::as_str)
                                    .map(str::to_string),
                                ..Bucket::default()
                            }
                        })
                        .collect();
                    let n = page.len();
                    out.extend(page);
                    if n < 100 {
                        break;
                    }
                }
                Ok(out)
            }
            ApiKind::V3 => {
                let rb = self
                    .request(Method::GET, "/api/v3/configure/database")
                    .query(&[("format", "json")]);
                let v = json_body(
                    self.check(
                        self.send(rb, "listing databases").await?,
                        "listing databases",
                    )
                    .await?,
                )
                .await?;
                let rows: Vec<Value> = v
                    .get("databases")
                    .and_then(Value::as_array)
                    .or_else(|| v.as_array())
                    .cloned()
                    .unwrap_or_default();
                let mut out: Vec<Bucket> = rows
                    .iter()
                    .filter_map(|r| {
                        let name = r.as_str().map(str::to_string).or_else(|| {
                            r.get("iox::database")
                                .or_else(|| r.get("name"))
                                .and_then(Value::as_str)
                                .map(str::to_string)
                        })?;
                        let secs = r
                            .get("retention_period_ns")
                            .and_then(Value::as_u64)
                            .map(|ns| ns / 1_000_000_000)
                            .or_else(|| {
                                r.get("retention_period")
                                    .and_then(Value::as_str)
                                    .and_then(|d| super::timerange::parse_duration(d).ok())
                                    .map(|d| d.num_seconds() as u64)
                            })
                            .filter(|s| *s > 0);
                        (name != "_internal").then(|| Bucket {
                            name,
                            id: None,
                            retention_seconds: secs,
                            retention: human(secs),
                            ..Bucket::default()
                        })
                    })
                    .collect();
                // The real InfluxDB 3 Core (3.10) lists names only (`format=json` answers
                // `[{"iox::database": ...}]`, no retention): the retention is in its
                // `system.databases` table. Without access to it the listing still stands.
                if let Ok(periods) = self.v3_retention_periods().await {
                    for b in &mut out {
                        if let Some(secs) = periods.get(&b.name) {
                            b.retention_seconds = *secs;
                            b.retention = human(*secs);
                        }
                    }
                }
                Ok(out)
            }
            _ => {
                let names = self.v1_databases().await?;
                let mut out = Vec::new();
                for name in names {
                    let frames = match self
                        .iql(
                            &format!("SHOW RETENTION POLICIES ON {}", quote_ident(&name)),
                            None,
                        )
                        .await
                    {
                        Ok(f) => f,
                        // Dropped since it was listed (by someone else, in between): it is
                        // simply no longer there.
                        Err(e) if e.message().contains("database not found") => continue,
                        Err(e) => return Err(e),
                    };
                    let rps = v1_retention_policies(&frames);
                    let default = rps.iter().find(|r| r.default);
                    let secs = default.and_then(|r| r.duration_seconds);
                    out.push(Bucket {
                        name,
                        retention_seconds: secs,
                        retention: human(secs),
                        shard_group_seconds: default.and_then(|r| r.shard_group_seconds),
                        retention_policies: rps,
                        ..Bucket::default()
                    });
                }
                Ok(out)
            }
        }
    }

    pub async fn create_bucket(
        &self,
        name: &str,
        retention: Option<u64>,
        description: Option<&str>,
        shard_group: Option<u64>,
    ) -> Result<()> {
        match self.api {
            ApiKind::V2 => {
                let org_id = self.v2_org_id().await?;
                let mut body = json!({"orgID": org_id, "name": name, "retentionRules": []});
                if let Some(s) = retention {
                    body["retentionRules"] = json!([{"type": "expire", "everySeconds": s}]);
                }
                if let Some(d) = description {
                    body["description"] = json!(d);
                }
                let rb = self.request(Method::POST, "/api/v2/buckets").json(&body);
                self.check(
                    self.send(rb, "creating the bucket").await?,
                    "creating the bucket",
                )
                .await?;
            }
            ApiKind::V3 => {
                let mut body = json!({"db": name});
                if let Some(s) = retention {
                    body["retention_period"] = json!(human(Some(s)));
                }
                let rb = self
                    .request(Method::POST, "/api/v3/configure/database")
                    .json(&body);
                self.check(
                    self.send(rb, "creating the database").await?,
                    "creating the database",
                )
                .await?;
            }
            _ => {
                if self.v1_databases().await?.iter().any(|d| d == name) {
                    return Err(Error::Conflict(format!(
                        "database \"{name}\" already exists"
                    )));
                }
                let q = v1_create_database(name, retention, shard_group);
                self.iql(&q, None).await?;
            }
        }
        Ok(())
    }

    pub async fn update_bucket(
        &self,
        name: &str,
        retention: Option<Option<u64>>,
        description: Option<&str>,
        shard_group: Option<u64>,
    ) -> Result<()> {
        match self.api {
            ApiKind::V2 => {
                let id = self.v2_bucket_id(name).await?;
                let mut body = json!({});
                if let Some(r) = retention {
                    body["retentionRules"] =
                        json!([{"type": "expire", "everySeconds": r.unwrap_or(0)}]);
                }
                if let Some(d) = description {
                    body["description"] = json!(d);
                }
                let rb = self
                    .request(Method::PATCH, &format!("/api/v2/buckets/{id}"))
                    .json(&body);
                self.check(
                    self.send(rb, "updating the bucket").await?,
                    "updating the bucket",
                )
                .await?;
            }
            ApiKind::V3 => {
                let rb = match retention {
                    None => return Ok(()),
                    Some(None) => self
                        .request(
                            Method::DELETE,
                            "/api/v3/configure/database/retention_period",
                        )
                        .query(&[("db", name)]),
                    // The spec's UpdateDatabaseRequest declares only `retention_period` and no
                    // `db` parameter: the database is named in the body, as on create.
                    Some(Some(s)) => self
                        .request(Method::PUT, "/api/v3/configure/database")
                        .json(&json!({"db": name, "retention_period": human(Some(s))})),
                };
                self.check(
                    self.send(rb, "updating the database").await?,
                    "updating the database",
                )
                .await?;
            }
            _ => {
                if retention.is_none() && shard_group.is_none() {
                    return Ok(());
                }
                let buckets = self.list_buckets().await?;
                let b = buckets
                    .iter()
                    .find(|b| b.name == name)
                    .ok_or_else(|| Error::NotFound(format!("no database named \"{name}\"")))?;
                let rp = b
                    .retention_policies
                    .iter()
                    .find(|r| r.default)
                    .map_or("autogen", |r| r.name.as_str());
                let q = v1_alter_rp(name, rp, retention, shard_group, false);
                self.iql(&q, None).await?;
            }
        }
        Ok(())
    }

    pub async fn delete_bucket(&self, name: &str) -> Result<()> {
        match self.api {
            ApiKind::V2 => {
                let id = self.v2_bucket_id(name).await?;
                let rb = self.request(Method::DELETE, &format!("/api/v2/buckets/{id}"));
                self.check(
                    self.send(rb, "deleting the bucket").await?,
                    "deleting the bucket",
                )
                .await?;
            }
            ApiKind::V3 => {
                let rb = self
                    .request(Method::DELETE, "/api/v3/configure/database")
                    .query(&[("db", name)]);
                self.check(
                    self.send(rb, "deleting the database").await?,
                    "deleting the database",
                )
                .await?;
            }
            _ => {
                if !self.v1_databases().await?.iter().any(|d| d == name) {
                    return Err(Error::NotFound(format!("no database named \"{name}\"")));
                }
                self.iql(&format!("DROP DATABASE {}", quote_ident(name)), None)
                    .await?;
            }
        }
        Ok(())
    }
}

/// `CREATE DATABASE "db" WITH DURATION ... [SHARD DURATION ...]`.
pub fn v1_create_database(name: &str, retention: Option<u64>, shard_group: Option<u64>) -> String {
    let mut q = format!(
        "CREATE DATABASE {} WITH DURATION {}",
        quote_ident(name),
        v1_rp_duration(retention)
    );
    if let Some(s) = shard_group {
        q += &format!(" SHARD DURATION {s}s");
    }
    q
}

/// `ALTER RETENTION POLICY "rp" ON "db" [DURATION ..] [SHARD DURATION ..] [DEFAULT]`.
pub fn v1_alter_rp(
    db: &str,
    rp: &str,
    retention: Option<Option<u64>>,
    shard_group: Option<u64>,
    make_default: bool,
) -> String {
    let mut q = format!(
        "ALTER RETENTION POLICY {} ON {}",
        quote_ident(rp),
        quote_ident(db)
    );
    if let Some(r) = retention {
        q += &format!(" DURATION {}", v1_rp_duration(r));
    }
    if let Some(s) = shard_group {
        q += &format!(" SHARD DURATION {s}s");
    }
    if make_default {
        q += " DEFAULT";
    }
    q
}

/// `SHOW RETENTION POLICIES` frames -> policies (name, duration, shardGroupDuration, replicaN,
/// default).
pub(crate) fn v1_retention_policies(frames: &[crate::model::Frame]) -> Vec<RetentionPolicy> {
    let mut rps = Vec::new();
    for f in frames {
        let (Some(n), Some(d), Some(def)) =
            (f.column("name"), f.column("duration"), f.column("default"))
        else {
            continue;
        };
        let sg = f.column("shardGroupDuration");
        let rep = f.column("replicaN");
        for i in 0..f.rows() {
            rps.push(RetentionPolicy {
                name: n.str_at(i).unwrap_or_default().to_string(),
                duration_seconds: d
                    .values
                    .get(i)
                    .and_then(|v| v.as_str())
                    .and_then(v1_duration),
                default: def.values.get(i).and_then(Cell::as_bool).unwrap_or(false),
                shard_group_seconds: sg
                    .and_then(|c| c.values.get(i))
                    .and_then(|v| v.as_str())
                    .and_then(v1_duration),
                replication: rep.and_then(|c| c.values.get(i)).and_then(Cell::as_u64),
            });
        }
    }
    rps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(v1_duration("720h0m0s"), Some(2_592_000));
        assert_eq!(v1_duration("0s"), None);
        assert_eq!(human(Some(2_592_000)), "30d");
        assert_eq!(human(Some(5400)), "90m");
        assert_eq!(human(None), "forever");
        assert_eq!(v1_rp_duration(Some(3600)), "3600s");
    }
}
