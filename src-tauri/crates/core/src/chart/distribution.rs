//! The distribution charts drawn from a [`Plan`]: the histogram (how many values of the visible
//! series fall in each of N equal bins, one bar per series and bin, stacked or side by side in
//! the legend colors) and the heatmap (time columns x value rows, each cell colored by how many
//! points fall in it, with a color scale). Both count every point (nothing is decimated), so
//! their drawing is O(bins) whatever the number of points. Called by `draw::draw`.
//!
//! The binned value range is the data's (or `bin_min`/`bin_max`); a range of a single value is
//! widened around it, so nothing divides by zero, and values outside it are counted as outside.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{TimeAxis, sane_range};
use super::draw::{Colors, Drawn, LABEL_SIZE, X_LABEL_AREA, err, font, legend, text_width};
use super::{
    ChartSpec, ChartType, DistributionSummary, Entry, HistogramLayout, HoverData, PixelRect, Plan,
    ValueRange,
};
use crate::error::{Error, Result};

/// Histogram bins when the spec gives none.
pub const DEFAULT_BINS: u32 = 30;
/// Heatmap value rows when the spec gives none.
pub const DEFAULT_HEATMAP_BINS: u32 = 20;
/// Heatmap time columns when the spec gives none.
pub const DEFAULT_TIME_BUCKETS: u32 = 60;
/// Most bins (or time columns) accepted.
pub const MAX_BINS: u32 = 500;
/// Most heatmap cells (rows x columns) accepted.
pub const MAX_HEATMAP_CELLS: u64 = 100_000;

/// The spec's distribution options, checked like the rest of the spec.
pub(super) fn validate(spec: &ChartSpec) -> Result<()> {
    for (what, v) in [("bins", spec.bins), ("time_buckets", spec.time_buckets)] {
        if let Some(v) = v
            && !(1..=MAX_BINS).contains(&v)
        {
            return Err(Error::invalid(format!(
                "{what} {v} is out of range: use 1 to {MAX_BINS}"
            )));
        }
    }
    if spec.chart_type == ChartType::Heatmap {
        let (rows, cols) = heatmap_shape(spec);
        if u64::from(rows) * u64::from(cols) > MAX_HEATMAP_CELLS {
            return Err(Error::invalid(format!(
                "a heatmap of {rows} bins x {cols} time_buckets has too many cells: use at \
                 most {MAX_HEATMAP_CELLS} (e.g. 100 x 500)"
            )));
        }
    }
    for (what, v) in [("bin_min", spec.bin_min), ("bin_max", spec.bin_max)] {
        if v.is_some_and(|v| !v.is_finite()) {
            return Err(Error::invalid(format!("{what} must be a finite number")));
        }
    }
    if let (Some(lo), Some(hi)) = (spec.bin_min, spec.bin_max)
        && lo >= hi
    {
        return Err(Error::invalid(format!(
            "bin_min ({lo}) must be less than bin_max ({hi})"
        )));
    }
    Ok(())
}

/// A heatmap's (value rows, time columns).
fn heatmap_shape(spec: &ChartSpec) -> (u32, u32) {
    (
        spec.bins.unwrap_or(DEFAULT_HEATMAP_BINS),
        spec.time_buckets.unwrap_or(DEFAULT_TIME_BUCKETS),
    )
}

/// `n` equal bins from `lo` to `hi`: bin `i` holds `[edge(i), edge(i + 1))`, the last one
/// also `hi`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bins {
    pub lo: f64,
    pub hi: f64,
    pub n: usize,
}

impl Bins {
    /// Bins over `[lo, hi]`; a flat, reversed or non-finite range is widened around its middle
    /// so that every bin has a width.
    pub fn new(lo: f64, hi: f64, n: usize) -> Bins {
        let (lo, hi) = if lo.is_finite() && hi.is_finite() && hi > lo {
            (lo, hi)
        } else if lo.is_finite() {
            let pad = (lo.abs() * 0.05).max(0.5);
            (lo - pad, lo + pad)
        } else {
            (0.0, 1.0)
        };
        let (lo, hi) = sane_range(lo, hi);
        Bins {
            lo,
            hi,
            n: n.max(1),
        }
    }

    /// Where bin `i` starts (`edge(n)` is `hi`).
    pub fn edge(&self, i: usize) -> f64 {
        if i >= self.n {
            self.hi
        } else {
            self.lo + (self.hi - self.lo) * (i as f64 / self.n as f64)
        }
    }

    /// The bin of `v`, or None when it is outside `[lo, hi]` or not a number.
    pub fn index(&self, v: f64) -> Option<usize> {
        if !(self.lo..=self.hi).contains(&v) {
            return None;
        }
        let i = ((v - self.lo) / (self.hi - self.lo) * self.n as f64) as usize;
        let mut i = i.min(self.n - 1);
        // Rounding can put a value one bin off its edges: settle it by the edges themselves.
        while i > 0 && v < self.edge(i) {
            i -= 1;
        }
        while i + 1 < self.n && v >= self.edge(i + 1) {
            i += 1;
        }
        Some(i)
    }

    /// Counts per bin of the points' values, and how many were outside (non-finite values are
    /// not points: they are skipped, as everywhere in the charts).
    pub fn count(&self, points: &[(i64, f64)]) -> (Vec<u64>, u64) {
        let mut counts = vec![0u64; self.n];
        let mut outside = 0;
        for &(_, v) in points {
            if !v.is_finite() {
                continue;
            }
            match self.index(v) {
                Some(i) => counts[i] += 1,
                None => outside += 1,
            }
        }
        (counts, outside)
    }
}

/// The value bins of a plan: the visible series' range, or the spec's ends.
pub(super) fn value_bins(plan: &Plan, n: u32) -> Bins {
    let (lo, hi) = plan
        .visible()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), e| {
            (a.min(e.stats.min), b.max(e.stats.max))
        });
    let (fix_lo, fix_hi) = (plan.spec.bin_min, plan.spec.bin_max);
    let mut a = fix_lo.unwrap_or(lo);
    let mut b = fix_hi.unwrap_or(hi);
    if b <= a {
        // A flat range, or one end fixed on the wrong side of the data.
        let pad = (a.abs().max(b.abs()) * 0.05).max(0.5);
        match (fix_lo, fix_hi) {
            (Some(_), None) => b = a + pad * 2.0,
            (None, Some(_)) => a = b - pad * 2.0,
            _ => {
                a -= pad;
                b += pad;
            }
        }
    }
    Bins::new(a, b, n as usize)
}

/// Time columns `[t0, t1]` cut in `n`: column `i` starts at `start(i)`.
#[derive(Debug, Clone, Copy)]
pub(super) struct TimeBuckets {
    pub t0: i64,
    pub t1: i64,
    pub n: usize,
}

impl TimeBuckets {
    pub fn start(&self, i: usize) -> i64 {
        let span = self.t1 as i128 - self.t0 as i128 + 1;
        (self.t0 as i128 + span * i as i128 / self.n as i128) as i64
    }

    pub fn index(&self, t: i64) -> Option<usize> {
        if t < self.t0 || t > self.t1 {
            return None;
        }
        let span = self.t1 as i128 - self.t0 as i128 + 1;
        Some((((t as i128 - self.t0 as i128) * self.n as i128 / span) as usize).min(self.n - 1))
    }
}

/// Heatmap counts, `counts[col * bins.n + row]`, over all the given series, and the number of
/// points outside the value range.
pub(super) fn grid_counts(
    series: &[&[(i64, f64)]],
    tb: &TimeBuckets,
    bins: &Bins,
) -> (Vec<u64>, u64) {
    let mut counts = vec![0u64; tb.n * bins.n];
    let mut outside = 0;
    for pts in series {
        for &(t, v) in *pts {
            if !v.is_finite() {
                continue;
            }
            match (tb.index(t), bins.index(v)) {
                (Some(c), Some(r)) => counts[c * bins.n + r] += 1,
                _ => outside += 1,
            }
        }
    }
    (counts, outside)
}

/// Room for a y axis' tick labels.
fn y_label_width(labels: &[String], iw: u32) -> u32 {
    let w = labels
        .iter()
        .map(|l| text_width(l, LABEL_SIZE))
        .max()
        .unwrap_or(30);
    (w as u32 + 16).max(36).min(iw / 3)
}

fn too_small(spec: &ChartSpec) -> Error {
    Error::invalid(format!(
        "a {}x{} chart leaves no room to plot after its labels: make it wider or taller",
        spec.width, spec.height
    ))
}

/// Histogram: values on x in `bins` bins, counts on y, one bar per series and bin.
pub(super) fn histogram<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    body: &DrawingArea<DB, Shift>,
    plan: &Plan,
    c: &Colors,
) -> Result<Drawn> {
    let spec = plan.spec;
    let vis: Vec<&Entry> = plan.visible().collect();
    let bins = value_bins(plan, spec.bins.unwrap_or(DEFAULT_BINS));
    let mut outside = 0;
    let counts: Vec<Vec<u64>> = vis
        .iter()
        .map(|e| {
            let (k, out) = bins.count(&e.series.points);
            outside += out;
            k
        })
        .collect();
    let layout = spec.histogram_layout.unwrap_or_default();
    let per_bin = |i: usize| counts.iter().map(move |k| k[i]);
    let max_count = (0..bins.n)
        .map(|i| match layout {
            HistogramLayout::Stacked => per_bin(i).sum::<u64>(),
            HistogramLayout::SideBySide => per_bin(i).max().unwrap_or(0),
        })
        .max()
        .unwrap_or(0);
    let counted: u64 = counts.iter().flatten().sum();
    let ytop = if max_count == 0 {
        1.0
    } else {
        max_count as f64 * 1.08
    };

    // Room above the plot for the y axis' description, drawn level (not every backend turns
    // text).
    let inner = body.margin(24, 4, 6, 14);
    let (iw, ih) = inner.dim_in_pixel();
    let y_ticks = ((ih.saturating_sub(X_LABEL_AREA)) / 42).clamp(2, 10) as usize;
    let count_label = |v: &f64| {
        if v.fract() == 0.0 {
            format!("{v:.0}")
        } else {
            String::new()
        }
    };
    let left_w = y_label_width(&[count_label(&ytop.floor())], iw);
    if iw.saturating_sub(left_w) < 20 || ih.saturating_sub(X_LABEL_AREA) < 20 {
        return Err(too_small(spec));
    }
    let mut chart = ChartBuilder::on(&inner)
        .x_label_area_size(X_LABEL_AREA)
        .y_label_area_size(left_w)
        .build_cartesian_2d(bins.lo..bins.hi, 0f64..ytop)
        .map_err(err)?;
    let plot_w = iw - left_w;
    let x_ticks = (plot_w / 90).clamp(2, 12) as usize;
    let x_fmt = plan.value_format().axis(bins.lo, bins.hi, x_ticks);
    let x_label = |v: &f64| x_fmt.label(*v);
    chart
        .configure_mesh()
        .x_labels(x_ticks)
        .y_labels(y_ticks.min(max_count.max(1) as usize + 1))
        .x_label_formatter(&x_label)
        .y_label_formatter(&count_label)
        .x_desc("Value")
        .label_style(font(LABEL_SIZE, c.muted))
        .axis_desc_style(font(LABEL_SIZE, c.muted))
        .axis_style(c.axis)
        .bold_line_style(c.grid)
        .light_line_style(TRANSPARENT)
        .disable_x_mesh()
        .draw()
        .map_err(err)?;

    let mut rects = Vec::new();
    let n = vis.len().max(1) as f64;
    for i in 0..bins.n {
        let (a, b) = (bins.edge(i), bins.edge(i + 1));
        let gap = (b - a) * 0.04;
        let mut below = 0u64;
        for (k, (e, kc)) in vis.iter().zip(&counts).enumerate() {
            let v = kc[i];
            if v == 0 {
                continue;
            }
            let style = e.color.mix(0.85).filled();
            rects.push(match layout {
                HistogramLayout::Stacked => {
                    let r = Rectangle::new(
                        [(a + gap, below as f64), (b - gap, (below + v) as f64)],
                        style,
                    );
                    below += v;
                    r
                }
                HistogramLayout::SideBySide => {
                    let slot = (b - a - 2.0 * gap) / n;
                    let x = a + gap + slot * k as f64;
                    Rectangle::new([(x, 0.0), (x + slot, v as f64)], style)
                }
            });
        }
    }
    let points = rects.len();
    chart.draw_series(rects).map_err(err)?;
    let (px, py) = chart.plotting_area().get_pixel_range();
    root.draw_text(
        "Count",
        &font(LABEL_SIZE, c.muted).pos(Pos::new(HPos::Center, VPos::Bottom)),
        (px.start, py.start - 8),
    )
    .map_err(err)?;
    legend(root, (px, py), &vis, c)?;
    Ok(Drawn {
        hover: None,
        points,
        decimated: false,
        distribution: Some(DistributionSummary {
            bins: bins.n as u32,
            time_buckets: None,
            min: bins.lo,
            max: bins.hi,
            max_count,
            counted,
            outside,
        }),
    })
}

/// The heatmap's color for `frac` in `[0, 1]`: viridis, dark purple to yellow.
pub(super) fn scale_color(frac: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 5] = [
        (0x44, 0x01, 0x54),
        (0x3B, 0x52, 0x8B),
        (0x21, 0x91, 0x8C),
        (0x5E, 0xC9, 0x62),
        (0xFD, 0xE7, 0x25),
    ];
    let f = if frac.is_finite() {
        frac.clamp(0.0, 1.0)
    } else {
        1.0
    };
    let x = f * (STOPS.len() - 1) as f64;
    let i = (x as usize).min(STOPS.len() - 2);
    let t = x - i as f64;
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Where a count sits on the color scale: 1 at the bottom, `max` at the top.
fn count_frac(count: u64, max: u64) -> f64 {
    if max <= 1 {
        1.0
    } else {
        (count.saturating_sub(1)) as f64 / (max - 1) as f64
    }
}

/// Heatmap: time on x in `time_buckets` columns, value on y in `bins` rows, each non-empty
/// cell colored by its point count (all visible series together), and the color scale on the
/// right.
pub(super) fn heatmap<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    body: &DrawingArea<DB, Shift>,
    plan: &Plan,
    c: &Colors,
) -> Result<Drawn> {
    let spec = plan.spec;
    let (rows, cols) = heatmap_shape(spec);
    let bins = value_bins(plan, rows);
    let (mut t0, mut t1) = plan.time_range();
    if t0 == t1 {
        t0 = t0.saturating_sub(30_000_000_000);
        t1 = t1.saturating_add(30_000_000_000);
    }
    let tb = TimeBuckets {
        t0,
        t1,
        n: cols as usize,
    };
    let pts: Vec<&[(i64, f64)]> = plan.visible().map(|e| e.series.points.as_slice()).collect();
    let (counts, outside) = grid_counts(&pts, &tb, &bins);
    let max_count = counts.iter().copied().max().unwrap_or(0);
    let counted: u64 = counts.iter().sum();

    let inner = body.margin(10, 4, 6, 14);
    let (iw, ih) = inner.dim_in_pixel();
    let scale_w = (text_width(&max_count.to_string(), LABEL_SIZE)
        .max(text_width("points", LABEL_SIZE)) as u32)
        + 34;
    let y_ticks = (ih.saturating_sub(X_LABEL_AREA) / 42).clamp(2, 10) as usize;
    let fmt = plan.value_format();
    let y_fmt = fmt.axis(bins.lo, bins.hi, y_ticks);
    let left_w = y_label_width(
        &[
            y_fmt.label(bins.lo),
            y_fmt.label(bins.hi),
            y_fmt.label((bins.lo + bins.hi) / 2.0),
        ],
        iw,
    );
    let plot_w = iw.saturating_sub(left_w + scale_w);
    if plot_w < 20 || ih.saturating_sub(X_LABEL_AREA) < 20 {
        return Err(too_small(spec));
    }
    let (chart_area, _) = inner.split_horizontally(iw - scale_w);
    let x_axis = TimeAxis::new(t0, t1, plot_w);
    let mut chart = ChartBuilder::on(&chart_area)
        .x_label_area_size(X_LABEL_AREA)
        .y_label_area_size(left_w)
        .build_cartesian_2d(x_axis.clone(), bins.lo..bins.hi)
        .map_err(err)?;
    let y_label = |v: &f64| y_fmt.label(*v);
    chart
        .configure_mesh()
        .x_labels(x_axis.ticks().len().max(2))
        .y_labels(y_ticks)
        .y_label_formatter(&y_label)
        .x_desc(x_axis.description())
        .label_style(font(LABEL_SIZE, c.muted))
        .axis_desc_style(font(LABEL_SIZE, c.muted))
        .axis_style(c.axis)
        .bold_line_style(c.grid)
        .light_line_style(TRANSPARENT)
        .draw()
        .map_err(err)?;

    let mut cells = Vec::new();
    for col in 0..tb.n {
        let (a, b) = (
            tb.start(col),
            tb.start(col + 1).saturating_sub(1).max(tb.start(col)),
        );
        for row in 0..bins.n {
            let k = counts[col * bins.n + row];
            if k == 0 {
                continue;
            }
            let color = scale_color(count_frac(k, max_count));
            cells.push(Rectangle::new(
                [(a, bins.edge(row)), (b, bins.edge(row + 1))],
                color.filled(),
            ));
        }
    }
    let points = cells.len();
    chart.draw_series(cells).map_err(err)?;
    let (px, py) = chart.plotting_area().get_pixel_range();
    color_scale(root, (px.end + 12, py.start, py.end), max_count, c)?;

    let plot = PixelRect {
        x: px.start,
        y: py.start,
        width: px.end - px.start,
        height: py.end - py.start,
    };
    Ok(Drawn {
        hover: Some(HoverData {
            plot,
            t0_ms: t0 as f64 / 1e6,
            t1_ms: t1 as f64 / 1e6,
            y_left: ValueRange {
                min: bins.lo,
                max: bins.hi,
            },
            y_right: None,
            // Cells are counts of all series together: no per-series points to point at.
            series: Vec::new(),
        }),
        points,
        decimated: false,
        distribution: Some(DistributionSummary {
            bins: bins.n as u32,
            time_buckets: Some(tb.n as u32),
            min: bins.lo,
            max: bins.hi,
            max_count,
            counted,
            outside,
        }),
    })
}

/// The color scale: a vertical bar from 1 point (bottom) to `max` (top), labeled, at pixel
/// column `x` between rows `top` and `bottom` of the root.
fn color_scale<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    (x, top, bottom): (i32, i32, i32),
    max: u64,
    c: &Colors,
) -> Result<()> {
    const BAR_W: i32 = 12;
    const STEPS: i32 = 40;
    let h = (bottom - top).max(1);
    for s in 0..STEPS {
        let y0 = bottom - h * s / STEPS;
        let y1 = bottom - h * (s + 1) / STEPS;
        let color = scale_color(f64::from(s) / f64::from(STEPS - 1));
        root.draw(&Rectangle::new([(x, y1), (x + BAR_W, y0)], color.filled()))
            .map_err(err)?;
    }
    root.draw(&Rectangle::new([(x, top), (x + BAR_W, bottom)], c.axis))
        .map_err(err)?;
    let label = font(LABEL_SIZE, c.muted).pos(Pos::new(HPos::Left, VPos::Center));
    let (lo, hi) = if max == 0 {
        ("0".to_string(), "0".to_string())
    } else {
        ("1".to_string(), max.to_string())
    };
    root.draw_text(&hi, &label, (x + BAR_W + 4, top + 6))
        .map_err(err)?;
    root.draw_text(&lo, &label, (x + BAR_W + 4, bottom - 6))
        .map_err(err)?;
    let under = font(LABEL_SIZE, c.muted).pos(Pos::new(HPos::Left, VPos::Top));
    root.draw_text("points", &under, (x - 2, bottom + 8))
        .map_err(err)?;
    Ok(())
}

#[cfg(test)]
#[path = "distribution_tests.rs"]
mod tests;
