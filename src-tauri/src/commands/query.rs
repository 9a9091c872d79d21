use influxdesk_core::api::query;
use influxdesk_core::model::{QueryTiming, ResultHead, RowPage, RunQueryReq};
use influxdesk_core::{Actor, Result};
use tauri::State;

use super::guarded;
use crate::AppState;

/// Run a query for the window: the answer is the result's head (each frame's first page); the
/// table reads further pages with `query_rows`, the chart draws from the kept result.
#[tauri::command]
pub async fn query_run(state: State<'_, AppState>, req: RunQueryReq) -> Result<ResultHead> {
    guarded(async {
        Ok(query::run_shared(&state.ctx, &Actor::User, req)
            .await?
            .head())
    })
    .await
}

/// Rows `offset..offset + limit` of one frame of the kept result.
#[tauri::command]
pub fn query_rows(
    state: State<'_, AppState>,
    id: String,
    frame: usize,
    offset: usize,
    limit: usize,
) -> Result<RowPage> {
    query::rows(&state.ctx, &id, frame, offset, limit)
}

/// How the kept run went, stage by stage (first byte, read and parsed).
#[tauri::command]
pub fn query_timing(state: State<'_, AppState>, id: String) -> Result<QueryTiming> {
    query::timing(&state.ctx, &id)
}
