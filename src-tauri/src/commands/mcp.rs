use influxdesk_core::api::activity::{self, ActivityEntry};
use influxdesk_core::{Error, Result};
use influxdesk_mcp::McpStatus;
use tauri::State;

use super::guarded;
use crate::AppState;

/// Whether the app hosts the MCP socket (its path, or who hosts it instead).
#[tauri::command]
pub fn mcp_status(state: State<'_, AppState>) -> McpStatus {
    crate::hosting::status(&state)
}

/// Serve MCP on the Unix socket (`on`) or stop (the socket is removed).
#[tauri::command]
pub async fn mcp_socket_set(state: State<'_, AppState>, on: bool) -> Result<McpStatus> {
    guarded(async { crate::hosting::set_socket(&state, on).await }).await
}

/// Serve MCP over HTTP on 127.0.0.1:`port` (`on`) or stop it.
#[tauri::command]
pub async fn mcp_http_set(state: State<'_, AppState>, on: bool, port: u16) -> Result<McpStatus> {
    guarded(async { crate::hosting::set_http(&state, on, port).await }).await
}

/// Replace the HTTP bearer token (clients get the new one with `influxdesk serve --print-token`).
#[tauri::command]
pub async fn mcp_http_rotate(state: State<'_, AppState>) -> Result<()> {
    guarded(async { crate::hosting::rotate_http(&state).await }).await
}

/// The assistant tool calls of this run, oldest first (new ones arrive as `mcp.call` events).
#[tauri::command]
pub fn activity_list(state: State<'_, AppState>) -> Vec<ActivityEntry> {
    activity::list(&state.ctx)
}

/// The user's answer to an approval request (`influxdesk://approval`).
#[tauri::command]
pub fn approval_answer(state: State<'_, AppState>, id: String, approve: bool) -> Result<()> {
    state.approvals.answer(&id, approve)
}

/// This binary's path, for the MCP client configs (`<exe> mcp`).
#[tauri::command]
pub fn app_exe() -> Result<String> {
    std::env::current_exe()
        .map(|p| p.display().to_string())
        .map_err(|e| Error::Internal(format!("cannot tell where influxdesk runs from: {e}")))
}
