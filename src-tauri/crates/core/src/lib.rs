//! influxdesk-core: everything influxdesk does, with no GUI and no MCP in it. The Tauri app,
//! the CLI and the MCP server are shells over [`api`].

pub mod api;
pub mod chart;
pub mod demo;
pub mod error;
pub mod format;
pub mod influx;
pub mod local;
pub mod model;
pub mod secrets;
pub mod store;

pub use api::{Ctx, CtxOptions};
pub use error::{Error, ErrorCode, Result};
pub use model::Actor;
