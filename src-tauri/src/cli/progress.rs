//! The progress bar of `write` and `import-csv` on a terminal's stderr: a bar (when the
//! input's size is known), points written, points/s and the time left. Without a terminal it
//! only drains the progress channel, so output piped to a file or a log stays clean.

use std::io::Write as _;
use std::time::{Duration, Instant};

use influxdesk_core::api::write::WriteProgress;
use tokio::sync::mpsc;

const WIDTH: usize = 24;

/// One line of progress: `[#####.....] 42% 420000 points, 310000 points/s, 3s left`.
pub fn line(p: &WriteProgress, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64().max(1e-3);
    let rate = p.points as f64 / secs;
    let mut out = String::new();
    if let Some(total) = p.total_bytes.filter(|t| *t > 0) {
        let frac = (p.offset as f64 / total as f64).clamp(0.0, 1.0);
        let done = (frac * WIDTH as f64).round() as usize;
        out += &format!(
            "[{}{}] {:>3.0}% ",
            "#".repeat(done),
            ".".repeat(WIDTH - done),
            frac * 100.0
        );
        if frac > 0.0 && frac < 1.0 {
            let left = secs * (1.0 - frac) / frac;
            out += &format!("(ETA {}) ", clock(left));
        }
    }
    out += &format!("{} points, {:.0} points/s", p.points, rate);
    if p.dropped > 0 {
        out += &format!(", {} dropped", p.dropped);
    }
    out
}

fn clock(secs: f64) -> String {
    let s = secs.round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
    }
}

/// Show progress on one terminal line until the channel closes; without a terminal, drain it.
pub async fn show(mut rx: mpsc::Receiver<WriteProgress>, terminal: bool) {
    let start = Instant::now();
    let mut shown = false;
    while let Some(p) = rx.recv().await {
        if !terminal {
            continue;
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{}   ", line(&p, start.elapsed()));
        let _ = err.flush();
        shown = true;
    }
    if shown {
        eprintln!();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_has_the_bar_the_rate_and_the_time_left() {
        let p = WriteProgress {
            line: 250_000,
            offset: 250,
            total_bytes: Some(1_000),
            points: 250_000,
            dropped: 0,
            batches: 50,
        };
        assert_eq!(
            line(&p, Duration::from_secs(2)),
            "[######..................]  25% (ETA 6s) 250000 points, 125000 points/s"
        );
        let stream = WriteProgress {
            total_bytes: None,
            dropped: 3,
            ..p
        };
        assert_eq!(
            line(&stream, Duration::from_secs(125)),
            "250000 points, 2000 points/s, 3 dropped"
        );
        assert_eq!(clock(3725.0), "1h02m");
    }
}
