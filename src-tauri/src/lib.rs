//! The desktop app: builds the core [`Ctx`], registers the Tauri commands (thin wrappers over
//! `influxdesk_core::api`), starts the local demo (and its live data) when there is no
//! profile, hosts the MCP socket while it runs (unless another live host owns it: then the app
//! opens anyway and says so in `mcp_status`), answers assistants' "ask" with an approval
//! dialog, and forwards core events to the window (through lag: a dropped count instead of an
//! end). The only crate that depends on tauri.

mod approval;
mod commands;
mod hosting;

use std::sync::{Arc, Mutex};

use influxdesk_core::api::policy::Approvals;
use influxdesk_core::demo::DemoStatus;
use influxdesk_core::demo::LiveDemo;
use influxdesk_core::{Ctx, CtxOptions};
use influxdesk_mcp::{HttpServer, McpStatus, SocketServer};
use tauri::{Emitter, Manager};

/// Managed state: the shared core context, the demo (its server and live data) and the MCP
/// socket and HTTP server we host (switched by `hosting`).
pub struct AppState {
    pub ctx: Arc<Ctx>,
    pub demo: Mutex<DemoStatus>,
    demo_live: Mutex<Option<LiveDemo>>,
    pub mcp: Mutex<McpStatus>,
    mcp_socket: Mutex<Option<SocketServer>>,
    /// MCP over HTTP on 127.0.0.1, while the user has it on.
    mcp_http: tokio::sync::Mutex<Option<HttpServer>>,
    /// Turning the socket or HTTP on and off, one change at a time.
    hosting: tokio::sync::Mutex<()>,
    /// Assistant writes waiting in the approval dialog.
    pub approvals: Arc<Approvals>,
}

pub const EVENT: &str = "influxdesk://event";
pub const DEMO_EVENT: &str = "influxdesk://demo";

/// Open the desktop app. Returns when the last window closes.
pub fn run_gui() -> Result<(), Box<dyn std::error::Error>> {
    commands::startup::started();
    let ctx = Ctx::new(CtxOptions::from_env()?);
    let approvals = Arc::new(Approvals::new(approval::TIMEOUT));
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_store::Builder::default().build())
        .plugin(tauri_plugin_dialog::init())
        .manage(AppState {
            ctx: ctx.clone(),
            demo: Mutex::new(DemoStatus::Starting),
            demo_live: Mutex::new(None),
            mcp: Mutex::new(McpStatus::starting(&influxdesk_mcp::socket_path())),
            mcp_socket: Mutex::new(None),
            mcp_http: tokio::sync::Mutex::new(None),
            hosting: tokio::sync::Mutex::new(()),
            approvals: approvals.clone(),
        })
        .setup(move |app| {
            // "Ask" policies ask here, in an approval dialog.
            ctx.set_approver(Arc::new(approval::GuiApprover {
                app: app.handle().clone(),
                approvals,
            }));
            let handle = app.handle().clone();
            // Events follow through lag (a dropped count instead of the end of the stream).
            let mut events = ctx.events();
            tauri::async_runtime::spawn(async move {
                while let Some(ev) = events.next().await {
                    let _ = handle.emit(EVENT, ev);
                }
            });
            // The alert evaluator runs while the app runs.
            tauri::async_runtime::spawn(influxdesk_core::api::alerts::run(
                ctx.clone(),
                "the influxdesk app".into(),
            ));
            // So does the MCP socket, unless another host (a second window, `influxdesk
            // serve`) already owns a live one: then the app still opens and says so.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                let _ = hosting::set_socket(&handle.state::<AppState>(), true).await;
            });
            let handle = app.handle().clone();
            let ctx = ctx.clone();
            tauri::async_runtime::spawn(async move {
                let (status, live) = influxdesk_core::demo::start(&ctx, chrono::Utc::now()).await;
                let state = handle.state::<AppState>();
                *state.demo_live.lock().expect("demo slot") = live;
                *state.demo.lock().expect("demo slot") = status.clone();
                let _ = handle.emit(DEMO_EVENT, status);
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::access::user_list,
            commands::access::user_create,
            commands::access::user_set_password,
            commands::access::user_set_admin,
            commands::access::user_grant,
            commands::access::user_revoke,
            commands::access::user_drop,
            commands::access::token_list,
            commands::access::token_create,
            commands::access::token_set_status,
            commands::access::token_delete,
            commands::admin::db_list,
            commands::admin::db_create,
            commands::admin::db_update,
            commands::admin::db_delete,
            commands::admin::rp_list,
            commands::admin::rp_create,
            commands::admin::rp_alter,
            commands::admin::rp_drop,
            commands::admin::cq_list,
            commands::admin::cq_create,
            commands::admin::cq_drop,
            commands::admin::cq_downsample,
            commands::admin::task_list,
            commands::admin::task_set_enabled,
            commands::admin::task_run,
            commands::admin::task_runs,
            commands::admin::task_logs,
            commands::admin::trigger_list,
            commands::alerts::alert_list,
            commands::alerts::alert_rows,
            commands::alerts::alert_create,
            commands::alerts::alert_update,
            commands::alerts::alert_delete,
            commands::alerts::alert_backtest_chart,
            commands::alerts::alert_history,
            commands::alerts::alert_silence,
            commands::alerts::alert_unsilence,
            commands::alerts::alert_server,
            commands::alerts::alert_test,
            commands::alerts::alert_evaluator_status,
            commands::alerts::alert_allow_host,
            commands::alerts::alert_smtp,
            commands::alerts::alert_smtp_set,
            commands::dashboards::dashboard_list,
            commands::dashboards::dashboard_get,
            commands::dashboards::dashboard_create,
            commands::dashboards::dashboard_rename,
            commands::dashboards::dashboard_duplicate,
            commands::dashboards::dashboard_update,
            commands::dashboards::dashboard_delete,
            commands::dashboards::dashboard_add_cell,
            commands::dashboards::dashboard_update_cell,
            commands::dashboards::dashboard_remove_cell,
            commands::dashboards::dashboard_add_annotation,
            commands::dashboards::dashboard_remove_annotation,
            commands::dashboards::dashboard_run,
            commands::dashboards::dashboard_variable_values,
            commands::dashboards::dashboard_export,
            commands::dashboards::dashboard_import,
            commands::app::app_info,
            commands::app::pref_get,
            commands::app::pref_set,
            commands::ops::queries_list,
            commands::ops::queries_kill,
            commands::ops::data_delete,
            commands::ops::overview_get,
            commands::ops::overview_chart,
            commands::app::demo_status,
            commands::mcp::mcp_status,
            commands::mcp::mcp_socket_set,
            commands::mcp::mcp_http_set,
            commands::mcp::mcp_http_rotate,
            commands::mcp::activity_list,
            commands::mcp::approval_answer,
            commands::mcp::app_exe,
            commands::profiles::profile_list,
            commands::profiles::profile_add,
            commands::profiles::profile_update,
            commands::profiles::profile_duplicate,
            commands::profiles::profile_delete,
            commands::profiles::profile_use,
            commands::profiles::profile_test,
            commands::profiles::profile_status,
            commands::profiles::profile_import_cli,
            commands::profiles::profile_import_env,
            commands::query::query_run,
            commands::query::query_timing,
            commands::query::query_rows,
            commands::startup::startup_mark,
            commands::load::load_check,
            commands::load::load_run,
            commands::load::load_cancel,
            commands::load::csv_preview,
            commands::load::load_setup,
            commands::explore::schema_databases,
            commands::explore::schema_measurements,
            commands::explore::schema_tag_keys,
            commands::explore::schema_tag_values,
            commands::explore::schema_field_keys,
            commands::explore::query_cancel,
            commands::explore::query_build,
            commands::explore::history_list,
            commands::explore::history_clear,
            commands::explore::saved_list,
            commands::explore::saved_save,
            commands::explore::saved_delete,
            commands::explore::export_result,
            commands::explore::settings_get,
            commands::explore::settings_update,
            commands::explore::chart_render,
            commands::explore::chart_export,
        ])
        .build(tauri::generate_context!())?;
    app.run(|handle, event| {
        if let tauri::RunEvent::Exit = event {
            // Stop the demo's live data and the server we started (the guard shell would also
            // stop the server on exit).
            let state = handle.state::<AppState>();
            drop(state.demo_live.lock().expect("demo slot").take());
            // Stop hosting MCP: dropping the server removes its socket.
            hosting::stop_all(&state);
        }
    });
    Ok(())
}
