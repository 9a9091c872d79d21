//! The Load Data screen's commands: check line protocol as it is typed, run a load (pasted
//! text, a file streamed by path, a CSV import) with progress on a channel, cancel it, preview
//! a CSV file, and the Telegraf/client setup of a bucket. One call each over `api::write`.

use influxdesk_core::api::write::csv::{self, CsvPreview, PreviewCsvReq};
use influxdesk_core::api::write::jobs::{self, LoadJob};
use influxdesk_core::api::write::{
    self, CheckLinesReq, LinesCheck, Setup, SetupReq, WriteProgress,
};
use influxdesk_core::model::WriteResult;
use influxdesk_core::{Actor, Result};
use tauri::State;
use tauri::ipc::Channel;

use super::guarded;
use crate::AppState;

#[tauri::command]
pub async fn load_check(state: State<'_, AppState>, req: CheckLinesReq) -> Result<LinesCheck> {
    guarded(async { write::check(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn load_run(
    state: State<'_, AppState>,
    id: String,
    job: LoadJob,
    progress: Channel<WriteProgress>,
) -> Result<WriteResult> {
    guarded(async {
        jobs::run(&state.ctx, &Actor::User, &id, job, move |p| {
            let _ = progress.send(p);
        })
        .await
    })
    .await
}

#[tauri::command]
pub async fn load_cancel(state: State<'_, AppState>, id: String) -> Result<bool> {
    guarded(async { jobs::cancel(&state.ctx, &Actor::User, &id).await }).await
}

#[tauri::command]
pub async fn csv_preview(state: State<'_, AppState>, req: PreviewCsvReq) -> Result<CsvPreview> {
    guarded(async { csv::preview(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn load_setup(state: State<'_, AppState>, req: SetupReq) -> Result<Setup> {
    guarded(async { write::setup(&state.ctx, &Actor::User, req).await }).await
}
