use influxdesk_mcp::McpStatus;
use tauri::State;

use crate::AppState;

/// Whether the app hosts the MCP socket (its path, or who hosts it instead).
#[tauri::command]
pub fn mcp_status(state: State<'_, AppState>) -> McpStatus {
    state.mcp.lock().expect("mcp status").clone()
}
