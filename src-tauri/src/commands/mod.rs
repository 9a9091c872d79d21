//! `#[tauri::command]` wrappers: each picks the actor, calls one `core::api` function, and
//! returns its result. No logic here.

pub mod alerts;
pub mod app;
pub mod explore;
pub mod mcp;
pub mod profiles;
pub mod query;
