use influxdesk_core::demo::DemoStatus;
use influxdesk_core::model::AppInfo;
use tauri::State;

use crate::AppState;

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    state.ctx.info()
}

#[tauri::command]
pub fn demo_status(state: State<'_, AppState>) -> DemoStatus {
    state.demo.lock().expect("demo slot").clone()
}
