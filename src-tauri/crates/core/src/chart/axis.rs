//! Axes and numbers: the time axis (a plotters coordinate in epoch nanoseconds, with ticks on
//! round UTC times and labels that fit the range) and value formatting with decimals and units.
//! Time zones other than UTC, calendar-month ticks and log scales are left out.

use std::ops::Range;

use chrono::{DateTime, Utc};
use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};

use super::decimate::column_of;

const NS: i64 = 1;
const US: i64 = 1_000;
const MS: i64 = 1_000_000;
const S: i64 = 1_000_000_000;
const MIN: i64 = 60 * S;
const H: i64 = 60 * MIN;
const D: i64 = 24 * H;

/// Tick steps, smallest first. Ticks fall on multiples of the step since the epoch (UTC), so
/// they land on round seconds, minutes, hours and days.
const STEPS: &[i64] = &[
    NS,
    2 * NS,
    5 * NS,
    10 * NS,
    20 * NS,
    50 * NS,
    100 * NS,
    200 * NS,
    500 * NS,
    US,
    2 * US,
    5 * US,
    10 * US,
    20 * US,
    50 * US,
    100 * US,
    200 * US,
    500 * US,
    MS,
    2 * MS,
    5 * MS,
    10 * MS,
    20 * MS,
    50 * MS,
    100 * MS,
    200 * MS,
    500 * MS,
    S,
    2 * S,
    5 * S,
    10 * S,
    15 * S,
    30 * S,
    MIN,
    2 * MIN,
    5 * MIN,
    10 * MIN,
    15 * MIN,
    30 * MIN,
    H,
    2 * H,
    3 * H,
    6 * H,
    12 * H,
    D,
    2 * D,
    7 * D,
    14 * D,
    30 * D,
    91 * D,
    182 * D,
    365 * D,
    730 * D,
    1826 * D,
    3652 * D,
    36524 * D,
];

/// A time axis over `[t0, t1]` (epoch ns, both inclusive) with its ticks chosen up front.
#[derive(Debug, Clone)]
pub(crate) struct TimeAxis {
    pub t0: i64,
    pub t1: i64,
    pub step: i64,
}

impl TimeAxis {
    /// An axis whose tick labels fit in `width_px` (about 110 px or one label apart).
    pub fn new(t0: i64, t1: i64, width_px: u32) -> TimeAxis {
        let span = t1.saturating_sub(t0).max(1);
        let mut max_ticks = (width_px / 110).max(2) as i64;
        let mut step = pick_step(span, max_ticks);
        // Long labels (sub-second, or with dates) need more room: widen until they fit.
        for _ in 0..4 {
            let sample = fmt_time(t0, tick_format(step, span));
            let label_px = 7 * sample.chars().count() as i64 + 28;
            let room = (width_px as f64 * step as f64 / span as f64) as i64;
            if room >= label_px || max_ticks <= 2 {
                break;
            }
            max_ticks = (max_ticks * room / label_px).clamp(2, max_ticks - 1);
            step = pick_step(span, max_ticks);
        }
        TimeAxis { t0, t1, step }
    }

    pub fn ticks(&self) -> Vec<i64> {
        let first = self.t0.div_euclid(self.step) + i64::from(self.t0.rem_euclid(self.step) != 0);
        (0..)
            .map_while(|k: i64| (first + k).checked_mul(self.step).filter(|t| *t <= self.t1))
            .take(1000)
            .collect()
    }

    pub fn label(&self, t: i64) -> String {
        fmt_time(t, tick_format(self.step, self.t1.saturating_sub(self.t0)))
    }

    /// The axis description: the time zone and the dates the range covers.
    pub fn description(&self) -> String {
        let d0 = fmt_time(self.t0, "%Y-%m-%d");
        let d1 = fmt_time(self.t1, "%Y-%m-%d");
        if d0 == d1 {
            format!("Time (UTC), {d0}")
        } else {
            format!("Time (UTC), {d0} to {d1}")
        }
    }
}

fn pick_step(span: i64, max_ticks: i64) -> i64 {
    STEPS
        .iter()
        .copied()
        .find(|s| span / s <= max_ticks)
        .unwrap_or(*STEPS.last().expect("steps"))
}

fn tick_format(step: i64, span: i64) -> &'static str {
    match step {
        s if s < US => "%H:%M:%S%.9f",
        s if s < MS => "%H:%M:%S%.6f",
        s if s < S => "%H:%M:%S%.3f",
        s if s < MIN => "%H:%M:%S",
        s if s < D && span < 2 * D => "%H:%M",
        s if s < D => "%m-%d %H:%M",
        _ if span <= 400 * D => "%m-%d",
        _ => "%Y-%m-%d",
    }
}

pub(crate) fn fmt_time(t: i64, fmt: &str) -> String {
    DateTime::<Utc>::from_timestamp_nanos(t)
        .format(fmt)
        .to_string()
}

impl Ranged for TimeAxis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = i64;

    fn map(&self, v: &i64, limit: (i32, i32)) -> i32 {
        // Pixel column = decimation column (see decimate::column_of): pixel i holds times
        // [t0 + ceil(i * span / n), ...).
        let n = (limit.1 - limit.0).unsigned_abs() + 1;
        let col = column_of(*v, self.t0, self.t1, n).clamp(-1_000_000, 1_000_000) as i32;
        if limit.1 >= limit.0 {
            limit.0 + col
        } else {
            limit.0 - col
        }
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<i64> {
        if hint.weight().allow_light_points() {
            return Vec::new();
        }
        self.ticks()
    }

    fn range(&self) -> Range<i64> {
        self.t0..self.t1
    }
}

impl ValueFormatter<i64> for TimeAxis {
    fn format_ext(&self, t: &i64) -> String {
        self.label(*t)
    }
}

/// How values print: fixed decimals or automatic, an SI suffix for large numbers, the unit.
#[derive(Debug, Clone)]
pub(crate) struct ValueFormat {
    pub decimals: Option<u8>,
    pub unit: Option<String>,
}

impl ValueFormat {
    /// For axis labels over `[lo, hi]` with about `ticks` labels: one decimals/scale choice for
    /// the whole axis so labels line up.
    pub fn axis(&self, lo: f64, hi: f64, ticks: usize) -> AxisFormat {
        let (scale, suffix) = si_scale(lo.abs().max(hi.abs()));
        let decimals = match self.decimals {
            Some(d) => d as usize,
            None => {
                let step = (hi - lo) / scale / ticks.max(1) as f64;
                if step > 0.0 && step.is_finite() {
                    (-step.log10()).ceil().clamp(0.0, 9.0) as usize
                } else {
                    0
                }
            }
        };
        AxisFormat {
            scale,
            suffix,
            decimals,
            unit: self.unit.clone(),
        }
    }

    /// One value on its own (single stat, gauge, table, legend).
    pub fn value(&self, v: f64) -> String {
        let (scale, suffix) = si_scale(v.abs());
        let x = v / scale;
        let decimals = match self.decimals {
            Some(d) => d as usize,
            None if x == x.trunc() && x.abs() < 1e15 => 0,
            None if x.abs() >= 100.0 => 1,
            None if x.abs() >= 1.0 || scale > 1.0 => 2,
            None => ((-x.abs().log10()).ceil() as usize + 2).clamp(2, 9),
        };
        with_unit(number(x, decimals) + suffix, self.unit.as_deref())
    }
}

#[derive(Debug, Clone)]
pub(crate) struct AxisFormat {
    scale: f64,
    suffix: &'static str,
    decimals: usize,
    unit: Option<String>,
}

impl AxisFormat {
    pub fn label(&self, v: f64) -> String {
        with_unit(
            number(v / self.scale, self.decimals) + self.suffix,
            self.unit.as_deref(),
        )
    }
}

fn si_scale(max_abs: f64) -> (f64, &'static str) {
    match max_abs {
        m if m >= 1e15 => (1e15, "P"),
        m if m >= 1e12 => (1e12, "T"),
        m if m >= 1e9 => (1e9, "G"),
        m if m >= 1e6 => (1e6, "M"),
        m if m >= 1e5 => (1e3, "k"),
        _ => (1.0, ""),
    }
}

fn number(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    // "-0.00" reads as a sign error.
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    }
}

fn with_unit(n: String, unit: Option<&str>) -> String {
    match unit.map(str::trim) {
        None | Some("") => n,
        Some(u @ ("%" | "°" | "‰")) => format!("{n}{u}"),
        Some(u) => format!("{n} {u}"),
    }
}

/// `[lo, hi]` with 5% padding on each free end (never across zero, so areas and bars stand
/// on the axis); a flat range gets some height.
pub(super) fn pad_range(lo: f64, hi: f64, fix_lo: Option<f64>, fix_hi: Option<f64>) -> (f64, f64) {
    let (lo, hi) = if lo.is_finite() && hi.is_finite() {
        (lo, hi)
    } else {
        (0.0, 1.0)
    };
    let pad = if hi > lo {
        (hi - lo) * 0.05
    } else {
        (hi.abs() * 0.05).max(1.0)
    };
    let mut a = lo - pad;
    let mut b = hi + pad;
    if lo >= 0.0 && a < 0.0 && hi > lo {
        a = 0.0;
    }
    if hi <= 0.0 && b > 0.0 && hi > lo {
        b = 0.0;
    }
    let mut a = fix_lo.unwrap_or(a);
    let mut b = fix_hi.unwrap_or(b);
    if b <= a {
        // Only one end was fixed, on the wrong side of the data.
        match (fix_lo, fix_hi) {
            (Some(_), None) => b = a + pad.max(1.0),
            _ => a = b - pad.max(1.0),
        }
    }
    sane_range(a, b)
}

/// A value range plotters can put ticks on: finite, increasing, and with a span it can resolve.
/// Values beyond ±1e300 are clamped, and a span lost in rounding is widened around its middle;
/// otherwise plotters' tick search does not end.
pub(super) fn sane_range(a: f64, b: f64) -> (f64, f64) {
    const LIMIT: f64 = 1e300;
    let clamp = |v: f64| {
        if v.is_nan() {
            0.0
        } else {
            v.clamp(-LIMIT, LIMIT)
        }
    };
    let (a, b) = (clamp(a), clamp(b));
    let magnitude = a.abs().max(b.abs());
    if b > a && (b - a) > magnitude * 1e-9 {
        return (a, b);
    }
    let mid = a / 2.0 + b / 2.0;
    let half = (mid.abs() * 1e-6).max(1.0);
    (mid - half, mid + half)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(s: &str) -> i64 {
        crate::influx::parse::parse_time_ns(s).unwrap()
    }

    #[test]
    fn an_hour_gets_ten_minute_ticks_as_hh_mm() {
        let a = TimeAxis::new(ns("2024-05-01T10:00:00Z"), ns("2024-05-01T11:00:00Z"), 1100);
        assert_eq!(a.step, 10 * MIN);
        let labels: Vec<String> = a.ticks().iter().map(|t| a.label(*t)).collect();
        assert_eq!(
            labels,
            [
                "10:00", "10:10", "10:20", "10:30", "10:40", "10:50", "11:00"
            ]
        );
        assert_eq!(a.description(), "Time (UTC), 2024-05-01");
    }

    #[test]
    fn long_ranges_show_dates_and_short_ones_seconds() {
        let a = TimeAxis::new(ns("2024-01-01T00:00:00Z"), ns("2024-03-01T00:00:00Z"), 1100);
        assert!(a.step >= D);
        assert_eq!(a.label(ns("2024-02-15T00:00:00Z")), "02-15");
        assert_eq!(a.description(), "Time (UTC), 2024-01-01 to 2024-03-01");

        let a = TimeAxis::new(ns("2024-01-01T00:00:00Z"), ns("2024-01-01T00:00:30Z"), 1100);
        assert_eq!(a.label(ns("2024-01-01T00:00:05Z")), "00:00:05");

        let a = TimeAxis::new(0, 2_000_000, 1100);
        assert!(a.label(1_000_000).ends_with("00:00:00.001000"));
        assert!(
            a.ticks().len() * 110 <= 1100 + 110,
            "sub-second labels are long: fewer ticks"
        );
    }

    #[test]
    fn map_puts_t0_at_the_first_pixel_and_t1_at_the_last() {
        let a = TimeAxis::new(1_000, 2_000, 100);
        assert_eq!(a.map(&1_000, (50, 149)), 50);
        assert_eq!(a.map(&2_000, (50, 149)), 149);
        assert_eq!(a.map(&1_500, (50, 149)), 99);
    }

    #[test]
    fn values_format_with_decimals_units_and_si_suffixes() {
        let f = ValueFormat {
            decimals: Some(1),
            unit: Some("%".into()),
        };
        assert_eq!(f.value(12.345), "12.3%");
        let f = ValueFormat {
            decimals: None,
            unit: Some("ms".into()),
        };
        assert_eq!(f.value(42.0), "42 ms");
        assert_eq!(f.value(4.5678), "4.57 ms");
        assert_eq!(f.value(2_500_000.0), "2.50M ms");
        let ax = ValueFormat {
            decimals: None,
            unit: None,
        }
        .axis(0.0, 1.0, 5);
        assert_eq!(ax.label(0.2), "0.2");
        assert_eq!(ax.label(-0.0), "0.0");
    }

    #[test]
    fn ranges_get_padding_that_does_not_cross_zero() {
        assert_eq!(pad_range(10.0, 20.0, None, None), (9.5, 20.5));
        assert_eq!(
            pad_range(0.0, 100.0, None, None),
            (0.0, 105.0),
            "areas stand on 0"
        );
        assert_eq!(pad_range(-100.0, 0.0, None, None), (-105.0, 0.0));
        assert_eq!(
            pad_range(5.0, 5.0, None, None),
            (4.0, 6.0),
            "a flat line gets height"
        );
        assert_eq!(pad_range(10.0, 20.0, Some(0.0), Some(50.0)), (0.0, 50.0));
        let (lo, hi) = pad_range(10.0, 20.0, Some(30.0), None);
        assert!(
            lo == 30.0 && hi > lo,
            "a y_min above the data still gives a range"
        );
    }
}
