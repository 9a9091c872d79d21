//! Histogram and heatmap: bin edges and counts on known values, the edge cases (empty, one
//! distinct value, NaN and infinities, huge values), the options' validation, and what the
//! drawn SVG and summary say.

use super::*;
use crate::chart::{ChartSpec, ChartType, HistogramLayout, Series, Theme, render_png, render_svg};
use crate::error::ErrorCode;

const T0: i64 = 1_714_557_600_000_000_000; // 2024-05-01T10:00:00Z
const MIN: i64 = 60_000_000_000;

fn series(key: &str, values: &[f64]) -> Series {
    Series {
        key: key.into(),
        name: key.into(),
        points: values
            .iter()
            .enumerate()
            .map(|(i, v)| (T0 + i as i64 * MIN, *v))
            .collect(),
    }
}

/// The text content of every `<text>` element.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .map(|el| {
            el[el.find('>').unwrap() + 1..el.find("</text>").unwrap()]
                .trim()
                .to_string()
        })
        .collect()
}

fn spec(chart_type: ChartType) -> ChartSpec {
    ChartSpec {
        chart_type,
        width: 800,
        height: 400,
        ..Default::default()
    }
}

#[test]
fn edges_split_the_range_evenly_and_the_top_belongs_to_the_last_bin() {
    let b = Bins::new(0.0, 10.0, 5);
    assert_eq!(
        (0..=5).map(|i| b.edge(i)).collect::<Vec<_>>(),
        [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    );
    assert_eq!(b.index(0.0), Some(0));
    assert_eq!(b.index(1.999), Some(0));
    assert_eq!(b.index(2.0), Some(1), "an edge starts its bin");
    assert_eq!(b.index(10.0), Some(4), "the top is in the last bin");
    assert_eq!(b.index(-0.1), None);
    assert_eq!(b.index(10.1), None);
    assert_eq!(b.index(f64::NAN), None);
    assert_eq!(b.index(f64::INFINITY), None);
    // Edges that are not exact in binary still settle on the edge's side.
    let b = Bins::new(0.0, 0.3, 3);
    for i in 0..3 {
        assert_eq!(b.index(b.edge(i)), Some(i), "edge {i}");
    }
}

#[test]
fn bins_count_every_finite_point_once() {
    let values: Vec<f64> = (0..1000).map(|i| f64::from(i % 97) * 1.37 - 20.0).collect();
    let pts = series("x", &values).points;
    for n in [1, 2, 7, 30, 500] {
        let b = Bins::new(-20.0, 96.0 * 1.37 - 20.0, n);
        let (counts, outside) = b.count(&pts);
        assert_eq!(counts.len(), n);
        assert_eq!(outside, 0, "{n} bins: the data's range holds every point");
        assert_eq!(
            counts.iter().sum::<u64>(),
            1000,
            "{n} bins sum to the points"
        );
    }
    // NaN and infinities are not points; values outside a fixed range are counted as outside.
    let pts = series(
        "x",
        &[1.0, f64::NAN, 2.0, f64::INFINITY, f64::NEG_INFINITY, 50.0],
    )
    .points;
    let (counts, outside) = Bins::new(0.0, 10.0, 10).count(&pts);
    assert_eq!((counts.iter().sum::<u64>(), outside), (2, 1));
    assert_eq!((counts[1], counts[2]), (1, 1));
}

#[test]
fn a_flat_or_broken_range_is_widened_so_every_bin_has_a_width() {
    for (lo, hi) in [
        (5.0, 5.0),
        (0.0, 0.0),
        (-1e308, 1e308),
        (f64::NAN, 1.0),
        (3.0, 1.0),
        (1e300, 1e300),
    ] {
        let b = Bins::new(lo, hi, 30);
        assert!(
            b.lo.is_finite() && b.hi.is_finite() && b.hi > b.lo,
            "{lo}..{hi} gave {b:?}"
        );
        assert!(b.edge(1) > b.edge(0), "{lo}..{hi}: bins have a width");
    }
    let b = Bins::new(5.0, 5.0, 30);
    assert!(b.index(5.0).is_some(), "the one value is inside");
}

#[test]
fn time_buckets_cover_the_range_without_gaps() {
    let tb = TimeBuckets {
        t0: 0,
        t1: 99,
        n: 10,
    };
    assert_eq!(tb.index(0), Some(0));
    assert_eq!(tb.index(9), Some(0));
    assert_eq!(tb.index(10), Some(1));
    assert_eq!(tb.index(99), Some(9));
    assert_eq!(tb.index(100), None);
    assert_eq!(tb.start(10), 100);
    let wide = TimeBuckets {
        t0: i64::MIN,
        t1: i64::MAX,
        n: 7,
    };
    assert_eq!(
        wide.index(i64::MAX),
        Some(6),
        "no overflow over the widest range"
    );
    assert_eq!(wide.index(i64::MIN), Some(0));
}

#[test]
fn a_histogram_counts_every_visible_point_and_says_so() {
    let a = series(
        "a",
        &(0..300).map(|i| f64::from(i % 10)).collect::<Vec<_>>(),
    );
    let b = series(
        "b",
        &(0..200)
            .map(|i| 5.0 + f64::from(i % 10))
            .collect::<Vec<_>>(),
    );
    for layout in [HistogramLayout::Stacked, HistogramLayout::SideBySide] {
        for theme in [Theme::Light, Theme::Dark] {
            let s = ChartSpec {
                bins: Some(14),
                histogram_layout: Some(layout),
                theme,
                ..spec(ChartType::Histogram)
            };
            let r = render_svg(&[a.clone(), b.clone()], &s).unwrap();
            assert!(r.hover.is_none());
            assert!(!r.svg.contains("NaN"), "{layout:?}");
            let d = r.summary.distribution.clone().unwrap();
            assert_eq!((d.bins, d.min, d.max), (14, 0.0, 14.0));
            assert_eq!((d.counted, d.outside), (500, 0));
            // Stacked: value 5 holds 30 of a and 20 of b. Side by side: the last bin holds
            // b's 13 and 14 (the top belongs to it), 40.
            let want = if layout == HistogramLayout::Stacked {
                50
            } else {
                40
            };
            assert_eq!(d.max_count, want, "{layout:?}");
            for s in &r.summary.series {
                assert!(r.svg.contains(&s.color), "{}'s color {}", s.key, s.color);
            }
            let text = r.summary.text(&s);
            assert!(
                text.starts_with("histogram chart of 2 series")
                    && text.contains("500 points in 14 bins from 0 to 14"),
                "{text}"
            );
            let png = render_png(&[a.clone(), b.clone()], &s).unwrap();
            assert!(png.png.starts_with(b"\x89PNG"));
        }
    }
    // Hidden series are not counted; a fixed range leaves the rest outside.
    let s = ChartSpec {
        hidden_series: vec!["b".into()],
        bin_min: Some(0.0),
        bin_max: Some(4.5),
        ..spec(ChartType::Histogram)
    };
    let d = render_svg(&[a, b], &s)
        .unwrap()
        .summary
        .distribution
        .unwrap();
    assert_eq!((d.counted, d.outside), (150, 150));
    assert_eq!(d.bins, DEFAULT_BINS);
}

#[test]
fn one_distinct_value_and_odd_inputs_draw_without_nan() {
    let cases = [
        vec![series("one", &[42.0])],
        vec![series("same", &[7.0; 50])],
        vec![series("zero", &[0.0, 0.0])],
        vec![series("odd", &[f64::NAN, 1.0, f64::INFINITY, 1.0])],
        vec![series("huge", &[-1e300, 1e300, 0.0])],
    ];
    for ss in &cases {
        for t in [ChartType::Histogram, ChartType::Heatmap] {
            let what = format!("{t:?} {}", ss[0].key);
            let r = render_svg(ss, &spec(t)).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert!(!r.svg.contains("NaN") && !r.svg.contains("inf"), "{what}");
            let d = r.summary.distribution.unwrap();
            let finite = ss[0].points.iter().filter(|p| p.1.is_finite()).count() as u64;
            assert_eq!(d.counted, finite, "{what}: every finite point counted");
            assert!(d.max > d.min, "{what}");
            render_png(ss, &spec(t)).unwrap_or_else(|e| panic!("{what} PNG: {e}"));
        }
    }
    // No numbers at all: the usual clear error, not an empty picture.
    for t in [ChartType::Histogram, ChartType::Heatmap] {
        let e = render_svg(&[series("nan", &[f64::NAN])], &spec(t)).unwrap_err();
        assert!(e.message().contains("nothing to chart"), "{e}");
        assert!(render_svg(&[], &spec(t)).is_err());
    }
}

#[test]
fn a_heatmap_counts_points_per_time_and_value_cell() {
    // 60 minutes; a: value = minute % 10, b: always 100.
    let a = series("a", &(0..60).map(|i| f64::from(i % 10)).collect::<Vec<_>>());
    let b = series("b", &[100.0; 60]);
    let s = ChartSpec {
        bins: Some(10),
        time_buckets: Some(6),
        theme: Theme::Dark,
        ..spec(ChartType::Heatmap)
    };
    let r = render_svg(&[a.clone(), b.clone()], &s).unwrap();
    let d = r.summary.distribution.clone().unwrap();
    assert_eq!((d.bins, d.time_buckets), (10, Some(6)));
    assert_eq!((d.counted, d.outside), (120, 0));
    assert_eq!(d.max_count, 10, "b's 10 points per column in the top row");
    let hover = r.hover.expect("a heatmap has a time axis");
    assert_eq!(hover.y_left.min, 0.0);
    assert_eq!(hover.y_left.max, 100.0);
    let labels = texts(&r.svg);
    assert!(labels.iter().any(|l| l == "points"), "{labels:?}");
    assert!(
        labels.iter().any(|l| l == "10"),
        "the scale's top: {labels:?}"
    );
    assert!(
        r.summary
            .text(&s)
            .contains("120 points in 10 bins x 6 time columns"),
        "{}",
        r.summary.text(&s)
    );
    // The grid itself.
    let bins = Bins::new(0.0, 100.0, 10);
    let tb = TimeBuckets {
        t0: T0,
        t1: T0 + 59 * MIN,
        n: 6,
    };
    let (counts, _) = grid_counts(&[a.points.as_slice(), b.points.as_slice()], &tb, &bins);
    for col in 0..6 {
        assert_eq!(counts[col * 10], 10, "a's values 0..9 are all in row 0");
        assert_eq!(counts[col * 10 + 9], 10, "b in the top row");
        assert_eq!(counts[col * 10..col * 10 + 10].iter().sum::<u64>(), 20);
    }
}

#[test]
fn the_color_scale_runs_from_dark_to_light() {
    assert_eq!(scale_color(0.0), RGBColor(0x44, 0x01, 0x54));
    assert_eq!(scale_color(1.0), RGBColor(0xFD, 0xE7, 0x25));
    assert_eq!(scale_color(f64::NAN), scale_color(1.0));
    assert_eq!(count_frac(1, 1), 1.0);
    assert_eq!(count_frac(1, 5), 0.0);
    assert_eq!(count_frac(5, 5), 1.0);
}

#[test]
fn bad_options_are_rejected_with_what_to_do() {
    let data = [series("a", &[1.0, 2.0])];
    let cases = [
        (
            ChartSpec {
                bins: Some(0),
                ..spec(ChartType::Histogram)
            },
            "bins 0 is out of range: use 1 to 500",
        ),
        (
            ChartSpec {
                bins: Some(1_000_000),
                ..spec(ChartType::Histogram)
            },
            "bins 1000000 is out of range",
        ),
        (
            ChartSpec {
                time_buckets: Some(501),
                ..spec(ChartType::Heatmap)
            },
            "time_buckets 501 is out of range",
        ),
        (
            ChartSpec {
                bins: Some(500),
                time_buckets: Some(500),
                ..spec(ChartType::Heatmap)
            },
            "too many cells: use at most 100000",
        ),
        (
            ChartSpec {
                bin_min: Some(f64::NAN),
                ..spec(ChartType::Histogram)
            },
            "bin_min must be a finite number",
        ),
        (
            ChartSpec {
                bin_min: Some(3.0),
                bin_max: Some(3.0),
                ..spec(ChartType::Histogram)
            },
            "bin_min (3) must be less than bin_max (3)",
        ),
    ];
    for (s, want) in cases {
        let e = render_svg(&data, &s).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput, "{e}");
        assert!(e.message().contains(want), "{want:?} in {:?}", e.message());
    }
    // 500 x 200 is allowed.
    let s = ChartSpec {
        bins: Some(200),
        time_buckets: Some(500),
        ..spec(ChartType::Heatmap)
    };
    render_svg(&data, &s).unwrap();
}

#[test]
fn the_options_round_trip_in_json_and_stay_out_when_unset() {
    let s: ChartSpec = serde_json::from_value(serde_json::json!({
        "chart_type": "histogram", "bins": 12, "bin_min": 0, "bin_max": 10,
        "histogram_layout": "side_by_side"
    }))
    .unwrap();
    assert_eq!(s.chart_type, ChartType::Histogram);
    assert_eq!(s.histogram_layout, Some(HistogramLayout::SideBySide));
    assert_eq!(
        (s.bins, s.bin_min, s.bin_max),
        (Some(12), Some(0.0), Some(10.0))
    );
    let back = serde_json::to_value(&s).unwrap();
    assert_eq!(back["histogram_layout"], "side_by_side");
    let plain = serde_json::to_value(ChartSpec::default()).unwrap();
    for k in [
        "bins",
        "time_buckets",
        "bin_min",
        "bin_max",
        "histogram_layout",
    ] {
        assert!(plain.get(k).is_none(), "{k} left out when unset");
    }
    let h: ChartSpec =
        serde_json::from_value(serde_json::json!({"chart_type": "heatmap"})).unwrap();
    assert_eq!(h.chart_type, ChartType::Heatmap);
}
