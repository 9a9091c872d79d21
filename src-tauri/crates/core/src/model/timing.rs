//! How long a query run took, stage by stage: the server's time to its first byte, the
//! response streaming in and parsed into frames, and the whole run. Kept with the result (by
//! query id) for Explore's result bar and for the app's benchmarks, which line these wall-clock
//! instants up with the window's own (`performance.timeOrigin + performance.now()`).

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use ts_rs::TS;

/// The stages of one query run. Instants are ms since the Unix epoch (wall clock, sub-ms),
/// durations are ms.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct QueryTiming {
    pub query_id: String,
    /// When the run began (before the time range, the client and the request).
    pub started_at_ms: f64,
    /// When the response's first byte came, if it was seen apart (not for 2.x InfluxQL, which
    /// is read whole).
    pub first_byte_at_ms: Option<f64>,
    /// From the request sent to the first byte: the server's time to answer.
    pub server_ms: Option<f64>,
    /// From the first byte to the frames complete: the response streaming in, parsed as it
    /// came.
    pub read_ms: Option<f64>,
    /// Of `read_ms`, the time spent in the parser.
    pub parse_ms: f64,
    /// When the frames were complete.
    pub parsed_at_ms: f64,
    /// Bytes of the response read.
    pub bytes: usize,
    pub rows: usize,
}

/// Turns monotonic instants into wall-clock ms since the Unix epoch, from one reading of both
/// clocks.
#[derive(Debug, Clone, Copy)]
pub struct WallClock {
    at: Instant,
    wall_ms: f64,
}

impl WallClock {
    pub fn now() -> Self {
        let wall_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64() * 1e3);
        WallClock {
            at: Instant::now(),
            wall_ms,
        }
    }

    /// `t` on the wall clock, ms since the Unix epoch.
    pub fn ms(&self, t: Instant) -> f64 {
        if t >= self.at {
            self.wall_ms + (t - self.at).as_secs_f64() * 1e3
        } else {
            self.wall_ms - (self.at - t).as_secs_f64() * 1e3
        }
    }
}

/// ms between two instants (0 when `b` is before `a`).
pub fn ms_between(a: Instant, b: Instant) -> f64 {
    b.saturating_duration_since(a).as_secs_f64() * 1e3
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn wall_clock_keeps_the_order_and_gaps_of_instants() {
        let clock = WallClock::now();
        let before = clock.at - Duration::from_millis(5);
        let after = clock.at + Duration::from_millis(7);
        assert!((clock.ms(after) - clock.ms(before) - 12.0).abs() < 1e-6);
        assert!((clock.ms(clock.at) - clock.wall_ms).abs() < 1e-9);
        assert_eq!(ms_between(after, before), 0.0);
        assert!((ms_between(before, after) - 12.0).abs() < 1e-6);
    }
}
