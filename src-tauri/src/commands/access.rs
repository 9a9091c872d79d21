//! Users and access commands: 1.x users (list, create, password, admin flag, grant, revoke,
//! drop) and API tokens (list, create, disable/enable, delete). A created token's value is in
//! `token_create`'s answer only, for the window to show once.

use influxdesk_core::api::tokens::{
    self, CreateTokenReq, CreatedToken, DeleteTokenReq, SetTokenStatusReq, TokenList,
};
use influxdesk_core::api::users::{
    self, CreateUserReq, DropUserReq, GrantReq, SetAdminReq, SetPasswordReq,
};
use influxdesk_core::influx::tokens::TokenInfo;
use influxdesk_core::influx::users::UserInfo;
use influxdesk_core::{Actor, Result};
use tauri::State;

use super::guarded;
use crate::AppState;

#[tauri::command]
pub async fn user_list(
    state: State<'_, AppState>,
    profile: Option<String>,
) -> Result<Vec<UserInfo>> {
    guarded(async { users::list(&state.ctx, profile.as_deref()).await }).await
}

#[tauri::command]
pub async fn user_create(state: State<'_, AppState>, req: CreateUserReq) -> Result<UserInfo> {
    guarded(async { users::create(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn user_set_password(state: State<'_, AppState>, req: SetPasswordReq) -> Result<()> {
    guarded(async { users::set_password(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn user_set_admin(state: State<'_, AppState>, req: SetAdminReq) -> Result<UserInfo> {
    guarded(async { users::set_admin(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn user_grant(state: State<'_, AppState>, req: GrantReq) -> Result<UserInfo> {
    guarded(async { users::grant(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn user_revoke(state: State<'_, AppState>, req: GrantReq) -> Result<UserInfo> {
    guarded(async { users::revoke(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn user_drop(state: State<'_, AppState>, req: DropUserReq) -> Result<()> {
    guarded(async { users::drop(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn token_list(state: State<'_, AppState>, profile: Option<String>) -> Result<TokenList> {
    guarded(async { tokens::list(&state.ctx, profile.as_deref()).await }).await
}

#[tauri::command]
pub async fn token_create(state: State<'_, AppState>, req: CreateTokenReq) -> Result<CreatedToken> {
    guarded(async { tokens::create(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn token_set_status(
    state: State<'_, AppState>,
    req: SetTokenStatusReq,
) -> Result<TokenInfo> {
    guarded(async { tokens::set_status(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn token_delete(state: State<'_, AppState>, req: DeleteTokenReq) -> Result<()> {
    guarded(async { tokens::delete(&state.ctx, &Actor::User, req).await }).await
}
