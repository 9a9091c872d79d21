//! The alerts' commands: the rules list, create/edit/delete a rule, backtest it with its
//! chart, its history, silences, send a test notification, who evaluates, the private hosts
//! alert channels may reach, the SMTP account of email channels, and a 2.x server's own checks
//! and notification rules.

use chrono::Utc;
use influxdesk_core::api::alerts::{
    self, AlertChange, AlertHistoryReq, AlertRow, AlertRowsReq, AlertRule, AllowHostReq,
    BacktestChartReq, BacktestView, ChannelTest, CreateAlertReq, EvaluatorStatus, ServerAlerting,
    ServerAlertingReq, SetSmtpReq, Silence, SilenceReq, SmtpView, TestAlertReq, UpdateAlertReq,
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
pub async fn alert_rows(state: State<'_, AppState>, req: AlertRowsReq) -> Result<Vec<AlertRow>> {
    guarded(async { alerts::rows(&state.ctx, req, Utc::now()).await }).await
}

#[tauri::command]
pub async fn alert_create(state: State<'_, AppState>, req: CreateAlertReq) -> Result<AlertRule> {
    guarded(async { alerts::create(&state.ctx, &Actor::User, req, Utc::now()).await }).await
}

#[tauri::command]
pub async fn alert_update(state: State<'_, AppState>, req: UpdateAlertReq) -> Result<AlertRule> {
    guarded(async { alerts::update(&state.ctx, &Actor::User, req, Utc::now()).await }).await
}

#[tauri::command]
pub async fn alert_delete(state: State<'_, AppState>, alert: String) -> Result<()> {
    guarded(async { alerts::delete(&state.ctx, &Actor::User, &alert).await }).await
}

#[tauri::command]
pub async fn alert_backtest_chart(
    state: State<'_, AppState>,
    req: BacktestChartReq,
) -> Result<BacktestView> {
    guarded(async { alerts::backtest_chart(&state.ctx, req, Utc::now()).await }).await
}

#[tauri::command]
pub async fn alert_history(
    state: State<'_, AppState>,
    req: AlertHistoryReq,
) -> Result<Vec<AlertChange>> {
    guarded(async { alerts::history(&state.ctx, req).await }).await
}

#[tauri::command]
pub async fn alert_silence(state: State<'_, AppState>, req: SilenceReq) -> Result<Vec<Silence>> {
    guarded(async { alerts::silence(&state.ctx, &Actor::User, req, Utc::now()).await }).await
}

#[tauri::command]
pub async fn alert_unsilence(
    state: State<'_, AppState>,
    alert: String,
    series: Option<String>,
) -> Result<Vec<Silence>> {
    guarded(async { alerts::unsilence(&state.ctx, &Actor::User, &alert, series.as_deref()).await })
        .await
}

#[tauri::command]
pub async fn alert_server(
    state: State<'_, AppState>,
    req: ServerAlertingReq,
) -> Result<ServerAlerting> {
    guarded(async { alerts::server_alerting(&state.ctx, &Actor::User, req).await }).await
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

#[tauri::command]
pub async fn alert_smtp(state: State<'_, AppState>) -> Result<SmtpView> {
    guarded(async { alerts::smtp(&state.ctx).await }).await
}

#[tauri::command]
pub async fn alert_smtp_set(state: State<'_, AppState>, req: SetSmtpReq) -> Result<SmtpView> {
    guarded(async { alerts::set_smtp(&state.ctx, &Actor::User, req).await }).await
}
