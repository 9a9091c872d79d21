//! `#[tauri::command]` wrappers: each picks the actor, calls one `core::api` function, and
//! returns its result. No logic here.

pub mod access;
pub mod admin;
pub mod alerts;
pub mod app;
pub mod dashboards;
pub mod explore;
pub mod load;
pub mod mcp;
pub mod ops;
pub mod profiles;
pub mod query;
pub mod startup;

use std::future::Future;

use influxdesk_core::Result;

/// Run a command's work: a panic (a bug) becomes an `Internal` error for the window, and a log
/// line, instead of a promise that never settles.
pub(crate) async fn guarded<T>(work: impl Future<Output = Result<T>>) -> Result<T> {
    influxdesk_core::error::guarded("a command", work).await
}
