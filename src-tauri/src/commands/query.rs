use influxdesk_core::api::query;
use influxdesk_core::model::{QueryTiming, RunQueryReq};
use influxdesk_core::{Actor, Result};
use tauri::State;

use super::guarded;
use crate::AppState;

#[tauri::command]
pub async fn query_run(
    state: State<'_, AppState>,
    req: RunQueryReq,
) -> Result<query::SharedResult> {
    guarded(async { query::run_shared(&state.ctx, &Actor::User, req).await }).await
}

/// How the kept run went, stage by stage (first byte, read and parsed).
#[tauri::command]
pub fn query_timing(state: State<'_, AppState>, id: String) -> Result<QueryTiming> {
    query::timing(&state.ctx, &id)
}
