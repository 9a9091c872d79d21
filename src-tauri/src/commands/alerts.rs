//! The alerts' commands: list the rules, send a test notification, who evaluates, and the
//! private hosts alert channels may reach.

use influxdesk_core::api::alerts::{
    self, AlertRule, AllowHostReq, ChannelTest, EvaluatorStatus, TestAlertReq,
};
use influxdesk_core::{Actor, Result};
use tauri::State;

use super::guarded;
use crate::AppState;

#[tauri::command]
pub async fn alert_list(state: State<'_, AppState>) -> Result<Vec<AlertRule>> {
    guarded(async { alerts::list(&state.ctx).await }).await
}

#[tauri::command]
pub async fn alert_test(state: State<'_, AppState>, req: TestAlertReq) -> Result<Vec<ChannelTest>> {
    guarded(async { alerts::test(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn alert_evaluator_status(state: State<'_, AppState>) -> Result<EvaluatorStatus> {
    guarded(async { alerts::evaluator_status(&state.ctx) }).await
}

#[tauri::command]
pub async fn alert_allow_host(
    state: State<'_, AppState>,
    req: AllowHostReq,
) -> Result<Vec<String>> {
    guarded(async { alerts::allow_host(&state.ctx, &Actor::User, req).await }).await
}
