use influxdesk_core::api::profiles;
use influxdesk_core::model::*;
use influxdesk_core::{Actor, Result};
use tauri::State;

use crate::AppState;

#[tauri::command]
pub async fn profile_list(state: State<'_, AppState>) -> Result<ProfileList> {
    profiles::list(&state.ctx).await
}

#[tauri::command]
pub async fn profile_add(state: State<'_, AppState>, req: AddProfileReq) -> Result<Profile> {
    profiles::add(&state.ctx, &Actor::User, req).await
}

#[tauri::command]
pub async fn profile_update(state: State<'_, AppState>, req: UpdateProfileReq) -> Result<Profile> {
    profiles::update(&state.ctx, &Actor::User, req).await
}

#[tauri::command]
pub async fn profile_duplicate(
    state: State<'_, AppState>,
    req: DuplicateProfileReq,
) -> Result<Profile> {
    profiles::duplicate(&state.ctx, &Actor::User, req).await
}

#[tauri::command]
pub async fn profile_delete(state: State<'_, AppState>, profile: String) -> Result<()> {
    profiles::delete(&state.ctx, &Actor::User, &profile).await
}

#[tauri::command]
pub async fn profile_use(state: State<'_, AppState>, profile: String) -> Result<Profile> {
    profiles::activate(&state.ctx, &Actor::User, &profile).await
}

#[tauri::command]
pub async fn profile_test(state: State<'_, AppState>, req: TestProfileReq) -> Result<ServerInfo> {
    profiles::test(&state.ctx, &Actor::User, req).await
}

#[tauri::command]
pub async fn profile_status(
    state: State<'_, AppState>,
    profile: Option<String>,
) -> Result<ConnectionStatus> {
    profiles::status(&state.ctx, profile.as_deref()).await
}

#[tauri::command]
pub async fn profile_import_cli(
    state: State<'_, AppState>,
    path: Option<String>,
) -> Result<ImportReport> {
    profiles::import_influx_cli(
        &state.ctx,
        &Actor::User,
        path.as_deref().map(std::path::Path::new),
    )
    .await
}

#[tauri::command]
pub async fn profile_import_env(
    state: State<'_, AppState>,
    name: Option<String>,
) -> Result<ImportReport> {
    profiles::import_env(&state.ctx, &Actor::User, name).await
}
