//! The `influxdesk` binary: with no subcommand it opens the desktop app; subcommands run
//! headless (no GTK, no display) over the same core API the GUI uses.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod cli;

use clap::Parser;

fn main() {
    let args = cli::Cli::parse();
    // Logs go to stderr; RUST_LOG overrides (default: warnings, info for the app's activity).
    let default = if args.command.is_none() {
        "warn,influxdesk=info"
    } else {
        "warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    // A panic is a bug, never an answer: log it, and a one-shot command ends with the same
    // one-line error and status as any other failure. Servers (mcp, serve, the app) keep
    // running; their handlers turn a panic into an error for that one call.
    let one_shot = !matches!(
        args.command,
        None | Some(cli::Command::Mcp(_)) | Some(cli::Command::Serve(_))
    );
    std::panic::set_hook(Box::new(move |info| {
        let msg = influxdesk_core::error::panic_message(info.payload());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!("panic{at}: {msg}");
        if one_shot {
            eprintln!(
                "error[Internal]: influxdesk hit a bug ({msg}){at}; nothing more was done. \
                 Please report it."
            );
            std::process::exit(2);
        }
    }));
    let Some(cmd) = args.command else {
        if let Err(e) = influxdesk_app::run_gui() {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
        return;
    };
    std::process::exit(cli::run(cmd));
}
