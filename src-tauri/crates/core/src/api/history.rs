//! The query history (every query run, searchable, kept across restarts) and saved queries.
//!
//! A query's entry is not written on the query's own path: it joins a queue that one
//! blocking task appends in a batch to the history log (one append and sync for all the
//! queries that ran meanwhile, see `store::history`), so concurrent queries (50 MCP clients)
//! do not wait on the file, its lock and its sync one after another. Whoever reads the history writes the queue
//! first, and the context writes what is left when it is dropped: nothing is lost.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use super::{Ctx, profiles};
use crate::error::{Error, Result};
use crate::model::{Actor, HistoryEntry, ListHistoryReq, SaveQueryReq, SavedQuery};
use crate::store::{SAVED_QUERIES_FILE, SavedQueriesFile};

/// History entries waiting to be written.
#[derive(Default)]
pub(crate) struct HistoryQueue {
    pending: Mutex<Vec<HistoryEntry>>,
    /// Held while a batch is written, so a reader that flushes waits for a batch in flight.
    writing: Mutex<()>,
    /// A flush task is spawned and has not started draining yet.
    scheduled: AtomicBool,
}

/// Queue a query's entry; a blocking task writes it with whatever else is queued by then
/// (without a Tokio runtime, it is written at once).
pub(crate) fn record(ctx: &Ctx, entry: HistoryEntry) {
    ctx.history
        .pending
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(entry);
    if ctx.history.scheduled.swap(true, Ordering::AcqRel) {
        return; // a task that has not drained yet will take this entry too
    }
    match (tokio::runtime::Handle::try_current(), ctx.me.upgrade()) {
        (Ok(rt), Some(owned)) => {
            rt.spawn_blocking(move || {
                owned.history.scheduled.store(false, Ordering::Release);
                flush(&owned);
            });
        }
        _ => {
            ctx.history.scheduled.store(false, Ordering::Release);
            flush(ctx);
        }
    }
}

/// Write every queued entry now (one read-modify-write), after any batch in flight.
pub(crate) fn flush(ctx: &Ctx) {
    let _writing = ctx
        .history
        .writing
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let batch = std::mem::take(
        &mut *ctx
            .history
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner()),
    );
    if batch.is_empty() {
        return;
    }
    if let Err(e) = ctx.store.history_append(&batch) {
        tracing::warn!("could not record queries in the history: {e}");
    }
}

/// The history (newest last) with every queued entry in it.
pub(crate) fn load(ctx: &Ctx) -> Result<Vec<HistoryEntry>> {
    flush(ctx);
    ctx.store.history()
}

/// Newest first, filtered by text and profile.
pub async fn list(ctx: &Ctx, req: ListHistoryReq) -> Result<Vec<HistoryEntry>> {
    let profile_id = match req.profile.as_deref() {
        Some(p) => Some(profiles::resolve(ctx, Some(p)).await?.id),
        None => None,
    };
    let needle = req
        .search
        .as_deref()
        .map(str::to_lowercase)
        .filter(|s| !s.is_empty());
    let h = load(ctx)?;
    Ok(h.into_iter()
        .rev()
        .filter(|e| profile_id.as_ref().is_none_or(|p| &e.profile_id == p))
        .filter(|e| {
            needle
                .as_ref()
                .is_none_or(|n| e.query.to_lowercase().contains(n))
        })
        .take(req.limit.unwrap_or(200))
        .collect())
}

/// Forget the whole history.
pub async fn clear(ctx: &Ctx, actor: &Actor) -> Result<()> {
    flush(ctx);
    ctx.store.clear_history()?;
    ctx.emit(actor, "history.clear", "");
    Ok(())
}

pub async fn saved(ctx: &Ctx) -> Result<Vec<SavedQuery>> {
    let mut q = ctx
        .store
        .load::<SavedQueriesFile>(SAVED_QUERIES_FILE)?
        .queries;
    q.sort_by_key(|s| s.name.to_lowercase());
    Ok(q)
}

/// Save under a name; an existing query with that name is replaced.
pub async fn save(ctx: &Ctx, actor: &Actor, req: SaveQueryReq) -> Result<SavedQuery> {
    let name = req.name.trim().to_string();
    if name.is_empty() {
        return Err(Error::invalid("give the query a name"));
    }
    if req.query.trim().is_empty() {
        return Err(Error::invalid("the query is empty"));
    }
    let saved = ctx
        .store
        .update(SAVED_QUERIES_FILE, |f: &mut SavedQueriesFile| {
            let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let existing = f
                .queries
                .iter()
                .position(|q| q.name.eq_ignore_ascii_case(&name));
            let q = SavedQuery {
                id: existing.map_or_else(
                    || uuid::Uuid::new_v4().to_string(),
                    |i| f.queries[i].id.clone(),
                ),
                name: name.clone(),
                language: req.language,
                database: req.database.clone().filter(|d| !d.trim().is_empty()),
                query: req.query.clone(),
                updated: now,
            };
            match existing {
                Some(i) => f.queries[i] = q.clone(),
                None => f.queries.push(q.clone()),
            }
            Ok(q)
        })?;
    ctx.emit(actor, "query.save", &saved.name);
    Ok(saved)
}

pub async fn delete_saved(ctx: &Ctx, actor: &Actor, id_or_name: &str) -> Result<()> {
    ctx.store
        .update(SAVED_QUERIES_FILE, |f: &mut SavedQueriesFile| {
            let before = f.queries.len();
            f.queries
                .retain(|q| q.id != id_or_name && !q.name.eq_ignore_ascii_case(id_or_name));
            if f.queries.len() == before {
                return Err(Error::NotFound(format!("no saved query \"{id_or_name}\"")));
            }
            Ok(())
        })?;
    ctx.emit(actor, "query.unsave", id_or_name);
    Ok(())
}
