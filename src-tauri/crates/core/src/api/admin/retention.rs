//! InfluxDB 1.x retention policies per database: list, create, alter, drop, with the default
//! flag, duration and shard group duration (replication is always 1 on open-source 1.x).

use schemars::JsonSchema;
use serde::Deserialize;
use ts_rs::TS;

use super::{check_name, client_for, parse_keep};
use crate::api::Ctx;
use crate::error::{Error, Result};
use crate::influx::admin_v1;
use crate::influx::buckets::v1_alter_rp;
use crate::model::{Actor, ApiKind, RetentionPolicy};

const WHY: &str = "retention policies";

/// Which database's retention policies.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct ListRpReq {
    /// Profile id or name; the active profile when absent.
    pub profile: Option<String>,
    pub database: String,
}

/// Create a retention policy (InfluxDB 1.x).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct CreateRpReq {
    pub profile: Option<String>,
    pub database: String,
    /// The policy's name.
    pub name: String,
    /// How long data is kept: "7d", "52w", "1y"; "inf" (default) keeps it forever. At least 1h.
    pub duration: Option<String>,
    /// How much time one shard group covers, e.g. "1d"; the server picks when absent.
    pub shard_group_duration: Option<String>,
    /// Make it the database's default policy (where writes without a policy go).
    pub default: bool,
}

/// Change a retention policy (InfluxDB 1.x). Absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct AlterRpReq {
    pub profile: Option<String>,
    pub database: String,
    pub name: String,
    /// New duration: "7d", "1y", or "inf".
    pub duration: Option<String>,
    /// New shard group duration, e.g. "1d".
    pub shard_group_duration: Option<String>,
    /// Make it the default policy (a policy stops being the default only when another becomes it).
    pub default: bool,
}

/// Drop a retention policy and all the data in it (InfluxDB 1.x).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct DropRpReq {
    pub profile: Option<String>,
    pub database: String,
    pub name: String,
}

fn shard_group(s: Option<&str>) -> Result<Option<u64>> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => match parse_keep("shard group duration", Some(s))? {
            None => Err(Error::invalid(
                "a shard group duration cannot be infinite: use e.g. 1h, 1d or 7d",
            )),
            some => Ok(some),
        },
    }
}

pub async fn list(ctx: &Ctx, req: ListRpReq) -> Result<Vec<RetentionPolicy>> {
    let db = check_name("database", &req.database)?;
    let (_, c) = client_for(ctx, req.profile.as_deref(), ApiKind::V1, WHY).await?;
    c.v1_retention_policies(db).await
}

async fn find(c: &crate::influx::Client, db: &str, name: &str) -> Result<Option<RetentionPolicy>> {
    Ok(c.v1_retention_policies(db)
        .await?
        .into_iter()
        .find(|r| r.name == name))
}

pub async fn create(ctx: &Ctx, actor: &Actor, req: CreateRpReq) -> Result<RetentionPolicy> {
    let db = check_name("database", &req.database)?;
    let name = check_name("retention policy", &req.name)?;
    let duration = parse_keep("duration", req.duration.as_deref())?;
    let sg = shard_group(req.shard_group_duration.as_deref())?;
    let (p, c) = client_for(ctx, req.profile.as_deref(), ApiKind::V1, WHY).await?;
    if find(&c, db, name).await?.is_some() {
        return Err(Error::Conflict(format!(
            "database \"{db}\" already has a retention policy \"{name}\": use rp edit to change it"
        )));
    }
    let q = admin_v1::create_rp(db, name, duration, sg, req.default);
    let what = format!("create the retention policy \"{name}\" on \"{db}\"\n{q}");
    crate::api::policy::check_admin(ctx, actor, &p, &what).await?;
    c.v1_exec(&q, None).await?;
    ctx.emit(actor, "rp.create", format!("{db}/{name} on {}", p.name));
    find(&c, db, name).await?.ok_or_else(|| {
        Error::Internal(format!(
            "the server did not list \"{name}\" after creating it"
        ))
    })
}

pub async fn alter(ctx: &Ctx, actor: &Actor, req: AlterRpReq) -> Result<RetentionPolicy> {
    let db = check_name("database", &req.database)?;
    let name = check_name("retention policy", &req.name)?;
    let duration = req
        .duration
        .as_deref()
        .map(|d| parse_keep("duration", Some(d)))
        .transpose()?;
    let sg = shard_group(req.shard_group_duration.as_deref())?;
    if duration.is_none() && sg.is_none() && !req.default {
        return Err(Error::invalid(
            "nothing to change: give a duration, a shard group duration or default",
        ));
    }
    let (p, c) = client_for(ctx, req.profile.as_deref(), ApiKind::V1, WHY).await?;
    if find(&c, db, name).await?.is_none() {
        return Err(Error::NotFound(format!(
            "database \"{db}\" has no retention policy \"{name}\" (rp list shows them)"
        )));
    }
    let q = v1_alter_rp(db, name, duration, sg, req.default);
    let what = format!("change the retention policy \"{name}\" on \"{db}\"\n{q}");
    crate::api::policy::check_admin(ctx, actor, &p, &what).await?;
    c.v1_exec(&q, None).await?;
    ctx.emit(actor, "rp.update", format!("{db}/{name} on {}", p.name));
    find(&c, db, name)
        .await?
        .ok_or_else(|| Error::NotFound(format!("\"{name}\" is gone from \"{db}\"")))
}

pub async fn drop(ctx: &Ctx, actor: &Actor, req: DropRpReq) -> Result<()> {
    let db = check_name("database", &req.database)?;
    let name = check_name("retention policy", &req.name)?;
    let (p, c) = client_for(ctx, req.profile.as_deref(), ApiKind::V1, WHY).await?;
    let rp = find(&c, db, name).await?.ok_or_else(|| {
        Error::NotFound(format!(
            "database \"{db}\" has no retention policy \"{name}\" (rp list shows them)"
        ))
    })?;
    if rp.default {
        return Err(Error::invalid(format!(
            "\"{name}\" is the default retention policy of \"{db}\": writes without a policy go \
             there. Make another policy the default first (rp edit --default)."
        )));
    }
    let q = admin_v1::drop_rp(db, name);
    let what = format!("drop the retention policy \"{name}\" on \"{db}\" and all its data\n{q}");
    crate::api::policy::check_admin(ctx, actor, &p, &what).await?;
    c.v1_exec(&q, None).await?;
    ctx.emit(actor, "rp.delete", format!("{db}/{name} on {}", p.name));
    Ok(())
}
