pub mod spec_stub;
