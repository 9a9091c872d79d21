//! The Dashboards screen's commands: the dashboards of a profile, their cells and variables,
//! running them (one SVG per cell), export and import. Each is one call into
//! `core::api::dashboards` as the user.

use influxdesk_core::api::dashboards::{
    self, AddAnnotationReq, AddCellReq, Cell, CellReq, CreateDashboardReq, Dashboard,
    DashboardInfo, DashboardReq, DashboardRun, DuplicateDashboardReq, ImportDashboardReq,
    ImportReport, ListDashboardsReq, RemoveAnnotationReq, RenameDashboardReq, ResolvedVariable,
    RunDashboardReq, UpdateCellReq, UpdateDashboardReq, VariableValuesReq,
};
use influxdesk_core::{Actor, Result};
use tauri::State;

use super::guarded;
use crate::AppState;

#[tauri::command]
pub async fn dashboard_list(
    state: State<'_, AppState>,
    req: ListDashboardsReq,
) -> Result<Vec<DashboardInfo>> {
    guarded(async { dashboards::list(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn dashboard_get(state: State<'_, AppState>, req: DashboardReq) -> Result<Dashboard> {
    guarded(async { dashboards::get(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn dashboard_create(
    state: State<'_, AppState>,
    req: CreateDashboardReq,
) -> Result<Dashboard> {
    guarded(async { dashboards::create(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn dashboard_rename(
    state: State<'_, AppState>,
    req: RenameDashboardReq,
) -> Result<Dashboard> {
    guarded(async { dashboards::rename(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn dashboard_duplicate(
    state: State<'_, AppState>,
    req: DuplicateDashboardReq,
) -> Result<Dashboard> {
    guarded(async { dashboards::duplicate(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn dashboard_update(
    state: State<'_, AppState>,
    req: UpdateDashboardReq,
) -> Result<Dashboard> {
    guarded(async { dashboards::update(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn dashboard_delete(state: State<'_, AppState>, req: DashboardReq) -> Result<()> {
    guarded(async { dashboards::delete(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn dashboard_add_cell(state: State<'_, AppState>, req: AddCellReq) -> Result<Cell> {
    guarded(async { dashboards::add_cell(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn dashboard_update_cell(state: State<'_, AppState>, req: UpdateCellReq) -> Result<Cell> {
    guarded(async { dashboards::update_cell(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn dashboard_remove_cell(state: State<'_, AppState>, req: CellReq) -> Result<()> {
    guarded(async { dashboards::remove_cell(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn dashboard_add_annotation(
    state: State<'_, AppState>,
    req: AddAnnotationReq,
) -> Result<Dashboard> {
    guarded(async { dashboards::add_annotation(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn dashboard_remove_annotation(
    state: State<'_, AppState>,
    req: RemoveAnnotationReq,
) -> Result<Dashboard> {
    guarded(async { dashboards::remove_annotation(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn dashboard_run(
    state: State<'_, AppState>,
    req: RunDashboardReq,
) -> Result<DashboardRun> {
    guarded(async { dashboards::run(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn dashboard_variable_values(
    state: State<'_, AppState>,
    req: VariableValuesReq,
) -> Result<Vec<ResolvedVariable>> {
    guarded(async { dashboards::variable_values(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn dashboard_export(state: State<'_, AppState>, req: DashboardReq) -> Result<String> {
    guarded(async { dashboards::export(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn dashboard_import(
    state: State<'_, AppState>,
    req: ImportDashboardReq,
) -> Result<ImportReport> {
    guarded(async { dashboards::import(&state.ctx, &Actor::User, req).await }).await
}
