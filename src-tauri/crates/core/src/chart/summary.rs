//! What a chart shows, in numbers ([`ChartSummary`]): every series' statistics and, for a
//! histogram or heatmap, how its points were counted; and the same as plain text for an
//! assistant or a screen reader.

use serde::Serialize;
use ts_rs::TS;

use super::{Axis, ChartSpec, ChartType, axis};

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
    /// Points drawn over all visible series (histogram: bars; heatmap: non-empty cells).
    pub drawn_points: usize,
    /// Histogram and heatmap: how the points were counted.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub distribution: Option<DistributionSummary>,
}

/// How a histogram or heatmap counted the points of the visible series.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct DistributionSummary {
    /// Value bins (heatmap: rows).
    pub bins: u32,
    /// Heatmap: time columns.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub time_buckets: Option<u32>,
    /// The value range binned: the first bin starts at `min`, the last one ends at `max`.
    pub min: f64,
    pub max: f64,
    /// The most points in one bar (stacked: one stack) or cell.
    pub max_count: u64,
    /// Points counted (inside the range).
    pub counted: u64,
    /// Points left out because their value is outside the range.
    pub outside: u64,
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
        if let Some(d) = &self.distribution {
            out += &format!(
                "{} points in {} bins{} from {} to {}, at most {} in one {}",
                d.counted,
                d.bins,
                d.time_buckets
                    .map(|t| format!(" x {t} time columns"))
                    .unwrap_or_default(),
                f.value(d.min),
                f.value(d.max),
                d.max_count,
                if d.time_buckets.is_some() {
                    "cell"
                } else {
                    "bar"
                }
            );
            if d.outside > 0 {
                out += &format!("; {} points outside that range left out", d.outside);
            }
            out += "\n";
        }
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
