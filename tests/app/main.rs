//! End-to-end tests of the `influxdesk` binary: the CLI against a real influxd with the real
//! Secret Service (a private gnome-keyring per test), a scan for leaked secrets, and the GUI in
//! its real WebKit webview over WebDriver (tauri-driver + WebKitWebDriver under Xvfb).

mod alert;
mod cli;
mod gui;
mod mcp;
mod serve;
mod support;
