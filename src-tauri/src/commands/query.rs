use influxdesk_core::api::query;
use influxdesk_core::model::{QueryResult, RunQueryReq};
use influxdesk_core::{Actor, Result};
use tauri::State;

use super::guarded;
use crate::AppState;

#[tauri::command]
pub async fn query_run(state: State<'_, AppState>, req: RunQueryReq) -> Result<QueryResult> {
    guarded(async { query::run(&state.ctx, &Actor::User, req).await }).await
}
