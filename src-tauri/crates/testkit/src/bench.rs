//! What the benches of core and mcp share: scratch dirs under a bench's temp dir, the
//! statistics they print (nearest-rank percentiles of latencies, medians), the process's peak
//! resident set, and the CPU data the MCP benches write (`cpu` over a few hosts, one point a
//! second). Measurements only: nothing here asserts on a number, and each bench prints its
//! own table.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The dir `name` under `base` (a bench's temp dir), created.
pub fn scratch(base: &Path, name: &str) -> PathBuf {
    let d = base.join(name);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The `q` quantile (0 < q <= 1) of `sorted` latencies by nearest rank: the smallest value
/// with at least `q` of them at or below it. `sorted` is sorted and not empty.
pub fn percentile(sorted: &[Duration], q: f64) -> Duration {
    let n = sorted.len();
    sorted[((n as f64 * q).ceil() as usize).clamp(1, n) - 1]
}

/// The median of `xs` (sorted in place; the upper one of an even count; NaN when empty).
pub fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The median wall time of `runs` runs of `f`, in ms, and the last run's result (kept from
/// the optimizer with `black_box`).
pub fn median_ms<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut times = Vec::with_capacity(runs);
    let mut out = None;
    for _ in 0..runs {
        let start = Instant::now();
        out = Some(std::hint::black_box(f()));
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    (median(&mut times), out.expect("at least one run"))
}

/// Peak resident set of this process, in MiB (Linux `VmHWM`; NaN where it cannot be read).
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// `points` points of `cpu` (fields usage_user and usage_system) over `hosts` hosts
/// `host-0`.., one a second ending at `end` (Unix seconds, exclusive), as line protocol with
/// second timestamps.
pub fn cpu_lines(points: usize, hosts: usize, end: i64) -> String {
    (0..points)
        .map(|i| {
            format!(
                "cpu,host=host-{} usage_user={:.3},usage_system={:.3} {}\n",
                i % hosts,
                10.0 + (i % 97) as f64 * 0.731,
                2.0 + (i % 13) as f64 * 0.37,
                end - (points - i) as i64
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank_and_medians_the_middle() {
        let ms: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&ms, 0.50), Duration::from_millis(50));
        assert_eq!(percentile(&ms, 0.99), Duration::from_millis(99));
        assert_eq!(percentile(&ms[..1], 0.99), Duration::from_millis(1));
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0, "sorted first");
        assert_eq!(
            median(&mut [4.0, 1.0, 3.0, 2.0]),
            3.0,
            "the upper of an even count"
        );
        assert!(median(&mut []).is_nan(), "nothing measured");
        let (ms, last) = median_ms(3, || 7);
        assert!(ms >= 0.0 && last == 7, "{ms} {last}");
    }

    #[test]
    fn cpu_lines_end_a_second_before_end_over_the_hosts() {
        let lines = cpu_lines(5, 2, 1_000);
        let got: Vec<&str> = lines.lines().collect();
        assert_eq!(got.len(), 5);
        assert_eq!(
            got[0],
            "cpu,host=host-0 usage_user=10.000,usage_system=2.000 995"
        );
        assert_eq!(
            got[4],
            "cpu,host=host-0 usage_user=12.924,usage_system=3.480 999"
        );
    }
}
