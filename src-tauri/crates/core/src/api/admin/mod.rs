//! The Admin screen's actions that are not databases or buckets: the server's running queries,
//! deleting data, the server overview and the assistant's health check and database overview.

pub mod delete;
pub mod health;
pub mod overview;
pub mod queries;
