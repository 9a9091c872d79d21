//! End-to-end tests of the `influxdesk` binary: the CLI against a real influxd (and a real
//! InfluxDB 3 Core, skipped with a notice without its binary) with the real
//! Secret Service (a private gnome-keyring per test), a scan for leaked secrets, and the GUI in
//! its real WebKit webview over WebDriver (tauri-driver + WebKitWebDriver under Xvfb).

mod access;
mod admin;
mod alert;
mod alert_channels;
mod alert_cli;
mod alert_email;
mod alert_server;
mod cli;
mod cli_v3;
mod dashboard;
mod gui;
mod gui_access;
mod gui_admin;
mod gui_alert_email;
mod gui_alerts;
mod gui_chart_1m;
mod gui_dash_edit;
mod gui_dash_interact;
mod gui_dashboards;
mod gui_load;
mod gui_ops;
mod gui_table_fps;
mod gui_table_pages;
mod gui_theme;
mod gui_v3;
mod load;
mod mcp;
mod ops;
mod serve;
mod support;
mod webdriver;
