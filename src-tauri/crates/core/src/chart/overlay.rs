//! Marks drawn over a time chart, given in the [`ChartSpec`](super::ChartSpec): horizontal
//! lines at fixed values (an alert's warn and crit levels), shaded time spans (when a rule
//! was firing) and vertical markers at times (a dashboard's annotations, alert changes). Lines are drawn against the left axis, which stretches to show them; spans are
//! clipped to the chart's time axis. Not here: the series themselves (`draw`).

use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::Theme;
use super::draw::{Chart, err, font};
use crate::error::{Error, Result};

/// Most lines and spans one chart takes.
pub const MAX_LINES: usize = 20;
pub const MAX_BANDS: usize = 2_000;
pub const MAX_MARKERS: usize = 1_000;

/// Lines and shaded spans over a time chart. Ignored by single stat, gauge and table.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema, TS)]
#[serde(default)]
#[ts(export)]
pub struct Overlay {
    /// Horizontal lines across the plot, at values of the left axis.
    pub lines: Vec<OverlayLine>,
    /// Shaded time spans across the plot's height.
    pub bands: Vec<OverlayBand>,
    /// Vertical marks at times across the plot's height (annotations), each with a label.
    pub markers: Vec<OverlayMarker>,
}

impl Overlay {
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.bands.is_empty() && self.markers.is_empty()
    }
}

/// A vertical mark at a time, e.g. an annotation or an alert's change of state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[ts(export)]
pub struct OverlayMarker {
    /// RFC 3339.
    pub at: String,
    /// Drawn beside the mark near the top, e.g. "deploy v2".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub label: Option<String>,
    #[serde(default)]
    pub tone: Tone,
}

/// A horizontal line, e.g. a threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[ts(export)]
pub struct OverlayLine {
    pub value: f64,
    /// Drawn above the line near its left end, e.g. "crit 90".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub label: Option<String>,
    #[serde(default)]
    pub tone: Tone,
}

/// A shaded time span, e.g. when an alert was firing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[ts(export)]
pub struct OverlayBand {
    /// RFC 3339.
    pub from: String,
    /// RFC 3339; absent: to the end of the time axis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub to: Option<String>,
    #[serde(default)]
    pub tone: Tone,
}

/// The color of a mark: neutral (grey), info (blue), warn (amber) or crit (red).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Tone {
    #[default]
    Neutral,
    Info,
    Warn,
    Crit,
}

fn color(tone: Tone, theme: Theme) -> RGBColor {
    match (tone, theme) {
        (Tone::Neutral, Theme::Light) => RGBColor(0x6B, 0x72, 0x80),
        (Tone::Neutral, Theme::Dark) => RGBColor(0x9C, 0xA3, 0xAF),
        (Tone::Info, _) => RGBColor(0x25, 0x63, 0xEB),
        (Tone::Warn, _) => RGBColor(0xE0, 0x9A, 0x00),
        (Tone::Crit, _) => RGBColor(0xDC, 0x26, 0x26),
    }
}

fn time_ns(s: &str, what: &str) -> Result<i64> {
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .and_then(|t| t.timestamp_nanos_opt())
        .ok_or_else(|| {
            Error::invalid(format!(
                "overlay {what} \"{s}\" is not a time: use RFC 3339, e.g. \
                 2026-11-30T12:00:00Z"
            ))
        })
}

/// A band's span in nanoseconds (`to` absent: `i64::MAX`).
fn span(b: &OverlayBand) -> Result<(i64, i64)> {
    let from = time_ns(&b.from, "band from")?;
    let to = match b.to.as_deref() {
        Some(t) => time_ns(t, "band to")?,
        None => i64::MAX,
    };
    Ok((from, to))
}

/// Check an overlay as the spec is checked: finite values, times that parse, bounded counts.
pub(super) fn validate(o: &Overlay) -> Result<()> {
    if o.lines.len() > MAX_LINES {
        return Err(Error::invalid(format!(
            "a chart takes at most {MAX_LINES} overlay lines ({} given)",
            o.lines.len()
        )));
    }
    if o.bands.len() > MAX_BANDS {
        return Err(Error::invalid(format!(
            "a chart takes at most {MAX_BANDS} overlay bands ({} given)",
            o.bands.len()
        )));
    }
    if o.markers.len() > MAX_MARKERS {
        return Err(Error::invalid(format!(
            "a chart takes at most {MAX_MARKERS} overlay markers ({} given)",
            o.markers.len()
        )));
    }
    for m in &o.markers {
        time_ns(&m.at, "marker at")?;
    }
    if o.lines.iter().any(|l| !l.value.is_finite()) {
        return Err(Error::invalid(
            "an overlay line's value must be a finite number",
        ));
    }
    for b in &o.bands {
        let (from, to) = span(b)?;
        if to < from {
            return Err(Error::invalid(format!(
                "overlay band from {} ends before it starts ({}): swap them",
                b.from,
                b.to.as_deref().unwrap_or_default()
            )));
        }
    }
    Ok(())
}

/// The left axis' value range widened to show every line.
pub(super) fn extent(o: &Overlay, lo: f64, hi: f64) -> (f64, f64) {
    o.lines
        .iter()
        .fold((lo, hi), |(a, b), l| (a.min(l.value), b.max(l.value)))
}

/// Shade the bands (drawn under the series).
pub(super) fn bands<DB: DrawingBackend>(
    chart: &mut Chart<DB>,
    o: &Overlay,
    (t0, t1): (i64, i64),
    (ylo, yhi): (f64, f64),
    theme: Theme,
) -> Result<()> {
    let mut rects = Vec::new();
    for b in &o.bands {
        let (from, to) = span(b)?;
        let (a, z) = (from.max(t0), to.min(t1));
        if a >= z {
            continue;
        }
        let c = color(b.tone, theme);
        rects.push(Rectangle::new([(a, ylo), (z, yhi)], c.mix(0.16).filled()));
    }
    chart.draw_series(rects).map(|_| ()).map_err(err)
}

/// Draw the lines, each with its label near the left end, and the markers, each with its label
/// beside it near the top (drawn over the series).
pub(super) fn lines<DB: DrawingBackend>(
    chart: &mut Chart<DB>,
    o: &Overlay,
    (t0, t1): (i64, i64),
    theme: Theme,
) -> Result<()> {
    markers(chart, o, (t0, t1), theme)?;
    for l in &o.lines {
        let c = color(l.tone, theme);
        chart
            .draw_series([DashedPathElement::new(
                [(t0, l.value), (t1, l.value)],
                6,
                4,
                c.stroke_width(2),
            )])
            .map_err(err)?;
        if let Some(label) = l.label.as_deref().filter(|s| !s.trim().is_empty()) {
            // At the left end, a little in: the legend sits at the top right.
            let at = t0.saturating_add((t1.saturating_sub(t0)) / 100);
            let style = font(12.0, c).pos(Pos::new(HPos::Left, VPos::Bottom));
            chart
                .draw_series([Text::new(label.trim().to_string(), (at, l.value), style)])
                .map_err(err)?;
        }
    }
    Ok(())
}

/// Draw the markers within the time axis: a dashed vertical line each, its label beside it.
fn markers<DB: DrawingBackend>(
    chart: &mut Chart<DB>,
    o: &Overlay,
    (t0, t1): (i64, i64),
    theme: Theme,
) -> Result<()> {
    let y = chart.y_range();
    let (ylo, yhi) = (y.start, y.end);
    for m in &o.markers {
        let t = time_ns(&m.at, "marker at")?;
        if t < t0 || t > t1 {
            continue;
        }
        let c = color(m.tone, theme);
        chart
            .draw_series([DashedPathElement::new(
                [(t, ylo), (t, yhi)],
                4,
                3,
                c.stroke_width(2),
            )])
            .map_err(err)?;
        if let Some(label) = m.label.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let label: String = label.chars().take(40).collect();
            let style = font(11.0, c).pos(Pos::new(HPos::Left, VPos::Top));
            let at = t.saturating_add((t1.saturating_sub(t0)) / 200);
            chart
                .draw_series([Text::new(label, (at, yhi), style)])
                .map_err(err)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band(from: &str, to: Option<&str>) -> OverlayBand {
        OverlayBand {
            from: from.into(),
            to: to.map(Into::into),
            tone: Tone::Crit,
        }
    }

    #[test]
    fn bands_need_times_in_order_and_lines_finite_values() {
        let ok = Overlay {
            lines: vec![OverlayLine {
                value: 90.0,
                label: Some("crit 90".into()),
                tone: Tone::Crit,
            }],
            bands: vec![band("2026-11-30T10:00:00Z", None)],
            markers: vec![OverlayMarker {
                at: "2026-11-30T10:30:00Z".into(),
                label: Some("deploy".into()),
                tone: Tone::Info,
            }],
        };
        validate(&ok).unwrap();
        let swapped = Overlay {
            bands: vec![band("2026-11-30T10:00:00Z", Some("2026-11-30T09:00:00Z"))],
            ..Overlay::default()
        };
        assert!(validate(&swapped).unwrap_err().message().contains("swap"));
        let bad_time = Overlay {
            bands: vec![band("yesterday", None)],
            ..Overlay::default()
        };
        assert!(
            validate(&bad_time)
                .unwrap_err()
                .message()
                .contains("RFC 3339")
        );
        let nan = Overlay {
            lines: vec![OverlayLine {
                value: f64::NAN,
                label: None,
                tone: Tone::Warn,
            }],
            ..Overlay::default()
        };
        assert!(validate(&nan).is_err());
        let bad_marker = Overlay {
            markers: vec![OverlayMarker {
                at: "soon".into(),
                label: None,
                tone: Tone::Neutral,
            }],
            ..Overlay::default()
        };
        let e = validate(&bad_marker).unwrap_err();
        assert!(e.message().contains("marker at \"soon\""), "{e}");
        assert_eq!(extent(&ok, 10.0, 50.0), (10.0, 90.0));
    }
}
