pub mod bench;
pub mod held_query;
pub mod influxdb3;
pub mod secret_service;
pub mod spec_stub;
pub mod webhook;
