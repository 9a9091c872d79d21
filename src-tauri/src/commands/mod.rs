//! `#[tauri::command]` wrappers: each picks the actor, calls one `core::api` function, and
//! returns its result. No logic here.

pub mod alerts;
pub mod app;
pub mod explore;
pub mod mcp;
pub mod profiles;
pub mod query;

use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures::FutureExt as _;
use influxdesk_core::{Error, Result};

/// Run a command's work. A panic (a bug) becomes an `Internal` error for the window, and a log
/// line, instead of a promise that never settles.
pub(crate) async fn guarded<T>(work: impl Future<Output = Result<T>>) -> Result<T> {
    match AssertUnwindSafe(work).catch_unwind().await {
        Ok(r) => r,
        Err(payload) => {
            let msg = influxdesk_core::error::panic_message(payload.as_ref());
            tracing::error!("command panicked: {msg}");
            Err(Error::Internal(format!(
                "influxdesk hit a bug ({msg}); it is logged. Try again, or report it."
            )))
        }
    }
}
