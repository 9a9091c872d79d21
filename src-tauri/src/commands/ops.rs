//! The Admin screen's running queries, delete data and server overview tabs: one line each
//! over `core::api::admin`.

use influxdesk_core::api::admin::delete::{self, DeleteDataReq, DeletePlan};
use influxdesk_core::api::admin::overview::{self, Overview, OverviewChartReq, OverviewReq};
use influxdesk_core::api::admin::queries::{self, KillQueryReq, ListQueriesReq, RunningQuery};
use influxdesk_core::chart::Rendered;
use influxdesk_core::{Actor, Result};
use tauri::State;

use super::guarded;
use crate::AppState;

#[tauri::command]
pub async fn queries_list(
    state: State<'_, AppState>,
    req: ListQueriesReq,
) -> Result<Vec<RunningQuery>> {
    guarded(async { queries::list(&state.ctx, req).await }).await
}

#[tauri::command]
pub async fn queries_kill(state: State<'_, AppState>, req: KillQueryReq) -> Result<RunningQuery> {
    guarded(async { queries::kill(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn data_delete(state: State<'_, AppState>, req: DeleteDataReq) -> Result<DeletePlan> {
    guarded(async { delete::delete(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn overview_get(state: State<'_, AppState>, req: OverviewReq) -> Result<Overview> {
    guarded(async { overview::get(&state.ctx, req, chrono::Utc::now()).await }).await
}

#[tauri::command]
pub async fn overview_chart(req: OverviewChartReq) -> Result<Rendered> {
    guarded(async { overview::chart(&req) }).await
}
