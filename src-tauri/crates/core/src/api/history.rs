//! The query history (every query run, searchable, kept across restarts) and saved queries.

use super::{Ctx, profiles};
use crate::error::{Error, Result};
use crate::model::{Actor, HistoryEntry, ListHistoryReq, SaveQueryReq, SavedQuery};
use crate::store::{HISTORY_FILE, HistoryFile, SAVED_QUERIES_FILE, SavedQueriesFile};

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
    let h: HistoryFile = ctx.store.load(HISTORY_FILE)?;
    Ok(h.entries
        .into_iter()
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
    ctx.store.update(HISTORY_FILE, |h: &mut HistoryFile| {
        h.entries.clear();
        Ok(())
    })?;
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
