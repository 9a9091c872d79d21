//! The `influxdesk` binary: with no subcommand it opens the desktop app; subcommands run
//! headless (no GTK, no display) over the same core API the GUI uses.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod cli;

use clap::Parser;

fn main() {
    let args = cli::Cli::parse();
    let Some(cmd) = args.command else {
        if let Err(e) = influxdesk_app::run_gui() {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
        return;
    };
    std::process::exit(cli::run(cmd));
}
