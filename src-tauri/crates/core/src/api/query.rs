//! Run a query on a profile in InfluxQL, Flux or SQL, into the one result model: apply the
//! time range, run it cancellably (a cancelled v1 query is also killed on the server), record
//! it in the history, and keep the result under its query id for charts and exports.

use std::sync::Arc;
use std::time::Instant;

use tokio_util::sync::CancellationToken;

use super::{Ctx, profiles};
use crate::error::{Error, Result};
use crate::influx::{classify, timerange};
use crate::model::{
    Actor, HistoryEntry, MAX_PAGE_ROWS, QueryResult, QueryTiming, RowPage, RunQueryReq, TimeRange,
    WallClock, ms_between,
};

/// The time range of an assistant's query that names none: the last hour.
pub const ASSISTANT_DEFAULT_RANGE: &str = "1h";

/// Run `req.query`; results are capped at the row limit (and say so when it bites).
pub async fn run(ctx: &Ctx, actor: &Actor, req: RunQueryReq) -> Result<QueryResult> {
    // A kept result is shared with the cache: copied here, for callers that own it.
    Ok(Arc::unwrap_or_clone(run_shared(ctx, actor, req).await?))
}

/// [`run`] without copying the result: the window's run, whose result is kept under its
/// query id for the table's pages, the chart and the exports, and answered from that same
/// value (a copy of a 1M-row result costs tens of ms).
pub async fn run_shared(ctx: &Ctx, actor: &Actor, req: RunQueryReq) -> Result<Arc<QueryResult>> {
    if req.query.trim().is_empty() {
        return Err(Error::invalid("the query is empty: type a query first"));
    }
    let mut req = req;
    if matches!(actor, Actor::Assistant { .. }) && req.time_range.is_none() {
        // Assistants get the last hour when they give no range (a bounded query keeps its own).
        req.time_range = Some(TimeRange::Relative {
            duration: ASSISTANT_DEFAULT_RANGE.into(),
        });
    }
    let profile = profiles::resolve(ctx, req.profile.as_deref()).await?;
    let start = Instant::now();
    let outcome = run_timed(ctx, actor, &profile, &req, start).await;
    let elapsed_ms = start.elapsed().as_secs_f64() * 1000.0;
    let (outcome, timing) = match outcome {
        Ok((r, t)) => (Ok(r), Some(t)),
        Err(e) => (Err(e), None),
    };
    if *actor != Actor::Scheduler {
        record_history(ctx, actor, &profile, &req, &outcome, elapsed_ms);
    }
    let result = outcome?;
    ctx.emit(
        actor,
        "query.run",
        format!(
            "{} rows from {} in {elapsed_ms:.0} ms",
            result.rows, profile.name
        ),
    );
    let result = Arc::new(result);
    if let (Some(id), Some(timing)) = (&result.query_id, timing) {
        ctx.results
            .lock()
            .expect("result cache")
            .put(id.clone(), result.clone(), timing);
    }
    Ok(result)
}

/// How the run kept under `query_id` went, stage by stage (the first byte, reading and
/// parsing): Explore's result bar shows it, the app's benchmarks line it up with the window's
/// paint.
pub fn timing(ctx: &Ctx, query_id: &str) -> Result<QueryTiming> {
    ctx.results
        .lock()
        .expect("result cache")
        .timing(query_id)
        .ok_or_else(|| not_kept(query_id))
}

pub(crate) async fn run_resolved(
    ctx: &Ctx,
    actor: &Actor,
    profile: &crate::model::Profile,
    req: &RunQueryReq,
    start: Instant,
) -> Result<QueryResult> {
    Ok(run_timed(ctx, actor, profile, req, start).await?.0)
}

/// [`run_resolved`], with the run's timing.
async fn run_timed(
    ctx: &Ctx,
    actor: &Actor,
    profile: &crate::model::Profile,
    req: &RunQueryReq,
    start: Instant,
) -> Result<(QueryResult, QueryTiming)> {
    let clock = WallClock::now();
    let client = ctx.client(profile).await?;
    let language = req
        .language
        .unwrap_or_else(|| super::natural_language(client.api()));
    let row_limit = match req.row_limit {
        Some(0) => return Err(Error::invalid("row_limit must be at least 1")),
        Some(n) => n,
        None => ctx.store.settings()?.row_limit,
    };
    let executed = timerange::apply(
        &req.query,
        language,
        req.time_range.as_ref(),
        chrono::Utc::now(),
    )?;
    // An assistant's or the scheduler's query only reads, whatever the policy: what is checked
    // is exactly the text the server gets. Changes go through their own actions and approvals.
    match actor {
        Actor::User => {}
        Actor::Assistant { .. } => classify::ensure_read(language, &executed, "query-data")?,
        Actor::Scheduler => classify::ensure_read(language, &executed, "an alert's query")?,
    }
    let database = req.database.as_deref().or(profile.database.as_deref());
    let token = CancellationToken::new();
    let _registration = req
        .query_id
        .as_ref()
        .map(|id| ctx.register_running(id, token.clone()));
    let read = {
        let run = client.query_read(language, database, &executed, row_limit);
        tokio::pin!(run);
        tokio::select! {
        r = &mut run => r?,
        () = token.cancelled() => {
            // Kill it on the server while our request is still open (a v1 query keeps running
            // otherwise until the server notices the closed connection), then drop ours.
            let killed = client.kill_query(&executed, database, start.elapsed()).await.unwrap_or(false);
            ctx.emit(actor, "query.cancel", format!("on {}{}", profile.name, if killed { " (killed on the server)" } else { "" }));
            return Err(Error::Cancelled(format!(
                "the query was cancelled{}",
                if killed { " and stopped on the server" } else { "" }
            )));
        }
        }
    };
    let elapsed_ms = start.elapsed().as_secs_f64() * 1000.0;
    let frames = read.frames;
    let rows = frames.iter().map(|f| f.rows()).sum();
    let t = read.timing;
    let parsed = t.parsed.unwrap_or_else(Instant::now);
    let timing = QueryTiming {
        query_id: req.query_id.clone().unwrap_or_default(),
        started_at_ms: clock.ms(start),
        first_byte_at_ms: t.first_byte.map(|f| clock.ms(f)),
        server_ms: t.sent.zip(t.first_byte).map(|(s, f)| ms_between(s, f)),
        read_ms: t.first_byte.map(|f| ms_between(f, parsed)),
        parse_ms: t.parse.as_secs_f64() * 1e3,
        parsed_at_ms: clock.ms(parsed),
        bytes: read.bytes_read,
        rows,
    };
    let result = QueryResult {
        frames,
        language,
        rows,
        truncated: read.capped,
        row_limit,
        elapsed_ms,
        executed_query: executed,
        query_id: req.query_id.clone(),
    };
    Ok((result, timing))
}

/// Cancel the running query with this id (no error when it already finished).
pub async fn cancel(ctx: &Ctx, actor: &Actor, query_id: &str) -> Result<bool> {
    let token = ctx
        .running
        .lock()
        .expect("running map")
        .get(query_id)
        .cloned();
    match token {
        Some(t) => {
            t.cancel();
            ctx.emit(actor, "query.cancel.request", query_id);
            Ok(true)
        }
        None => Ok(false),
    }
}

/// Rows `offset..offset + limit` of frame `frame` of the result kept under `query_id`: the
/// window's table reads a large result this way, a page at a time, after the run's head
/// ([`QueryResult::head`]). A page past the frame's end is empty.
pub fn rows(
    ctx: &Ctx,
    query_id: &str,
    frame: usize,
    offset: usize,
    limit: usize,
) -> Result<RowPage> {
    if limit == 0 || limit > MAX_PAGE_ROWS {
        return Err(Error::invalid(format!(
            "limit must be between 1 and {MAX_PAGE_ROWS} rows (read a large result page by page)"
        )));
    }
    let result = cached(ctx, query_id)?;
    let f = result.frames.get(frame).ok_or_else(|| {
        Error::invalid(format!(
            "the result of query \"{query_id}\" has {} frame(s): there is no frame {frame} \
             (frames count from 0)",
            result.frames.len()
        ))
    })?;
    Ok(RowPage {
        frame,
        offset,
        rows: f.rows(),
        columns: f.page(offset, limit),
    })
}

/// A kept result (for charts and exports), by query id.
pub fn cached(ctx: &Ctx, query_id: &str) -> Result<Arc<QueryResult>> {
    ctx.results
        .lock()
        .expect("result cache")
        .get(query_id)
        .ok_or_else(|| not_kept(query_id))
}

fn not_kept(query_id: &str) -> Error {
    Error::NotFound(format!(
        "no result is kept for query \"{query_id}\" (it was never run, or older results were \
         dropped): run the query again"
    ))
}

fn record_history(
    ctx: &Ctx,
    actor: &Actor,
    profile: &crate::model::Profile,
    req: &RunQueryReq,
    outcome: &Result<QueryResult>,
    elapsed_ms: f64,
) {
    let entry = HistoryEntry {
        id: uuid::Uuid::new_v4().to_string(),
        at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        actor: match actor {
            Actor::User => "user".into(),
            Actor::Assistant { client } => format!("assistant:{client}"),
            Actor::Scheduler => "scheduler".into(),
        },
        profile_id: profile.id.clone(),
        profile_name: profile.name.clone(),
        language: outcome.as_ref().map(|r| r.language).ok().or(req.language),
        database: req.database.clone().or(profile.database.clone()),
        query: req.query.clone(),
        time_range: req.time_range.clone(),
        elapsed_ms,
        rows: outcome.as_ref().map_or(0, |r| r.rows),
        error: outcome
            .as_ref()
            .err()
            .map(|e| format!("{}: {}", e.code(), e.message())),
    };
    super::history::record(ctx, entry);
}

/// The query builder: write the form's query in its language.
pub fn build(req: &crate::model::BuildQueryReq) -> Result<String> {
    crate::influx::builder::build(req)
}
