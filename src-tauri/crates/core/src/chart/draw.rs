//! Drawing a [`Plan`] on any plotters backend (SVG string or RGB buffer): the time charts
//! (line, stacked area, step, bar, scatter) on a shared time axis with an optional right axis
//! and a legend; the single-value views are in `panels`.
//!
//! Every time chart decimates each series to the plot's pixel columns first, so what reaches
//! the backend is O(plot width x series), whatever the number of points.

use std::borrow::Borrow;
use std::ops::Range;
use std::sync::OnceLock;

use plotters::chart::DualCoordChartContext;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::element::{Drawable, PointCollection};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::TimeAxis;
use super::axis::pad_range;
use super::css;
use super::decimate::{column_of, decimate};
use super::panels::{gauge, stat, table};
use super::{Axis, ChartType, Entry, HoverData, HoverSeries, PixelRect, Plan, Theme, ValueRange};
use crate::error::{Error, Result};

/// The family name the embedded font is registered under (and what SVG text asks for).
const FONT: &str = "sans-serif";
pub(super) static FONT_BYTES: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");
pub(super) const LABEL_SIZE: f64 = 13.0;
/// Height of the x label area: tick labels and the axis description.
pub(super) const X_LABEL_AREA: u32 = 46;
pub(super) const LINE_WIDTH: u32 = 2;

/// What drawing produced besides the picture.
pub(crate) struct Drawn {
    pub hover: Option<HoverData>,
    /// Data points drawn over all visible series (after decimation).
    pub points: usize,
    /// Whether some series had more points than were drawn.
    pub decimated: bool,
    /// Histogram and heatmap: how the points were counted.
    pub distribution: Option<super::DistributionSummary>,
}

pub(crate) fn err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> Error {
    Error::Internal(format!("drawing the chart failed: {e}"))
}

/// plotters' `ab_glyph` text needs the font registered once per process.
fn ensure_font() -> Result<()> {
    static OK: OnceLock<bool> = OnceLock::new();
    let ok = *OK.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(Error::Internal(
            "the embedded chart font could not be loaded".into(),
        ))
    }
}

pub(super) struct Colors {
    pub(super) bg: RGBColor,
    pub(super) fg: RGBColor,
    pub(super) muted: RGBColor,
    pub(super) axis: RGBColor,
    pub(super) grid: RGBColor,
    pub(super) panel: RGBAColor,
    pub(super) track: RGBColor,
}

pub(super) fn theme_colors(theme: Theme) -> Colors {
    match theme {
        Theme::Light => Colors {
            bg: RGBColor(0xFF, 0xFF, 0xFF),
            fg: RGBColor(0x22, 0x26, 0x2E),
            muted: RGBColor(0x5F, 0x66, 0x73),
            axis: RGBColor(0x8A, 0x90, 0x99),
            grid: RGBColor(0xE6, 0xE8, 0xEB),
            panel: RGBColor(0xFF, 0xFF, 0xFF).mix(0.85),
            track: RGBColor(0xE6, 0xE8, 0xEB),
        },
        Theme::Dark => Colors {
            bg: RGBColor(0x18, 0x1B, 0x1F),
            fg: RGBColor(0xD8, 0xDC, 0xE2),
            muted: RGBColor(0x9A, 0xA1, 0xAC),
            axis: RGBColor(0x6B, 0x72, 0x7D),
            grid: RGBColor(0x2C, 0x31, 0x38),
            panel: RGBColor(0x18, 0x1B, 0x1F).mix(0.85),
            track: RGBColor(0x2C, 0x31, 0x38),
        },
    }
}

pub(super) fn font(size: f64, color: RGBColor) -> TextStyle<'static> {
    TextStyle {
        font: (FONT, size).into_font(),
        color: color.to_backend_color(),
        pos: Pos::default(),
    }
}

pub(super) fn text_width(s: &str, size: f64) -> i32 {
    super::raster::text_width(s, size)
}

/// `s`, cut with an ellipsis to fit `max_px`.
pub(super) fn fit(s: &str, size: f64, max_px: i32) -> String {
    if text_width(s, size) <= max_px {
        return s.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    let (mut lo, mut hi) = (0, chars.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        let cand: String = chars[..mid].iter().collect::<String>() + "…";
        if text_width(&cand, size) <= max_px {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    chars[..lo].iter().collect::<String>() + "…"
}

pub(crate) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    plan: &Plan,
) -> Result<Drawn> {
    ensure_font()?;
    let c = theme_colors(plan.spec.theme);
    root.fill(&c.bg).map_err(err)?;
    let body = match plan.spec.title.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() => {
            let (w, _) = root.dim_in_pixel();
            let t = fit(t, 18.0, w as i32 - 20);
            let style = font(18.0, c.fg).pos(Pos::new(HPos::Center, VPos::Top));
            root.draw_text(&t, &style, (w as i32 / 2, 8)).map_err(err)?;
            root.margin(32, 0, 0, 0)
        }
        _ => root.clone(),
    };
    match plan.spec.chart_type {
        ChartType::SingleStat => stat(&body, plan, &c),
        ChartType::Gauge => gauge(&body, plan, &c),
        ChartType::Table => table(&body, plan, &c),
        ChartType::Histogram => super::distribution::histogram(root, &body, plan, &c),
        ChartType::Heatmap => super::distribution::heatmap(root, &body, plan, &c),
        _ => time_chart(root, &body, plan, &c),
    }
}

/// What one visible series becomes on a time chart.
enum Shape {
    Line(Vec<(i64, f64)>),
    Step(Vec<(i64, f64)>),
    Scatter(Vec<(i64, f64)>),
    /// A stacked band: the polygon between this series' running sum and the previous one's,
    /// and the line along its top.
    Area {
        polygon: Vec<(i64, f64)>,
        top: Vec<(i64, f64)>,
    },
    /// `(from, to, value)` per bar.
    Bars(Vec<(i64, i64, f64)>),
}

struct Layer<'p, 'a> {
    entry: &'p Entry<'a>,
    shape: Shape,
    t: Vec<i64>,
    v: Vec<f64>,
    y: Option<Vec<f64>>,
}

impl Layer<'_, '_> {
    /// Every y value the shape reaches (for the axis range).
    fn extent(&self) -> (f64, f64) {
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        let mut see = |v: f64| {
            lo = lo.min(v);
            hi = hi.max(v);
        };
        match &self.shape {
            Shape::Line(p) | Shape::Step(p) | Shape::Scatter(p) => p.iter().for_each(|p| see(p.1)),
            Shape::Area { polygon, .. } => polygon.iter().for_each(|p| see(p.1)),
            Shape::Bars(b) => {
                see(0.0);
                b.iter().for_each(|b| see(b.2));
            }
        }
        (lo, hi)
    }
}

pub(super) type Chart<'c, DB> = DualCoordChartContext<
    'c,
    DB,
    Cartesian2d<TimeAxis, RangedCoordf64>,
    Cartesian2d<TimeAxis, RangedCoordf64>,
>;

fn time_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    body: &DrawingArea<DB, Shift>,
    plan: &Plan,
    c: &Colors,
) -> Result<Drawn> {
    let spec = plan.spec;
    let vis: Vec<&Entry> = plan.visible().collect();
    let has_right = vis.iter().any(|e| e.axis == Axis::Right);
    let (mut t0, mut t1) = plan.time_range();
    if t0 == t1 {
        t0 = t0.saturating_sub(30_000_000_000);
        t1 = t1.saturating_add(30_000_000_000);
    }
    let fmt = plan.value_format();

    // Layout first (label widths from the raw value ranges), so decimation knows the plot's
    // exact pixel width.
    let inner = body.margin(10, 4, 6, 14);
    let (iw, ih) = inner.dim_in_pixel();
    let label_area = |axis: Axis| -> u32 {
        let (mut lo, mut hi) = raw_extent(&vis, axis, spec.chart_type);
        if axis == Axis::Left {
            lo = spec.y_min.unwrap_or(lo);
            hi = spec.y_max.unwrap_or(hi);
        }
        let f = fmt.axis(lo, hi, 8);
        let w = [lo, hi, (lo + hi) / 2.0]
            .iter()
            .map(|v| text_width(&f.label(*v), LABEL_SIZE))
            .max()
            .unwrap_or(30);
        (w as u32 + 16).max(36).min(iw / 3)
    };
    let left_w = label_area(Axis::Left);
    let right_w = if has_right {
        label_area(Axis::Right)
    } else {
        0
    };
    let plot_w = iw.saturating_sub(left_w + right_w);
    let plot_h = ih.saturating_sub(X_LABEL_AREA);
    if plot_w < 20 || plot_h < 20 {
        return Err(Error::invalid(format!(
            "a {}x{} chart leaves no room to plot after its labels: make it wider or taller",
            spec.width, spec.height
        )));
    }

    // Shapes.
    let mut layers: Vec<Layer> = Vec::with_capacity(vis.len());
    let mut decimated = false;
    match spec.chart_type {
        ChartType::Bar => {
            let (layers_, a, b, agg) = bars(&vis, t0, t1, plot_w);
            layers = layers_;
            (t0, t1) = (a, b);
            decimated = agg;
        }
        ChartType::Area => {
            for axis in [Axis::Left, Axis::Right] {
                let group: Vec<&Entry> = vis.iter().copied().filter(|e| e.axis == axis).collect();
                layers.extend(stacked(&group, t0, t1, plot_w));
            }
            // Keep the given order so legend and hover match the series list.
            layers.sort_by_key(|l| vis.iter().position(|e| std::ptr::eq(*e, l.entry)));
        }
        _ => {
            for e in &vis {
                let pts = decimate(&e.series.points, t0, t1, plot_w);
                let shape = match spec.chart_type {
                    ChartType::Step => Shape::Step(steps(&pts)),
                    ChartType::Scatter => Shape::Scatter(pts.clone()),
                    _ => Shape::Line(pts.clone()),
                };
                layers.push(Layer {
                    entry: e,
                    shape,
                    t: pts.iter().map(|p| p.0).collect(),
                    v: pts.iter().map(|p| p.1).collect(),
                    y: None,
                });
            }
        }
    }
    for l in &layers {
        decimated |= l.t.len() < l.entry.stats.n;
    }

    // Value ranges: 5% padding, unless the spec fixes an end.
    let range_of = |axis: Axis| -> (f64, f64) {
        let (lo, hi) = layers
            .iter()
            .filter(|l| l.entry.axis == axis)
            .map(Layer::extent)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (x, y)| {
                (a.min(x), b.max(y))
            });
        let (fix_lo, fix_hi, lo, hi) = if axis == Axis::Left {
            let (lo, hi) = super::overlay::extent(&spec.overlay, lo, hi);
            (spec.y_min, spec.y_max, lo, hi)
        } else {
            (None, None, lo, hi)
        };
        pad_range(lo, hi, fix_lo, fix_hi)
    };
    let (ylo, yhi) = range_of(Axis::Left);
    let (y2lo, y2hi) = if has_right {
        range_of(Axis::Right)
    } else {
        (ylo, yhi)
    };

    let x_axis = TimeAxis::new(t0, t1, plot_w);
    let y_ticks = (plot_h / 42).clamp(2, 10) as usize;
    let mut chart: Chart<DB> = ChartBuilder::on(&inner)
        .x_label_area_size(X_LABEL_AREA)
        .y_label_area_size(left_w)
        .right_y_label_area_size(right_w)
        .build_cartesian_2d(x_axis.clone(), ylo..yhi)
        .map_err(err)?
        .set_secondary_coord(x_axis.clone(), y2lo..y2hi);

    let y_axis_fmt = fmt.axis(ylo, yhi, y_ticks);
    let y_fmt = |v: &f64| y_axis_fmt.label(*v);
    chart
        .configure_mesh()
        .x_labels(x_axis.ticks().len().max(2))
        .y_labels(y_ticks)
        .y_label_formatter(&y_fmt)
        .x_desc(x_axis.description())
        .label_style(font(LABEL_SIZE, c.muted))
        .axis_desc_style(font(LABEL_SIZE, c.muted))
        .axis_style(c.axis)
        .bold_line_style(c.grid)
        .light_line_style(TRANSPARENT)
        .draw()
        .map_err(err)?;
    let y2_axis_fmt = fmt.axis(y2lo, y2hi, y_ticks);
    let y2_fmt = |v: &f64| y2_axis_fmt.label(*v);
    if has_right {
        chart
            .configure_secondary_axes()
            .y_labels(y_ticks)
            .y_label_formatter(&y2_fmt)
            .label_style(font(LABEL_SIZE, c.muted))
            .axis_style(c.axis)
            .draw()
            .map_err(err)?;
    }

    super::overlay::bands(&mut chart, &spec.overlay, (t0, t1), (ylo, yhi), spec.theme)?;
    let mut points = 0;
    // Area fills first, so every line stays visible on top of them.
    for l in &layers {
        if let Shape::Area { polygon, .. } = &l.shape {
            let (lo, hi) = if l.entry.axis == Axis::Left {
                (ylo, yhi)
            } else {
                (y2lo, y2hi)
            };
            let poly: Vec<(i64, f64)> =
                polygon.iter().map(|&(t, v)| (t, v.clamp(lo, hi))).collect();
            let style = l.entry.color.mix(0.35).filled();
            put(&mut chart, l.entry.axis, [Polygon::new(poly, style)])?;
        }
    }
    for l in &layers {
        let right = l.entry.axis;
        let (lo, hi) = if right == Axis::Left {
            (ylo, yhi)
        } else {
            (y2lo, y2hi)
        };
        let clamp = |p: &[(i64, f64)]| -> Vec<(i64, f64)> {
            p.iter().map(|&(t, v)| (t, v.clamp(lo, hi))).collect()
        };
        let line = l.entry.color.stroke_width(LINE_WIDTH);
        match &l.shape {
            Shape::Line(p) | Shape::Step(p) | Shape::Area { top: p, .. } => {
                points += l.t.len();
                put(&mut chart, right, [PathElement::new(clamp(p), line)])?;
            }
            Shape::Scatter(p) => {
                points += l.t.len();
                // Dots are 7 px wide: one per 2x2 pixel cell looks the same and keeps the SVG
                // small when decimated points crowd.
                let mut seen = std::collections::HashSet::new();
                let dots: Vec<Circle<(i64, f64), i32>> = clamp(p)
                    .into_iter()
                    .filter(|&(t, v)| {
                        let x = column_of(t, t0, t1, plot_w) / 2;
                        let y = ((v - lo) / (hi - lo) * f64::from(plot_h) / 2.0).round() as i64;
                        seen.insert((x, y))
                    })
                    .map(|p| Circle::new(p, 3, l.entry.color.filled()))
                    .collect();
                put(&mut chart, right, dots)?;
            }
            Shape::Bars(bars) => {
                points += bars.len();
                let base = 0f64.clamp(lo, hi);
                let style = l.entry.color.mix(0.85).filled();
                let rects: Vec<Rectangle<(i64, f64)>> = bars
                    .iter()
                    .map(|&(a, b, v)| Rectangle::new([(a, base), (b, v.clamp(lo, hi))], style))
                    .collect();
                put(&mut chart, right, rects)?;
            }
        }
    }

    super::overlay::lines(&mut chart, &spec.overlay, (t0, t1), spec.theme)?;
    let (px, py) = chart.plotting_area().get_pixel_range();
    let plot = PixelRect {
        x: px.start,
        y: py.start,
        width: px.end - px.start,
        height: py.end - py.start,
    };
    debug_assert_eq!(
        plot.width as u32, plot_w,
        "decimation columns are the plot's pixels"
    );
    legend(root, (px, py), &vis, c)?;

    let hover = HoverData {
        plot,
        t0_ms: t0 as f64 / 1e6,
        t1_ms: t1 as f64 / 1e6,
        y_left: ValueRange { min: ylo, max: yhi },
        y_right: has_right.then_some(ValueRange {
            min: y2lo,
            max: y2hi,
        }),
        series: layers
            .into_iter()
            .map(|l| HoverSeries {
                key: l.entry.series.key.clone(),
                name: l.entry.series.name.clone(),
                color: css(l.entry.color),
                axis: l.entry.axis,
                t_ms: l.t.iter().map(|t| *t as f64 / 1e6).collect(),
                v: l.v,
                y: l.y,
            })
            .collect(),
    };
    Ok(Drawn {
        hover: Some(hover),
        points,
        decimated,
        distribution: None,
    })
}

/// Draw elements against the left or the right y axis.
fn put<DB, E, R, S>(chart: &mut Chart<DB>, axis: Axis, elems: S) -> Result<()>
where
    DB: DrawingBackend,
    for<'b> &'b E: PointCollection<'b, (i64, f64)>,
    E: Drawable<DB>,
    R: Borrow<E>,
    S: IntoIterator<Item = R>,
{
    match axis {
        Axis::Left => chart.draw_series(elems).map(|_| ()).map_err(err),
        Axis::Right => chart.draw_secondary_series(elems).map(|_| ()).map_err(err),
    }
}

/// The value range an axis' labels must fit, from the raw statistics (before decimation): the
/// sums for stacked areas, zero included for areas and bars.
fn raw_extent(vis: &[&Entry], axis: Axis, kind: ChartType) -> (f64, f64) {
    let on: Vec<&&Entry> = vis.iter().filter(|e| e.axis == axis).collect();
    if on.is_empty() {
        return (0.0, 1.0);
    }
    match kind {
        ChartType::Area => (
            on.iter().map(|e| e.stats.min.min(0.0)).sum(),
            on.iter().map(|e| e.stats.max.max(0.0)).sum(),
        ),
        _ => {
            let lo = on.iter().map(|e| e.stats.min).fold(f64::INFINITY, f64::min);
            let hi = on
                .iter()
                .map(|e| e.stats.max)
                .fold(f64::NEG_INFINITY, f64::max);
            if kind == ChartType::Bar {
                (lo.min(0.0), hi.max(0.0))
            } else {
                (lo, hi)
            }
        }
    }
}

/// A step line: each value holds until the next point (horizontal, then vertical).
fn steps(pts: &[(i64, f64)]) -> Vec<(i64, f64)> {
    let mut out = Vec::with_capacity(pts.len() * 2);
    for (i, &p) in pts.iter().enumerate() {
        if i > 0 {
            out.push((p.0, pts[i - 1].1));
        }
        out.push(p);
    }
    out
}

/// Stacked areas of one axis' series. Each series is decimated to the pixel columns; the common
/// time grid is the union of the decimated times; on it a series is interpolated linearly
/// between its points and counts as 0 outside its own time span; running sums over the series
/// (in the given order) make the bands. The band edges are decimated again per pixel column,
/// so each band is at most 8 points per column however many series share the grid.
fn stacked<'p, 'a>(group: &[&'p Entry<'a>], t0: i64, t1: i64, cols: u32) -> Vec<Layer<'p, 'a>> {
    let dec: Vec<Vec<(i64, f64)>> = group
        .iter()
        .map(|e| decimate(&e.series.points, t0, t1, cols))
        .collect();
    let mut grid: Vec<i64> = dec.iter().flatten().map(|p| p.0).collect();
    grid.sort_unstable();
    grid.dedup();
    let mut below = vec![0.0; grid.len()];
    let mut out = Vec::with_capacity(group.len());
    for (e, pts) in group.iter().zip(dec) {
        let own = interpolate(&pts, &grid);
        let sum: Vec<f64> = below.iter().zip(&own).map(|(a, b)| a + b).collect();
        let upper = decimate(
            &grid
                .iter()
                .copied()
                .zip(sum.iter().copied())
                .collect::<Vec<_>>(),
            t0,
            t1,
            cols,
        );
        let lower = decimate(
            &grid
                .iter()
                .copied()
                .zip(below.iter().copied())
                .collect::<Vec<_>>(),
            t0,
            t1,
            cols,
        );
        let mut polygon = upper.clone();
        polygon.extend(lower.iter().rev());
        let y = pts
            .iter()
            .map(|p| {
                let i = grid.partition_point(|g| *g < p.0);
                sum.get(i).copied().unwrap_or(p.1)
            })
            .collect();
        out.push(Layer {
            entry: e,
            shape: Shape::Area {
                polygon,
                top: upper,
            },
            t: pts.iter().map(|p| p.0).collect(),
            v: pts.iter().map(|p| p.1).collect(),
            y: Some(y),
        });
        below = sum;
    }
    out
}

/// Values of a sorted series at sorted grid times: linear between points, 0 outside.
fn interpolate(pts: &[(i64, f64)], grid: &[i64]) -> Vec<f64> {
    let (Some(first), Some(last)) = (pts.first(), pts.last()) else {
        return vec![0.0; grid.len()];
    };
    let mut j = 0;
    grid.iter()
        .map(|&g| {
            if g < first.0 || g > last.0 {
                return 0.0;
            }
            while j + 1 < pts.len() && pts[j + 1].0 <= g {
                j += 1;
            }
            let (ta, va) = pts[j];
            match pts.get(j + 1) {
                Some(&(tb, vb)) if tb > ta && g > ta => {
                    va + (vb - va) * ((g as f64 - ta as f64) / (tb as f64 - ta as f64))
                }
                _ => va,
            }
        })
        .collect()
}

/// Bars: one per point when every series has few enough points for bars at least 6 px wide
/// (the bar width is the smallest spacing between times); otherwise the time range is cut
/// into buckets of 6 px and each bar is its bucket's mean (a mean, not min/max: a bar has one
/// height). Series sit side by side within a bucket. Returns the layers, the time range
/// widened by half a bar on each side, and whether points were aggregated.
fn bars<'p, 'a>(
    vis: &[&'p Entry<'a>],
    t0: i64,
    t1: i64,
    plot_w: u32,
) -> (Vec<Layer<'p, 'a>>, i64, i64, bool) {
    const BAR_PX: u32 = 6;
    let n = vis.len().max(1) as i64;
    let max_bars = (plot_w / BAR_PX).max(1) as usize;
    let per_point = vis.iter().all(|e| e.stats.n <= max_bars);
    let layout = |bw: i64, center: i64, k: usize| -> (i64, i64) {
        let slot = (bw / 10 * 8 / n).max(1);
        let from = center
            .saturating_sub(bw / 10 * 4)
            .saturating_add(slot.saturating_mul(k as i64));
        (from, from.saturating_add(slot))
    };
    let mut layers = Vec::with_capacity(vis.len());
    if per_point {
        let mut times: Vec<i64> = vis
            .iter()
            .flat_map(|e| e.series.points.iter().map(|p| p.0))
            .collect();
        times.sort_unstable();
        times.dedup();
        let bw = times
            .windows(2)
            .map(|w| w[1].saturating_sub(w[0]))
            .min()
            .unwrap_or(t1.saturating_sub(t0).max(2))
            .max(2);
        for (k, e) in vis.iter().enumerate() {
            let pts: Vec<(i64, f64)> = e
                .series
                .points
                .iter()
                .copied()
                .filter(|p| p.1.is_finite())
                .collect();
            let rects = pts
                .iter()
                .map(|&(t, v)| {
                    let (a, b) = layout(bw, t, k);
                    (a, b, v)
                })
                .collect();
            layers.push(Layer {
                entry: e,
                shape: Shape::Bars(rects),
                t: pts.iter().map(|p| p.0).collect(),
                v: pts.iter().map(|p| p.1).collect(),
                y: None,
            });
        }
        (
            layers,
            t0.saturating_sub(bw / 2),
            t1.saturating_add(bw / 2),
            false,
        )
    } else {
        let buckets = max_bars as i64;
        let bw = ((t1 as i128 - t0 as i128 + 1) as u128).div_ceil(buckets as u128) as i64;
        for (k, e) in vis.iter().enumerate() {
            let mut sum = vec![(0.0f64, 0usize); buckets as usize];
            for &(t, v) in &e.series.points {
                if v.is_finite() && t >= t0 && t <= t1 {
                    let b = (((t as i128 - t0 as i128) / bw as i128) as usize).min(sum.len() - 1);
                    sum[b].0 += v;
                    sum[b].1 += 1;
                }
            }
            let mut rects = Vec::new();
            let (mut ts, mut vs) = (Vec::new(), Vec::new());
            for (b, &(s, cnt)) in sum.iter().enumerate() {
                if cnt == 0 {
                    continue;
                }
                let center =
                    t0.saturating_add((b as i64).saturating_mul(bw).saturating_add(bw / 2));
                let (a, z) = layout(bw, center, k);
                let mean = s / cnt as f64;
                rects.push((a, z, mean));
                ts.push(center);
                vs.push(mean);
            }
            layers.push(Layer {
                entry: e,
                shape: Shape::Bars(rects),
                t: ts,
                v: vs,
                y: None,
            });
        }
        (
            layers,
            t0,
            t0.saturating_add(buckets.saturating_mul(bw) - 1),
            true,
        )
    }
}

/// The legend, top right inside the plot: a swatch and the name of each visible series, as
/// many as fit in 60% of the plot's height.
pub(super) fn legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    (px, py): (Range<i32>, Range<i32>),
    vis: &[&Entry],
    c: &Colors,
) -> Result<()> {
    const ROW: i32 = 18;
    const PAD: i32 = 6;
    const SWATCH: i32 = 10;
    let max_text = ((px.end - px.start) as f64 * 0.45) as i32;
    let max_rows = (((py.end - py.start) as f64 * 0.6) as i32 / ROW).max(1) as usize;
    let mut rows: Vec<(String, Option<RGBColor>)> = vis
        .iter()
        .map(|e| {
            let name = if e.axis == Axis::Right {
                format!("{} (right axis)", e.series.name)
            } else {
                e.series.name.clone()
            };
            (fit(&name, LABEL_SIZE, max_text), Some(e.color))
        })
        .collect();
    if rows.len() > max_rows {
        let more = rows.len() - (max_rows - 1);
        rows.truncate(max_rows - 1);
        rows.push((format!("+{more} more"), None));
    }
    let tw = rows
        .iter()
        .map(|r| text_width(&r.0, LABEL_SIZE))
        .max()
        .unwrap_or(0);
    let w = PAD * 2 + SWATCH + 6 + tw;
    let h = PAD * 2 + ROW * rows.len() as i32 - 4;
    let x0 = px.end - w - 8;
    let y0 = py.start + 8;
    root.draw(&Rectangle::new(
        [(x0, y0), (x0 + w, y0 + h)],
        c.panel.filled(),
    ))
    .map_err(err)?;
    root.draw(&Rectangle::new([(x0, y0), (x0 + w, y0 + h)], c.grid))
        .map_err(err)?;
    let text = font(LABEL_SIZE, c.fg).pos(Pos::new(HPos::Left, VPos::Center));
    for (i, (label, color)) in rows.iter().enumerate() {
        let cy = y0 + PAD + ROW * i as i32 + (ROW - 4) / 2;
        if let Some(color) = color {
            root.draw(&Rectangle::new(
                [
                    (x0 + PAD, cy - SWATCH / 2),
                    (x0 + PAD + SWATCH, cy + SWATCH / 2),
                ],
                color.filled(),
            ))
            .map_err(err)?;
        }
        root.draw_text(label, &text, (x0 + PAD + SWATCH + 6, cy))
            .map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_hold_each_value_until_the_next_point() {
        let got = steps(&[(0, 1.0), (10, 2.0), (20, 3.0)]);
        assert_eq!(
            got,
            [(0, 1.0), (10, 1.0), (10, 2.0), (20, 2.0), (20, 3.0)],
            "horizontal first, then vertical"
        );
        assert!(steps(&[]).is_empty());
    }

    #[test]
    fn interpolation_is_linear_inside_and_zero_outside() {
        let pts = [(10, 1.0), (20, 3.0)];
        assert_eq!(
            interpolate(&pts, &[0, 10, 15, 20, 30]),
            [0.0, 1.0, 2.0, 3.0, 0.0]
        );
    }
}
