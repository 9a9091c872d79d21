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
    let Some(cmd) = args.command else {
        if let Err(e) = influxdesk_app::run_gui() {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
        return;
    };
    std::process::exit(cli::run(cmd));
}
