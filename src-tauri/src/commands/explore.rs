//! The Data Explorer's commands: schema, queries (run, cancel, build), history, saved queries,
//! exports and settings.

use influxdesk_core::api::{charts, export, history, query, schema, settings};
use influxdesk_core::model::*;
use influxdesk_core::{Actor, Result};
use tauri::State;

use crate::AppState;

#[tauri::command]
pub async fn schema_databases(state: State<'_, AppState>, req: SchemaReq) -> Result<Vec<String>> {
    schema::databases(&state.ctx, req).await
}

#[tauri::command]
pub async fn schema_measurements(
    state: State<'_, AppState>,
    req: SchemaReq,
) -> Result<Vec<String>> {
    schema::measurements(&state.ctx, req).await
}

#[tauri::command]
pub async fn schema_tag_keys(state: State<'_, AppState>, req: SchemaReq) -> Result<Vec<String>> {
    schema::tag_keys(&state.ctx, req).await
}

#[tauri::command]
pub async fn schema_tag_values(state: State<'_, AppState>, req: SchemaReq) -> Result<Vec<String>> {
    schema::tag_values(&state.ctx, req).await
}

#[tauri::command]
pub async fn schema_field_keys(
    state: State<'_, AppState>,
    req: SchemaReq,
) -> Result<Vec<FieldKey>> {
    schema::field_keys(&state.ctx, req).await
}

#[tauri::command]
pub async fn query_cancel(state: State<'_, AppState>, id: String) -> Result<bool> {
    query::cancel(&state.ctx, &Actor::User, &id).await
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
    history::list(&state.ctx, req).await
}

#[tauri::command]
pub async fn history_clear(state: State<'_, AppState>) -> Result<()> {
    history::clear(&state.ctx, &Actor::User).await
}

#[tauri::command]
pub async fn saved_list(state: State<'_, AppState>) -> Result<Vec<SavedQuery>> {
    history::saved(&state.ctx).await
}

#[tauri::command]
pub async fn saved_save(state: State<'_, AppState>, req: SaveQueryReq) -> Result<SavedQuery> {
    history::save(&state.ctx, &Actor::User, req).await
}

#[tauri::command]
pub async fn saved_delete(state: State<'_, AppState>, id: String) -> Result<()> {
    history::delete_saved(&state.ctx, &Actor::User, &id).await
}

#[tauri::command]
pub async fn export_result(
    state: State<'_, AppState>,
    req: export::ExportReq,
) -> Result<ExportResult> {
    export::result(&state.ctx, &Actor::User, req).await
}

#[tauri::command]
pub async fn settings_get(state: State<'_, AppState>) -> Result<UserSettings> {
    settings::get(&state.ctx).await
}

#[tauri::command]
pub async fn settings_update(
    state: State<'_, AppState>,
    req: UserSettings,
) -> Result<UserSettings> {
    settings::update(&state.ctx, &Actor::User, req).await
}

#[tauri::command]
pub async fn chart_render(
    state: State<'_, AppState>,
    req: charts::RenderChartReq,
) -> Result<influxdesk_core::chart::Rendered> {
    charts::render(&state.ctx, req).await
}

#[tauri::command]
pub async fn chart_export(
    state: State<'_, AppState>,
    req: charts::ExportChartReq,
) -> Result<ExportResult> {
    charts::export(&state.ctx, &Actor::User, req).await
}
