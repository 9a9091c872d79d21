//! The schema browser's data: databases/buckets -> measurements -> tag keys (values on
//! demand, searchable) and field keys with types, on whichever server the profile speaks to.

use super::{Ctx, profiles};
use crate::error::{Error, Result};
use crate::influx::Client;
use crate::model::{FieldKey, Profile, SchemaReq};

const DEFAULT_LIMIT: usize = 1000;

async fn open(ctx: &Ctx, req: &SchemaReq) -> Result<(Profile, Client)> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    let c = ctx.client(&p).await?;
    Ok((p, c))
}

fn database<'a>(req: &'a SchemaReq, p: &'a Profile) -> Result<&'a str> {
    req.database
        .as_deref()
        .or(p.database.as_deref())
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .ok_or_else(|| Error::invalid("pick a database or bucket first"))
}

fn measurement(req: &SchemaReq) -> Result<&str> {
    req.measurement
        .as_deref()
        .filter(|m| !m.is_empty())
        .ok_or_else(|| Error::invalid("pick a measurement first"))
}

/// Databases (v1, v3) or buckets (v2).
pub async fn databases(ctx: &Ctx, req: SchemaReq) -> Result<Vec<String>> {
    let (_, c) = open(ctx, &req).await?;
    c.databases().await
}

pub async fn measurements(ctx: &Ctx, req: SchemaReq) -> Result<Vec<String>> {
    let (p, c) = open(ctx, &req).await?;
    c.measurements(database(&req, &p)?, req.limit.unwrap_or(DEFAULT_LIMIT))
        .await
}

pub async fn tag_keys(ctx: &Ctx, req: SchemaReq) -> Result<Vec<String>> {
    let (p, c) = open(ctx, &req).await?;
    c.tag_keys(database(&req, &p)?, measurement(&req)?).await
}

pub async fn tag_values(ctx: &Ctx, req: SchemaReq) -> Result<Vec<String>> {
    let (p, c) = open(ctx, &req).await?;
    let key = req
        .tag_key
        .as_deref()
        .filter(|k| !k.is_empty())
        .ok_or_else(|| Error::invalid("pick a tag key first"))?;
    c.tag_values(
        database(&req, &p)?,
        measurement(&req)?,
        key,
        req.search.as_deref(),
        req.limit.unwrap_or(DEFAULT_LIMIT),
    )
    .await
}

pub async fn field_keys(ctx: &Ctx, req: SchemaReq) -> Result<Vec<FieldKey>> {
    let (p, c) = open(ctx, &req).await?;
    c.field_keys(database(&req, &p)?, measurement(&req)?).await
}
