//! Start-up marks: the window tells when it has painted something useful (the Connections list
//! after the first profile load; the first chart of a query result), and the app logs it on stderr with the time since it started
//! (target `influxdesk::startup`, at info, which the app's default log filter shows), split into
//! the time until the page began to load and the time inside the page. The app bench
//! (`.ci/bench-app`) reads these lines to time start-up without guessing.

use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// When the GUI started (set first thing in `run_gui`), on both clocks: the page reports its
/// start on the wall clock (`performance.timeOrigin`).
static STARTED: OnceLock<(Instant, SystemTime)> = OnceLock::new();

/// Remember the start of the GUI (the first call wins).
pub(crate) fn started() {
    STARTED.get_or_init(|| (Instant::now(), SystemTime::now()));
}

/// What the window has just painted for the first time.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StartupMark {
    /// The Connections screen with its list of profiles (loaded from the backend).
    Connections,
    /// The first chart of a query result (Explore's chart view), drawn by the backend.
    Chart,
}

/// The page's own clocks at the mark.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
pub struct PageClock {
    /// `performance.timeOrigin`: when the page began to load, in ms since the Unix epoch.
    pub origin_ms: f64,
    /// `performance.now()` when the data was in the DOM (before the frames that paint it).
    pub ready_ms: f64,
    /// `performance.now()` at the mark: two animation frames later, painted.
    pub now_ms: f64,
}

/// Log one mark: ms since the GUI started, and of those, when the page began to load.
#[tauri::command]
pub fn startup_mark(mark: StartupMark, page: PageClock) {
    let (t0, wall0) = STARTED.get_or_init(|| (Instant::now(), SystemTime::now()));
    let ms = t0.elapsed().as_secs_f64() * 1e3;
    let wall0_ms = wall0
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1e3)
        .unwrap_or(0.0);
    let page_start_ms = page.origin_ms - wall0_ms;
    tracing::info!(
        target: "influxdesk::startup",
        ?mark,
        ms,
        page_start_ms,
        ready_ms = page.ready_ms,
        in_page_ms = page.now_ms,
        "first paint"
    );
}
