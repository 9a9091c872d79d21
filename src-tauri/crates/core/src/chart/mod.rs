//! Charts of query results, drawn with plotters: SVG for the window, PNG for MCP and export.
//!
//! [`series_from_frames`] turns a query result into [`Series`]; [`render_svg`] and
//! [`render_png`] draw them as a [`ChartSpec`] says: line, stacked area, step, bar, scatter,
//! single stat, gauge or table, with a legend, an optional right axis, units and decimals.
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
mod draw;
mod overlay;
mod panels;
mod raster;
mod series;

use plotters::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::influx::parse::ns_to_rfc3339;

pub use compose::{TILE_HEADER, Tile, TileBody, compose_png, render_rgb};
pub use decimate::decimate;
pub use overlay::{
    MAX_BANDS as OVERLAY_MAX_BANDS, MAX_MARKERS as OVERLAY_MAX_MARKERS, Overlay, OverlayBand,
    OverlayLine, OverlayMarker, Tone,
};
pub use series::{Series, series_from_frames};

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
        }
    }

    /// Whether this type draws along a time axis (and so decimates and has hover data).
    pub fn is_time_chart(self) -> bool {
        !matches!(
            self,
            ChartType::SingleStat | ChartType::Gauge | ChartType::Table
        )
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
    /// line, area (stacked), step, bar, scatter, single_stat, gauge or table. Default line.
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

/// What a chart shows, in numbers: for the MCP text result and screen readers.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ChartSummary {
    pub chart_type: ChartType,
    /// First and last time over the visible series, RFC 3339 UTC.
    pub start: String,
    pub end: String,
    /// Every series given, visible or not.
    pub series: Vec<SeriesSummary>,
    /// True when some visible series had more points than were drawn.
    pub decimated: bool,
    /// Points drawn over all visible series.
    pub drawn_points: usize,
}

/// One series in numbers.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct SeriesSummary {
    pub key: String,
    pub name: String,
    /// CSS color, `#RRGGBB` (stable for a key within a chart).
    pub color: String,
    pub visible: bool,
    pub axis: Axis,
    /// Points in the series (before decimation).
    pub points: usize,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    /// The value at the latest time.
    pub last: f64,
    pub first_time: String,
    pub last_time: String,
}

impl ChartSummary {
    /// Plain text, one line per series: what an assistant reads with the picture.
    pub fn text(&self, spec: &ChartSpec) -> String {
        let f = axis::ValueFormat {
            decimals: spec.decimals,
            unit: spec.unit.clone(),
        };
        let visible = self.series.iter().filter(|s| s.visible).count();
        let mut out = format!("{} chart of {} series", self.chart_type.as_str(), visible);
        out += &format!(" from {} to {}", self.start, self.end);
        if self.decimated {
            out += &format!(
                " ({} points drawn, min/max per pixel column)",
                self.drawn_points
            );
        }
        out += "\n";
        for s in &self.series {
            out += &format!(
                "- {}{}: {} points, min {}, max {}, mean {}, last {} at {}\n",
                s.key,
                if s.visible { "" } else { " (hidden)" },
                s.points,
                f.value(s.min),
                f.value(s.max),
                f.value(s.mean),
                f.value(s.last),
                s.last_time
            );
        }
        out
    }
}

/// Draw `series` as SVG.
pub fn render_svg(series: &[Series], spec: &ChartSpec) -> Result<Rendered> {
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
        if !entries.iter().any(|e| e.visible && e.axis == Axis::Left) {
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
    if spec.decimals.is_some_and(|d| d > 12) {
        return Err(Error::invalid("decimals must be 0 to 12"));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
