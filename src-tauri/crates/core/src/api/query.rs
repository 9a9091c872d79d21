//! Run a query on a profile in InfluxQL, Flux or SQL, into the one result model.

use std::time::Instant;

use super::{Ctx, profiles};
use crate::error::{Error, Result};
use crate::model::{Actor, QueryResult, RunQueryReq};

/// Run `req.query`; results are capped at the row limit (and say so when it bites).
pub async fn run(ctx: &Ctx, actor: &Actor, req: RunQueryReq) -> Result<QueryResult> {
    if req.query.trim().is_empty() {
        return Err(Error::invalid("the query is empty: type a query first"));
    }
    let profile = profiles::resolve(ctx, req.profile.as_deref()).await?;
    let client = ctx.client(&profile).await?;
    let language = req
        .language
        .unwrap_or_else(|| super::natural_language(client.api()));
    let row_limit = match req.row_limit {
        Some(0) => return Err(Error::invalid("row_limit must be at least 1")),
        Some(n) => n,
        None => ctx.store.settings()?.row_limit,
    };
    let database = req.database.as_deref().or(profile.database.as_deref());
    let start = Instant::now();
    let (frames, truncated) = client
        .query(language, database, &req.query, row_limit)
        .await?;
    let elapsed_ms = start.elapsed().as_secs_f64() * 1000.0;
    let rows = frames.iter().map(|f| f.rows()).sum();
    ctx.emit(
        actor,
        "query.run",
        format!("{rows} rows from {} in {elapsed_ms:.0} ms", profile.name),
    );
    Ok(QueryResult {
        frames,
        language,
        rows,
        truncated,
        row_limit,
        elapsed_ms,
    })
}
