//! Charts of query results, drawn with plotters: SVG for the window, PNG for MCP and export.
//!
//! [`series_from_frames`] turns a query result into [`Series`]; [`render_svg`] and
//! [`render_png`] draw them as a [`ChartSpec`] says: line, stacked area, step, bar, scatter,
//! single stat, gauge, table, histogram or heatmap, with a legend, an optional right axis, units and decimals.
//! Every series is [`decimate`]d to the plot's pixel columns (min/max per column) before it is
//! drawn, so drawing time and output size do not grow with the number of points. The SVG comes
//! with [`HoverData`] (the drawn points and the pixel mapping) so the window can show the point
//! under the mouse without another call, and every render with a [`ChartSummary`] (the text an
//! assistant reads instead of looking at the picture).
//!
//! [`Overlay`] adds horizontal lines and shaded time spans (an alert's levels and firing
//! windows). Left out: time zones other than UTC, log scales, annotations, interactivity (the UI's job).
//! PNG text is drawn with the embedded DejaVu Sans (`fonts/`), so no system font or C library is
//! needed; SVG text is left to the viewer's `sans-serif`.

mod axis;
mod compose;
mod decimate;
mod distribution;
mod draw;
mod overlay;
mod panels;
mod raster;
mod series;
mod summary;

use plotters::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::influx::parse::ns_to_rfc3339;

pub use compose::{TILE_HEADER, Tile, TileBody, compose_png, render_rgb};
pub use decimate::decimate;
pub use distribution::{
    Bins, DEFAULT_BINS, DEFAULT_HEATMAP_BINS, DEFAULT_TIME_BUCKETS, MAX_BINS, MAX_HEATMAP_CELLS,
};
pub use overlay::{
    MAX_BANDS as OVERLAY_MAX_BANDS, MAX_MARKERS as OVERLAY_MAX_MARKERS, Overlay, OverlayBand,
    OverlayLine, OverlayMarker, Tone,
};
pub use series::{Series, series_from_frames};
pub use summary::{ChartSummary, DistributionSummary, SeriesSummary};

/// Smallest and largest width or height accepted, in pixels.
pub const MIN_SIZE: u32 = 100;
pub const MAX_SIZE: u32 = 8000;
/// Largest image accepted, in pixels (a PNG is drawn in memory at 3 bytes per pixel).
pub const MAX_PIXELS: u64 = 32_000_000;

/// How a chart shows its series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ChartType {
    /// Lines over time.
    #[default]
    Line,
    /// Stacked areas over time: each series is drawn on top of the ones before it.
    Area,
    /// Steps over time: a value holds until the next point.
    Step,
    /// Bars over time, side by side per time bucket.
    Bar,
    /// Points over time.
    Scatter,
    /// The last value of the first visible series as a big number, with a sparkline.
    SingleStat,
    /// The last value of the first visible series on a dial from `y_min` to `y_max`
    /// (default 0 to 100).
    Gauge,
    /// A table of the last value (and min, max) of each series.
    Table,
    /// How often each value occurs: the values of the visible series counted into `bins`
    /// equal bins (default 30) between `bin_min` and `bin_max` (default the data's range),
    /// stacked per series or side by side (`histogram_layout`).
    Histogram,
    /// Values over time as a grid of cells colored by how many points fall in each: time in
    /// `time_buckets` columns (default 60), values in `bins` rows (default 20), all visible
    /// series counted together.
    Heatmap,
}

/// How a histogram shows several series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum HistogramLayout {
    /// Each bin's bars stacked, one series on top of the other.
    #[default]
    Stacked,
    /// Each bin's bars next to each other.
    SideBySide,
}

impl ChartType {
    pub fn as_str(self) -> &'static str {
        match self {
            ChartType::Line => "line",
            ChartType::Area => "area",
            ChartType::Step => "step",
            ChartType::Bar => "bar",
            ChartType::Scatter => "scatter",
            ChartType::SingleStat => "single_stat",
            ChartType::Gauge => "gauge",
            ChartType::Table => "table",
            ChartType::Histogram => "histogram",
            ChartType::Heatmap => "heatmap",
        }
    }

    /// Whether this type draws along a time axis (and so has hover data).
    pub fn is_time_chart(self) -> bool {
        !matches!(
            self,
            ChartType::SingleStat | ChartType::Gauge | ChartType::Table | ChartType::Histogram
        )
    }

    /// Whether this type counts points into bins (histogram, heatmap) instead of drawing them.
    pub fn is_distribution(self) -> bool {
        matches!(self, ChartType::Histogram | ChartType::Heatmap)
    }
}

/// Color scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

/// What to draw and how. Every field is optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct ChartSpec {
    /// line, area (stacked), step, bar, scatter, single_stat, gauge, table, histogram or
    /// heatmap. Default line.
    pub chart_type: ChartType,
    /// Image width in pixels, 100 to 8000. Default 1200.
    pub width: u32,
    /// Image height in pixels, 100 to 8000. Default 400.
    pub height: u32,
    /// A title drawn above the chart.
    pub title: Option<String>,
    /// Keys (or names) of series to leave out, as toggled in the legend.
    pub hidden_series: Vec<String>,
    /// Keys (or names) of series drawn against a second y axis on the right (ignored when it
    /// would list every visible series).
    pub right_axis_series: Vec<String>,
    /// Unit shown after values, e.g. "%", "ms", "B".
    pub unit: Option<String>,
    /// Decimals shown for values; automatic when absent.
    pub decimals: Option<u8>,
    /// Bottom of the (left) y axis, and the gauge's minimum (default 0). Automatic when absent.
    pub y_min: Option<f64>,
    /// Top of the (left) y axis, and the gauge's maximum (default 100). Automatic when absent.
    pub y_max: Option<f64>,
    /// light or dark. Default light.
    pub theme: Theme,
    /// Horizontal lines (e.g. thresholds) and shaded time spans over a time chart.
    #[serde(skip_serializing_if = "Overlay::is_empty")]
    #[ts(as = "Option<Overlay>", optional)]
    pub overlay: Overlay,
    /// Histogram: the number of value bins (default 30). Heatmap: the number of value rows
    /// (default 20). 1 to 500.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub bins: Option<u32>,
    /// Heatmap: the number of time columns, 1 to 500 (default 60); at most 100000 cells in all.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub time_buckets: Option<u32>,
    /// Histogram and heatmap: the lowest value binned (smaller values are left out and counted
    /// as outside). Default the smallest value.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub bin_min: Option<f64>,
    /// Histogram and heatmap: the highest value binned. Default the largest value.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub bin_max: Option<f64>,
    /// Histogram: stacked (default) or side_by_side.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub histogram_layout: Option<HistogramLayout>,
}

impl Default for ChartSpec {
    fn default() -> Self {
        ChartSpec {
            chart_type: ChartType::Line,
            width: 1200,
            height: 400,
            title: None,
            hidden_series: Vec::new(),
            right_axis_series: Vec::new(),
            unit: None,
            decimals: None,
            y_min: None,
            y_max: None,
            theme: Theme::Light,
            overlay: Overlay::default(),
            bins: None,
            time_buckets: None,
            bin_min: None,
            bin_max: None,
            histogram_layout: None,
        }
    }
}

/// Which y axis a series is drawn against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Axis {
    Left,
    Right,
}

/// A chart as SVG, for the window.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Rendered {
    /// A complete `<svg>` document, `width` x `height` pixels.
    pub svg: String,
    /// For time charts: what the window needs to show the point under the mouse.
    pub hover: Option<HoverData>,
    pub summary: ChartSummary,
    /// How long the backend took to draw it, ms (from the kept result: its series, the
    /// decimation and the drawing).
    pub render_ms: f64,
}

/// A chart as PNG, for MCP and export.
#[derive(Debug, Clone)]
pub struct RenderedPng {
    pub png: Vec<u8>,
    pub summary: ChartSummary,
}

/// The drawn points of a time chart and how they map to pixels. In image pixels:
/// time `t0_ms` is at `plot.x` and `t1_ms` at `plot.x + plot.width - 1`; a value `max` of the
/// series' axis is at `plot.y` and `min` at `plot.y + plot.height - 1`, linearly between.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct HoverData {
    pub plot: PixelRect,
    /// Start and end of the time axis, epoch milliseconds (UTC).
    pub t0_ms: f64,
    pub t1_ms: f64,
    pub y_left: ValueRange,
    /// Present when some visible series is on the right axis.
    pub y_right: Option<ValueRange>,
    /// The visible series, in drawing order.
    pub series: Vec<HoverSeries>,
}

/// A rectangle in image pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct PixelRect {
    pub x: i32,
    pub y: i32,
    pub width: i32,
    pub height: i32,
}

/// An axis' value range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ValueRange {
    pub min: f64,
    pub max: f64,
}

/// The points drawn for one series (after decimation), as parallel arrays.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct HoverSeries {
    pub key: String,
    pub name: String,
    /// CSS color, `#RRGGBB`.
    pub color: String,
    pub axis: Axis,
    /// Epoch milliseconds (UTC).
    pub t_ms: Vec<f64>,
    /// The series' values.
    pub v: Vec<f64>,
    /// Where the points are drawn, when that differs from `v` (stacked areas: the running
    /// sum; bars over many points: the bucket mean, with `v` the same).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub y: Option<Vec<f64>>,
}

/// Draw `series` as SVG.
pub fn render_svg(series: &[Series], spec: &ChartSpec) -> Result<Rendered> {
    let start = std::time::Instant::now();
    let plan = Plan::new(series, spec)?;
    let mut svg = String::new();
    let drawn = {
        let root = SVGBackend::with_string(&mut svg, (spec.width, spec.height)).into_drawing_area();
        let drawn = draw::draw(&root, &plan)?;
        root.present().map_err(draw::err)?;
        drawn
    };
    Ok(Rendered {
        svg,
        summary: plan.summary(&drawn),
        hover: drawn.hover,
        render_ms: start.elapsed().as_secs_f64() * 1e3,
    })
}

/// Draw `series` as PNG (8-bit RGB).
pub fn render_png(series: &[Series], spec: &ChartSpec) -> Result<RenderedPng> {
    let plan = Plan::new(series, spec)?;
    let (w, h) = (spec.width, spec.height);
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    let drawn = {
        let root = raster::RasterBackend::new(&mut rgb, (w, h))?.into_drawing_area();
        let drawn = draw::draw(&root, &plan)?;
        root.present().map_err(draw::err)?;
        drawn
    };
    let mut png = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut png, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        let encode_err =
            |e: png::EncodingError| Error::Internal(format!("PNG encoding failed: {e}"));
        let mut writer = enc.write_header().map_err(encode_err)?;
        writer.write_image_data(&rgb).map_err(encode_err)?;
        writer.finish().map_err(encode_err)?;
    }
    Ok(RenderedPng {
        png,
        summary: plan.summary(&drawn),
    })
}

/// The series of a chart with everything decided before drawing: colors, axes, visibility,
/// statistics.
pub(crate) struct Plan<'a> {
    pub spec: &'a ChartSpec,
    /// Non-empty series in the given order.
    pub entries: Vec<Entry<'a>>,
}

pub(crate) struct Entry<'a> {
    pub series: &'a Series,
    pub color: RGBColor,
    pub axis: Axis,
    pub visible: bool,
    pub stats: Stats,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Stats {
    pub n: usize,
    pub min: f64,
    pub max: f64,
    pub sum: f64,
    pub first_t: i64,
    pub last_t: i64,
    pub last: f64,
}

impl Stats {
    fn of(points: &[(i64, f64)]) -> Option<Stats> {
        let mut s: Option<Stats> = None;
        for &(t, v) in points {
            if !v.is_finite() {
                continue;
            }
            match &mut s {
                None => {
                    s = Some(Stats {
                        n: 1,
                        min: v,
                        max: v,
                        sum: v,
                        first_t: t,
                        last_t: t,
                        last: v,
                    })
                }
                Some(s) => {
                    s.n += 1;
                    s.min = s.min.min(v);
                    s.max = s.max.max(v);
                    s.sum += v;
                    s.first_t = s.first_t.min(t);
                    if t >= s.last_t {
                        s.last_t = t;
                        s.last = v;
                    }
                }
            }
        }
        s
    }
}

/// The 10-color palette (Tableau 10).
const PALETTE: [RGBColor; 10] = [
    RGBColor(0x1F, 0x77, 0xB4),
    RGBColor(0xFF, 0x7F, 0x0E),
    RGBColor(0x2C, 0xA0, 0x2C),
    RGBColor(0xD6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xBD),
    RGBColor(0x8C, 0x56, 0x4B),
    RGBColor(0xE3, 0x77, 0xC2),
    RGBColor(0x7F, 0x7F, 0x7F),
    RGBColor(0xBC, 0xBD, 0x22),
    RGBColor(0x17, 0xBE, 0xCF),
];

/// FNV-1a: a hash that is the same in every build and on every machine.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Colors by key: each series takes its key's palette slot, or the next free one when an
/// earlier series has it. Assigned over all series, hidden ones too, so toggling a series in
/// the legend never recolors the others. Past 10 series colors repeat.
fn colors(series: &[&Series]) -> Vec<RGBColor> {
    let mut taken = [false; PALETTE.len()];
    series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if i > 0 && i % PALETTE.len() == 0 {
                taken = [false; PALETTE.len()];
            }
            let start = (fnv1a(&s.key) % PALETTE.len() as u64) as usize;
            let slot = (0..PALETTE.len())
                .map(|k| (start + k) % PALETTE.len())
                .find(|k| !taken[*k])
                .unwrap_or(start);
            taken[slot] = true;
            PALETTE[slot]
        })
        .collect()
}

pub(crate) fn css(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

impl<'a> Plan<'a> {
    fn new(series: &'a [Series], spec: &'a ChartSpec) -> Result<Plan<'a>> {
        validate(spec)?;
        let listed = |list: &[String], s: &Series| list.iter().any(|k| *k == s.key || *k == s.name);
        let with_stats: Vec<(&Series, Stats)> = series
            .iter()
            .filter_map(|s| Some((s, Stats::of(&s.points)?)))
            .collect();
        if with_stats.is_empty() {
            return Err(Error::invalid(
                "nothing to chart: the result has no numeric columns with values. Select \
                 numeric fields with a time column, e.g. SELECT mean(\"usage\") FROM \"cpu\" \
                 WHERE time > now() - 1h GROUP BY time(1m), or show it as a table instead.",
            ));
        }
        let colors = colors(&with_stats.iter().map(|(s, _)| *s).collect::<Vec<_>>());
        let entries: Vec<Entry> = with_stats
            .into_iter()
            .zip(colors)
            .map(|((s, stats), color)| Entry {
                series: s,
                color,
                axis: if listed(&spec.right_axis_series, s) {
                    Axis::Right
                } else {
                    Axis::Left
                },
                visible: !listed(&spec.hidden_series, s),
                stats,
            })
            .collect();
        if !entries.iter().any(|e| e.visible) {
            return Err(Error::invalid(
                "every series is hidden: show at least one series (hidden_series lists them all)",
            ));
        }
        let mut entries = entries;
        // A second axis only makes sense next to a first one.
        // Distributions have one value axis.
        if spec.chart_type.is_distribution()
            || !entries.iter().any(|e| e.visible && e.axis == Axis::Left)
        {
            entries.iter_mut().for_each(|e| e.axis = Axis::Left);
        }
        Ok(Plan { spec, entries })
    }

    pub fn visible(&self) -> impl Iterator<Item = &Entry<'a>> {
        self.entries.iter().filter(|e| e.visible)
    }

    /// First and last time over the visible series.
    pub fn time_range(&self) -> (i64, i64) {
        self.visible().fold((i64::MAX, i64::MIN), |(a, b), e| {
            (a.min(e.stats.first_t), b.max(e.stats.last_t))
        })
    }

    pub fn value_format(&self) -> axis::ValueFormat {
        axis::ValueFormat {
            decimals: self.spec.decimals,
            unit: self.spec.unit.clone(),
        }
    }

    fn summary(&self, drawn: &draw::Drawn) -> ChartSummary {
        let (t0, t1) = self.time_range();
        ChartSummary {
            chart_type: self.spec.chart_type,
            start: ns_to_rfc3339(t0),
            end: ns_to_rfc3339(t1),
            series: self
                .entries
                .iter()
                .map(|e| SeriesSummary {
                    key: e.series.key.clone(),
                    name: e.series.name.clone(),
                    color: css(e.color),
                    visible: e.visible,
                    axis: e.axis,
                    points: e.stats.n,
                    min: e.stats.min,
                    max: e.stats.max,
                    mean: e.stats.sum / e.stats.n as f64,
                    last: e.stats.last,
                    first_time: ns_to_rfc3339(e.stats.first_t),
                    last_time: ns_to_rfc3339(e.stats.last_t),
                })
                .collect(),
            decimated: drawn.decimated,
            drawn_points: drawn.points,
            distribution: drawn.distribution.clone(),
        }
    }
}

fn validate(spec: &ChartSpec) -> Result<()> {
    for (what, v) in [("width", spec.width), ("height", spec.height)] {
        if !(MIN_SIZE..=MAX_SIZE).contains(&v) {
            return Err(Error::invalid(format!(
                "chart {what} {v} is out of range: use {MIN_SIZE} to {MAX_SIZE} pixels"
            )));
        }
    }
    if u64::from(spec.width) * u64::from(spec.height) > MAX_PIXELS {
        return Err(Error::invalid(format!(
            "a {}x{} chart is too large: use at most {MAX_PIXELS} pixels (e.g. 8000x4000)",
            spec.width, spec.height
        )));
    }
    for (what, v) in [("y_min", spec.y_min), ("y_max", spec.y_max)] {
        if v.is_some_and(|v| !v.is_finite()) {
            return Err(Error::invalid(format!("{what} must be a finite number")));
        }
    }
    if let (Some(lo), Some(hi)) = (spec.y_min, spec.y_max)
        && lo >= hi
    {
        return Err(Error::invalid(format!(
            "y_min ({lo}) must be less than y_max ({hi})"
        )));
    }
    overlay::validate(&spec.overlay)?;
    distribution::validate(spec)?;
    if spec.decimals.is_some_and(|d| d > 12) {
        return Err(Error::invalid("decimals must be 0 to 12"));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
