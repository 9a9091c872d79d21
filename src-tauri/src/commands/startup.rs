//! Start-up marks: the window tells when it has painted something useful (the Connections list
//! after the first profile load), and the app logs it on stderr with the time since it started
//! (target `influxdesk::startup`, at info, which the app's default log filter shows). The app
//! bench (`.ci/bench-app`) reads these lines to time start-up without guessing.

use std::sync::OnceLock;
use std::time::Instant;

/// When the GUI started (set first thing in `run_gui`).
static STARTED: OnceLock<Instant> = OnceLock::new();

/// Remember the start of the GUI (the first call wins).
pub(crate) fn started() {
    STARTED.get_or_init(Instant::now);
}

/// What the window has just painted for the first time.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StartupMark {
    /// The Connections screen with its list of profiles (loaded from the backend).
    Connections,
}

/// Log one mark with the milliseconds since the GUI started.
#[tauri::command]
pub fn startup_mark(mark: StartupMark) {
    let ms = STARTED.get_or_init(Instant::now).elapsed().as_secs_f64() * 1e3;
    tracing::info!(target: "influxdesk::startup", ?mark, ms, "first paint");
}
