use influxdesk_core::api::settings;
use influxdesk_core::demo::DemoStatus;
use influxdesk_core::model::AppInfo;
use influxdesk_core::{Error, Result};
use tauri::{AppHandle, State};
use tauri_plugin_store::StoreExt;

use crate::AppState;

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    state.ctx.info()
}

#[tauri::command]
pub fn demo_status(state: State<'_, AppState>) -> DemoStatus {
    state.demo.lock().expect("demo slot").clone()
}

/// The file UI preferences live in (in the app's data dir). The webview names keys only, never
/// a path: it has no store permission of its own, so it cannot read or write any other file.
const UI_PREFS: &str = "ui.json";

fn prefs(app: &AppHandle) -> Result<std::sync::Arc<tauri_plugin_store::Store<tauri::Wry>>> {
    app.store(UI_PREFS)
        .map_err(|e| Error::Storage(format!("cannot open the UI preferences ({UI_PREFS}): {e}")))
}

/// One UI preference (`null` when never set).
#[tauri::command]
pub async fn pref_get(app: AppHandle, key: String) -> Result<Option<serde_json::Value>> {
    settings::check_pref(&key, None)?;
    Ok(prefs(&app)?.get(&key))
}

/// Remember one UI preference (saved to disk shortly after).
#[tauri::command]
pub async fn pref_set(app: AppHandle, key: String, value: serde_json::Value) -> Result<()> {
    settings::check_pref(&key, Some(&value))?;
    prefs(&app)?.set(key, value);
    Ok(())
}
