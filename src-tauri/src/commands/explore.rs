//! The Data Explorer's commands: schema, queries (run, cancel, build), history, saved queries,
//! exports and settings.

use influxdesk_core::api::{charts, export, history, query, schema, settings};
use influxdesk_core::model::*;
use influxdesk_core::{Actor, Result};
use tauri::State;

use super::guarded;
use crate::AppState;

#[tauri::command]
pub async fn schema_databases(state: State<'_, AppState>, req: SchemaReq) -> Result<Vec<String>> {
    guarded(async { schema::databases(&state.ctx, req).await }).await
}

#[tauri::command]
pub async fn schema_measurements(
    state: State<'_, AppState>,
    req: SchemaReq,
) -> Result<Vec<String>> {
    guarded(async { schema::measurements(&state.ctx, req).await }).await
}

#[tauri::command]
pub async fn schema_tag_keys(state: State<'_, AppState>, req: SchemaReq) -> Result<Vec<String>> {
    guarded(async { schema::tag_keys(&state.ctx, req).await }).await
}

#[tauri::command]
pub async fn schema_tag_values(state: State<'_, AppState>, req: SchemaReq) -> Result<Vec<String>> {
    guarded(async { schema::tag_values(&state.ctx, req).await }).await
}

#[tauri::command]
pub async fn schema_field_keys(
    state: State<'_, AppState>,
    req: SchemaReq,
) -> Result<Vec<FieldKey>> {
    guarded(async { schema::field_keys(&state.ctx, req).await }).await
}

#[tauri::command]
pub async fn query_cancel(state: State<'_, AppState>, id: String) -> Result<bool> {
    guarded(async { query::cancel(&state.ctx, &Actor::User, &id).await }).await
}

#[tauri::command]
pub fn query_build(req: BuildQueryReq) -> Result<String> {
    query::build(&req)
}

#[tauri::command]
pub async fn history_list(
    state: State<'_, AppState>,
    req: ListHistoryReq,
) -> Result<Vec<HistoryEntry>> {
    guarded(async { history::list(&state.ctx, req).await }).await
}

#[tauri::command]
pub async fn history_clear(state: State<'_, AppState>) -> Result<()> {
    guarded(async { history::clear(&state.ctx, &Actor::User).await }).await
}

#[tauri::command]
pub async fn saved_list(state: State<'_, AppState>) -> Result<Vec<SavedQuery>> {
    guarded(async { history::saved(&state.ctx).await }).await
}

#[tauri::command]
pub async fn saved_save(state: State<'_, AppState>, req: SaveQueryReq) -> Result<SavedQuery> {
    guarded(async { history::save(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn saved_delete(state: State<'_, AppState>, id: String) -> Result<()> {
    guarded(async { history::delete_saved(&state.ctx, &Actor::User, &id).await }).await
}

#[tauri::command]
pub async fn export_result(
    state: State<'_, AppState>,
    req: export::ExportReq,
) -> Result<ExportResult> {
    guarded(async { export::result(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn settings_get(state: State<'_, AppState>) -> Result<UserSettings> {
    guarded(async { settings::get(&state.ctx).await }).await
}

#[tauri::command]
pub async fn settings_update(
    state: State<'_, AppState>,
    req: UserSettings,
) -> Result<UserSettings> {
    guarded(async { settings::update(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn chart_render(
    state: State<'_, AppState>,
    req: charts::RenderChartReq,
) -> Result<influxdesk_core::chart::Rendered> {
    guarded(async { charts::render(&state.ctx, req).await }).await
}

#[tauri::command]
pub async fn chart_export(
    state: State<'_, AppState>,
    req: charts::ExportChartReq,
) -> Result<ExportResult> {
    guarded(async { charts::export(&state.ctx, &Actor::User, req).await }).await
}
