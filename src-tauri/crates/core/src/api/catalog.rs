//! What InfluxDB 3 users expect beyond databases: its tables with columns and types (and table
//! delete), the server's running queries (`system.queries`), and its last-value and
//! distinct-value caches. InfluxDB 3 only: other servers get an InvalidInput that says so.

use schemars::JsonSchema;
use serde::Deserialize;
use ts_rs::TS;

use super::{Ctx, profiles};
use crate::error::{Error, Result};
pub use crate::influx::catalog::{Cache, CacheKind, ColumnRole, ServerQuery, Table, TableColumn};
use crate::model::{Actor, Profile};

/// Ask about a database's catalog.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct CatalogReq {
    /// Profile id or name; the active profile when absent.
    pub profile: Option<String>,
    /// The database; the profile's default when absent.
    pub database: Option<String>,
}

/// Delete one table of an InfluxDB 3 database, with its data.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct DeleteTableReq {
    /// Profile id or name; the active profile when absent.
    pub profile: Option<String>,
    /// The database; the profile's default when absent.
    pub database: Option<String>,
    pub table: String,
}

/// List the server's queries.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct ServerQueriesReq {
    /// Profile id or name; the active profile when absent.
    pub profile: Option<String>,
    /// The database to ask through (any works; the profile's default when absent).
    pub database: Option<String>,
    /// Also the finished queries the server still remembers (default: running ones only).
    pub all: bool,
}

fn database(req_db: Option<&str>, p: &Profile) -> Result<String> {
    req_db
        .or(p.database.as_deref())
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_string)
        .ok_or_else(|| Error::invalid("pick a database first (or set the profile's default)"))
}

/// Tables of the database with their columns (time, tags, typed fields), by name.
pub async fn tables(ctx: &Ctx, req: CatalogReq) -> Result<Vec<Table>> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    let db = database(req.database.as_deref(), &p)?;
    ctx.client(&p).await?.tables(&db).await
}

/// Delete a table and its data.
pub async fn delete_table(ctx: &Ctx, actor: &Actor, req: DeleteTableReq) -> Result<()> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    let db = database(req.database.as_deref(), &p)?;
    let table = req.table.trim();
    if table.is_empty() {
        return Err(Error::invalid("name the table to delete"));
    }
    let what = format!("delete the table \"{table}\" of \"{db}\" and all its data");
    super::policy::check_admin(ctx, actor, &p, &what).await?;
    let c = ctx.client(&p).await?;
    if !c.tables(&db).await?.iter().any(|t| t.name == table) {
        return Err(Error::NotFound(format!(
            "database \"{db}\" has no table \"{table}\""
        )));
    }
    c.delete_table(&db, table).await?;
    ctx.emit(
        actor,
        "table.delete",
        format!("{table} in {db} on {}", p.name),
    );
    Ok(())
}

/// The server's running queries (all it remembers with `all`), newest first.
pub async fn server_queries(ctx: &Ctx, req: ServerQueriesReq) -> Result<Vec<ServerQuery>> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    // system.queries is the same through every database; `_internal` always exists.
    let db = database(req.database.as_deref(), &p).unwrap_or_else(|_| "_internal".into());
    ctx.client(&p).await?.server_queries(&db, req.all).await
}

/// The database's last-value and distinct-value caches.
pub async fn caches(ctx: &Ctx, req: CatalogReq) -> Result<Vec<Cache>> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    let db = database(req.database.as_deref(), &p)?;
    ctx.client(&p).await?.caches(&db).await
}
