//! The server's running queries: list them (1.x `SHOW QUERIES`, 3.x `system.queries`) and stop
//! one (1.x `KILL QUERY`). Stopping is an admin action: assistants go through the policy.

use schemars::JsonSchema;
use serde::Deserialize;
use ts_rs::TS;

use crate::api::{Ctx, policy, profiles};
use crate::error::{Error, Result};
pub use crate::influx::queries::RunningQuery;
use crate::model::{Actor, Profile};

/// List the server's running queries.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct ListQueriesReq {
    /// Profile id or name; the active profile when absent.
    pub profile: Option<String>,
    /// InfluxDB 3: also the finished queries the server still remembers (3.10 Core marks a
    /// streaming query finished once planned, although it still runs). 1.x lists running
    /// ones only.
    pub all: bool,
}

/// Stop a running query.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct KillQueryReq {
    /// Profile id or name; the active profile when absent.
    pub profile: Option<String>,
    /// The query's id as the list shows it (on InfluxDB 1.x the `qid` number).
    pub id: String,
}

/// The database a 3.x listing goes through: `system.queries` is the same in each one.
fn listing_db(p: &Profile) -> String {
    p.database
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .unwrap_or("_internal")
        .to_string()
}

/// The queries the server runs now (not this listing itself).
pub async fn list(ctx: &Ctx, req: ListQueriesReq) -> Result<Vec<RunningQuery>> {
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    ctx.client(&p)
        .await?
        .running_queries(&listing_db(&p), req.all)
        .await
}

/// Stop the running query `req.id` on the server; returns it as it was listed. The running
/// client gets the server's "query interrupted".
pub async fn kill(ctx: &Ctx, actor: &Actor, req: KillQueryReq) -> Result<RunningQuery> {
    let id_text = req.id.trim();
    let id: u64 = id_text.parse().map_err(|_| {
        Error::invalid(format!(
            "\"{id_text}\" is not a query id: use a number from the list of running queries \
             (the qid column of SHOW QUERIES)"
        ))
    })?;
    let p = profiles::resolve(ctx, req.profile.as_deref()).await?;
    let c = ctx.client(&p).await?;
    let running = c.running_queries(&listing_db(&p), false).await?;
    let q = running
        .into_iter()
        .find(|q| q.id == id.to_string())
        .ok_or_else(|| {
            Error::NotFound(format!(
                "no query {id} runs on {} now (it may have finished): list the running queries \
                 again",
                p.name
            ))
        })?;
    if !q.killable {
        // The client says why (3.x has no way to stop another client's query).
        c.kill_running_query(id).await?;
    }
    let what = format!(
        "stop query {id} on {}\nKILL QUERY {id}\nthe query: {}\ndatabase: {}\nrunning for: {}",
        p.name,
        q.query,
        if q.database.is_empty() {
            "(none)"
        } else {
            &q.database
        },
        q.duration
    );
    policy::check_admin(ctx, actor, &p, &what).await?;
    c.kill_running_query(id).await?;
    ctx.emit(actor, "query.kill", format!("query {id} on {}", p.name));
    Ok(q)
}
