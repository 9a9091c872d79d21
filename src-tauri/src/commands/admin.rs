//! The Admin screen's commands (databases/buckets, 1.x retention policies, downsampling: 1.x
//! continuous queries and the downsample action, 2.x tasks, 3.x triggers), one line each over
//! `core::api::buckets` and `core::api::admin`, as the user.

use influxdesk_core::api::admin::downsampling::{
    self, ContinuousQuery, CreateCqReq, DownsamplePlan, DownsampleReq, DropCqReq, ListCqReq,
};
use influxdesk_core::api::admin::retention::{self, AlterRpReq, CreateRpReq, DropRpReq, ListRpReq};
use influxdesk_core::api::admin::tasks::{
    self, ListTasksReq, ListTriggersReq, SetTaskReq, Task, TaskLog, TaskReq, TaskRun, Trigger,
};
use influxdesk_core::api::buckets;
use influxdesk_core::model::{
    Bucket, BucketChange, CreateBucketReq, DeleteBucketReq, RetentionPolicy, UpdateBucketReq,
};
use influxdesk_core::{Actor, Result};
use tauri::State;

use super::guarded;
use crate::AppState;

#[tauri::command]
pub async fn db_list(state: State<'_, AppState>, profile: Option<String>) -> Result<Vec<Bucket>> {
    guarded(async { buckets::list(&state.ctx, profile.as_deref()).await }).await
}

#[tauri::command]
pub async fn db_create(state: State<'_, AppState>, req: CreateBucketReq) -> Result<BucketChange> {
    guarded(async { buckets::create(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn db_update(state: State<'_, AppState>, req: UpdateBucketReq) -> Result<BucketChange> {
    guarded(async { buckets::update(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn db_delete(state: State<'_, AppState>, req: DeleteBucketReq) -> Result<()> {
    guarded(async { buckets::delete(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn rp_list(state: State<'_, AppState>, req: ListRpReq) -> Result<Vec<RetentionPolicy>> {
    guarded(async { retention::list(&state.ctx, req).await }).await
}

#[tauri::command]
pub async fn rp_create(state: State<'_, AppState>, req: CreateRpReq) -> Result<RetentionPolicy> {
    guarded(async { retention::create(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn rp_alter(state: State<'_, AppState>, req: AlterRpReq) -> Result<RetentionPolicy> {
    guarded(async { retention::alter(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn rp_drop(state: State<'_, AppState>, req: DropRpReq) -> Result<()> {
    guarded(async { retention::drop(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn cq_list(state: State<'_, AppState>, req: ListCqReq) -> Result<Vec<ContinuousQuery>> {
    guarded(async { downsampling::list(&state.ctx, req).await }).await
}

#[tauri::command]
pub async fn cq_create(state: State<'_, AppState>, req: CreateCqReq) -> Result<ContinuousQuery> {
    guarded(async { downsampling::create(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn cq_drop(state: State<'_, AppState>, req: DropCqReq) -> Result<()> {
    guarded(async { downsampling::drop(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn cq_downsample(
    state: State<'_, AppState>,
    req: DownsampleReq,
) -> Result<DownsamplePlan> {
    guarded(async { downsampling::downsample(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn task_list(state: State<'_, AppState>, req: ListTasksReq) -> Result<Vec<Task>> {
    guarded(async { tasks::list(&state.ctx, req).await }).await
}

#[tauri::command]
pub async fn task_set_enabled(state: State<'_, AppState>, req: SetTaskReq) -> Result<Task> {
    guarded(async { tasks::set_enabled(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn task_run(state: State<'_, AppState>, req: TaskReq) -> Result<TaskRun> {
    guarded(async { tasks::run_now(&state.ctx, &Actor::User, req).await }).await
}

#[tauri::command]
pub async fn task_runs(state: State<'_, AppState>, req: TaskReq) -> Result<Vec<TaskRun>> {
    guarded(async { tasks::runs(&state.ctx, req).await }).await
}

#[tauri::command]
pub async fn task_logs(state: State<'_, AppState>, req: TaskReq) -> Result<Vec<TaskLog>> {
    guarded(async { tasks::logs(&state.ctx, req).await }).await
}

#[tauri::command]
pub async fn trigger_list(
    state: State<'_, AppState>,
    req: ListTriggersReq,
) -> Result<Vec<Trigger>> {
    guarded(async { tasks::triggers(&state.ctx, req).await }).await
}
