use influxdesk_core::api::profiles;
use influxdesk_core::model::*;
use influxdesk_core::{Actor, Result};
use tauri::State;

use super::guarded;
use crate::AppState;

#[tauri::command]
pub async fn profile_list(state: State<'_, AppState>) -> Result<ProfileList> {
    guarded(async { profiles::list(&state.ctx).await }).await
}

#[tauri::command]
pub async fn profile_add(state: State<'_, AppState>, req: AddProfileReq) -> Result<Profile> {
    guarded(async { profiles::add(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn profile_update(state: State<'_, AppState>, req: UpdateProfileReq) -> Result<Profile> {
    guarded(async { profiles::update(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn profile_duplicate(
    state: State<'_, AppState>,
    req: DuplicateProfileReq,
) -> Result<Profile> {
    guarded(async { profiles::duplicate(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn profile_delete(state: State<'_, AppState>, profile: String) -> Result<()> {
    guarded(async { profiles::delete(&state.ctx, &Actor::User, &profile).await }).await
}

#[tauri::command]
pub async fn profile_use(state: State<'_, AppState>, profile: String) -> Result<Profile> {
    guarded(async { profiles::activate(&state.ctx, &Actor::User, &profile).await }).await
}

#[tauri::command]
pub async fn profile_test(state: State<'_, AppState>, req: TestProfileReq) -> Result<ServerInfo> {
    guarded(async { profiles::test(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn profile_status(
    state: State<'_, AppState>,
    profile: Option<String>,
) -> Result<ConnectionStatus> {
    guarded(async { profiles::status(&state.ctx, profile.as_deref()).await }).await
}

#[tauri::command]
pub async fn profile_import_cli(
    state: State<'_, AppState>,
    path: Option<String>,
) -> Result<ImportReport> {
    guarded(async {
        profiles::import_influx_cli(
            &state.ctx,
            &Actor::User,
            path.as_deref().map(std::path::Path::new),
        )
        .await
    })
    .await
}

#[tauri::command]
pub async fn profile_import_env(
    state: State<'_, AppState>,
    name: Option<String>,
) -> Result<ImportReport> {
    guarded(async { profiles::import_env(&state.ctx, &Actor::User, name).await }).await
}
