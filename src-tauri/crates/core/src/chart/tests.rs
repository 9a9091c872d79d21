//! Rendering tests on known frames: what the SVG contains, that the PNG decodes at the asked
//! size and shows something, that output stays bounded, and the errors.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::*;
use crate::error::ErrorCode;
use crate::model::{Column, ColumnType, Frame};

const T0_NS: i64 = 1_714_557_600_000_000_000; // 2024-05-01T10:00:00Z

/// `cpu` for hosts a and b, 2024-05-01T10:00Z to 11:00Z, one point a minute.
fn two_host_frames() -> Vec<Frame> {
    ["a", "b"]
        .iter()
        .enumerate()
        .map(|(h, host)| {
            let times: Vec<Value> = (0..=60i64)
                .map(|m| json!(ns_to_rfc3339(T0_NS + m * 60_000_000_000)))
                .collect();
            let values: Vec<Value> = (0..=60)
                .map(|m| json!(50.0 + 30.0 * (f64::from(m) / 9.0 + h as f64).sin()))
                .collect();
            Frame {
                name: "cpu".into(),
                tags: BTreeMap::from([("host".to_string(), host.to_string())]),
                columns: vec![
                    Column {
                        name: "time".into(),
                        kind: ColumnType::Time,
                        values: times.into(),
                    },
                    Column {
                        name: "usage_user".into(),
                        kind: ColumnType::Float,
                        values: values.into(),
                    },
                ],
            }
        })
        .collect()
}

fn two_hosts() -> Vec<Series> {
    let s = series_from_frames(&two_host_frames());
    assert_eq!(
        s.iter().map(|s| s.key.as_str()).collect::<Vec<_>>(),
        ["cpu.usage_user host=a", "cpu.usage_user host=b"]
    );
    s
}

/// The `<polyline>` elements of an SVG, as their `stroke` colors.
fn polyline_strokes(svg: &str) -> Vec<&str> {
    svg.split("<polyline")
        .skip(1)
        .map(|el| {
            let at = el.find("stroke=\"").expect("polylines have a stroke") + 8;
            &el[at..at + 7]
        })
        .collect()
}

/// The text content of every `<text>` element.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .map(|el| {
            let body = &el[el.find('>').unwrap() + 1..el.find("</text>").unwrap()];
            body.trim().replace("&amp;", "&")
        })
        .collect()
}

fn color_of<'a>(r: &'a ChartSummary, key: &str) -> &'a str {
    &r.series.iter().find(|s| s.key == key).unwrap().color
}

#[test]
fn svg_has_one_polyline_per_series_and_the_time_range_labels() {
    let series = two_hosts();
    let r = render_svg(&series, &ChartSpec::default()).unwrap();
    assert!(r.svg.starts_with("<svg width=\"1200\" height=\"400\""));

    let strokes = polyline_strokes(&r.svg);
    let a = color_of(&r.summary, "cpu.usage_user host=a");
    let b = color_of(&r.summary, "cpu.usage_user host=b");
    assert_ne!(a, b, "two series, two colors");
    assert_eq!(
        strokes.iter().filter(|s| **s == a).count(),
        1,
        "one line for host a"
    );
    assert_eq!(
        strokes.iter().filter(|s| **s == b).count(),
        1,
        "one line for host b"
    );
    // Everything else plotters draws as a polyline is the axes and their tick marks.
    assert!(
        strokes
            .iter()
            .all(|s| *s == a || *s == b || *s == "#8A9099"),
        "only series lines and axis lines: {strokes:?}"
    );

    let labels = texts(&r.svg);
    for want in ["10:00", "10:30", "11:00", "Time (UTC), 2024-05-01"] {
        assert!(
            labels.iter().any(|l| l == want),
            "missing label {want}: {labels:?}"
        );
    }
    assert!(
        labels.iter().any(|l| l == "usage_user host=a")
            && labels.iter().any(|l| l == "usage_user host=b"),
        "the legend names both series: {labels:?}"
    );
    let y_labels: Vec<&String> = labels.iter().filter(|l| l.parse::<f64>().is_ok()).collect();
    assert!(y_labels.len() >= 3, "the y axis is labelled: {labels:?}");
}

#[test]
fn hidden_series_are_not_drawn_and_not_in_the_legend_and_keep_colors_stable() {
    let series = two_hosts();
    let all = render_svg(&series, &ChartSpec::default()).unwrap();
    let spec = ChartSpec {
        hidden_series: vec!["cpu.usage_user host=b".into()],
        ..Default::default()
    };
    let r = render_svg(&series, &spec).unwrap();
    let b = color_of(&r.summary, "cpu.usage_user host=b");
    assert!(
        !polyline_strokes(&r.svg).contains(&b),
        "host b is not drawn"
    );
    assert!(
        !texts(&r.svg).iter().any(|t| t.contains("host=b")),
        "host b is not in the legend"
    );
    let hover = r.hover.unwrap();
    assert_eq!(hover.series.len(), 1);
    assert_eq!(hover.series[0].key, "cpu.usage_user host=a");
    let visible: Vec<bool> = r.summary.series.iter().map(|s| s.visible).collect();
    assert_eq!(
        visible,
        [true, false],
        "the summary still lists the hidden series"
    );
    assert_eq!(
        color_of(&r.summary, "cpu.usage_user host=a"),
        color_of(&all.summary, "cpu.usage_user host=a"),
        "hiding a series must not recolor the others"
    );
}

#[test]
fn png_decodes_at_the_asked_size_and_is_not_blank() {
    let series = two_hosts();
    let spec = ChartSpec {
        width: 900,
        height: 333,
        title: Some("CPU".into()),
        ..Default::default()
    };
    let out = render_png(&series, &spec).unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(&out.png));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (900, 333), "the asked size");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let px: Vec<[u8; 3]> = buf[..info.buffer_size()]
        .chunks_exact(3)
        .map(|c| [c[0], c[1], c[2]])
        .collect();
    let background = px.iter().filter(|p| **p == [255, 255, 255]).count();
    assert!(
        background < px.len() * 97 / 100,
        "more than 3% of the image is drawn ({} of {} pixels are background)",
        background,
        px.len()
    );
    let distinct: std::collections::HashSet<&[u8; 3]> = px.iter().collect();
    assert!(
        distinct.len() > 50,
        "lines, fills and anti-aliased text: {} colors",
        distinct.len()
    );
    for s in &out.summary.series {
        let c = u32::from_str_radix(&s.color[1..], 16).unwrap();
        let rgb = [(c >> 16) as u8, (c >> 8) as u8, c as u8];
        let n = px.iter().filter(|p| **p == rgb).count();
        assert!(n > 300, "{} is drawn in {} ({n} pixels)", s.key, s.color);
    }
}

#[test]
fn every_chart_type_renders_in_both_themes() {
    let series = two_hosts();
    for chart_type in [
        ChartType::Line,
        ChartType::Area,
        ChartType::Step,
        ChartType::Bar,
        ChartType::Scatter,
        ChartType::SingleStat,
        ChartType::Gauge,
        ChartType::Table,
    ] {
        for theme in [Theme::Light, Theme::Dark] {
            let spec = ChartSpec {
                chart_type,
                theme,
                title: Some("CPU usage".into()),
                unit: Some("%".into()),
                decimals: Some(1),
                right_axis_series: vec!["cpu.usage_user host=b".into()],
                ..Default::default()
            };
            let what = format!("{chart_type:?} {theme:?}");
            let r = render_svg(&series, &spec).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert!(
                r.svg.starts_with("<svg") && r.svg.trim_end().ends_with("</svg>"),
                "{what}: a complete SVG document"
            );
            assert_eq!(
                r.hover.is_some(),
                chart_type.is_time_chart(),
                "{what}: hover data"
            );
            let png = render_png(&series, &spec).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert!(png.png.starts_with(b"\x89PNG"), "{what}");
            let labels = texts(&r.svg);
            assert!(labels.iter().any(|l| l == "CPU usage"), "{what}: the title");
            match chart_type {
                ChartType::SingleStat | ChartType::Gauge => assert!(
                    labels.iter().any(|l| l == "61.2%"),
                    "{what}: the last value of host a with unit and decimals: {labels:?}"
                ),
                ChartType::Table => {
                    for want in ["61.2%", "79.5%", "2024-05-01 11:00:00"] {
                        assert!(
                            labels.iter().any(|l| l == want),
                            "{what}: {want} in {labels:?}"
                        );
                    }
                }
                _ => assert!(
                    labels.iter().any(|l| l == "usage_user host=b (right axis)"),
                    "{what}: the legend marks the right axis: {labels:?}"
                ),
            }
        }
    }
}

#[test]
fn every_chart_type_renders_at_the_smallest_size() {
    let series = two_hosts();
    for chart_type in [
        ChartType::Line,
        ChartType::Area,
        ChartType::Step,
        ChartType::Bar,
        ChartType::Scatter,
        ChartType::SingleStat,
        ChartType::Gauge,
        ChartType::Table,
    ] {
        let spec = ChartSpec {
            chart_type,
            width: MIN_SIZE,
            height: MIN_SIZE,
            right_axis_series: vec!["cpu.usage_user host=b".into()],
            ..Default::default()
        };
        render_svg(&series, &spec).unwrap_or_else(|e| panic!("{chart_type:?}: {e}"));
        render_png(&series, &spec).unwrap_or_else(|e| panic!("{chart_type:?}: {e}"));
    }
}

#[test]
fn one_point_and_extreme_times_still_render() {
    let one = vec![Series {
        key: "k".into(),
        name: "k".into(),
        points: vec![(T0_NS, 5.0)],
    }];
    let far = vec![Series {
        key: "far".into(),
        name: "far".into(),
        points: vec![(i64::MIN, 1.0), (0, 2.0), (i64::MAX, 3.0)],
    }];
    for series in [one, far] {
        for chart_type in [
            ChartType::Line,
            ChartType::Area,
            ChartType::Bar,
            ChartType::Step,
        ] {
            let spec = ChartSpec {
                chart_type,
                ..Default::default()
            };
            let r = render_svg(&series, &spec)
                .unwrap_or_else(|e| panic!("{chart_type:?} {}: {e}", series[0].key));
            assert!(!r.hover.unwrap().series[0].t_ms.is_empty());
        }
    }
}

#[test]
fn a_right_axis_alone_falls_back_to_the_left() {
    let series = two_hosts();
    let spec = ChartSpec {
        right_axis_series: vec![
            "cpu.usage_user host=a".into(),
            "cpu.usage_user host=b".into(),
        ],
        ..Default::default()
    };
    let hover = render_svg(&series, &spec).unwrap().hover.unwrap();
    assert!(hover.y_right.is_none());
    assert!(hover.series.iter().all(|s| s.axis == Axis::Left));
}

#[test]
fn line_on_the_right_axis_gets_its_own_range() {
    let mut series = two_hosts();
    for p in &mut series[1].points {
        p.1 *= 1000.0;
    }
    let spec = ChartSpec {
        right_axis_series: vec!["cpu.usage_user host=b".into()],
        ..Default::default()
    };
    let hover = render_svg(&series, &spec).unwrap().hover.unwrap();
    let right = hover.y_right.expect("a right axis");
    assert!(
        hover.y_left.max < 100.0,
        "left axis fits host a: {:?}",
        hover.y_left
    );
    assert!(right.max > 50_000.0, "right axis fits host b: {right:?}");
    assert_eq!(hover.series[1].axis, Axis::Right);
}

#[test]
fn bars_are_one_rect_per_point_when_they_fit() {
    let series = two_hosts();
    let spec = ChartSpec {
        chart_type: ChartType::Bar,
        ..Default::default()
    };
    let r = render_svg(&series, &spec).unwrap();
    for s in &r.summary.series {
        let fill = format!("fill=\"{}\"", s.color);
        let bars = r.svg.split("<rect").filter(|el| el.contains(&fill)).count();
        assert_eq!(bars, 61 + 1, "{}: 61 bars and the legend swatch", s.key);
    }
}

#[test]
fn stacked_area_hover_carries_the_running_sum() {
    let pts = |v: f64| (0..10).map(|i| (T0_NS + i * 1_000_000_000, v)).collect();
    let series = vec![
        Series {
            key: "one".into(),
            name: "one".into(),
            points: pts(1.0),
        },
        Series {
            key: "two".into(),
            name: "two".into(),
            points: pts(2.0),
        },
    ];
    let spec = ChartSpec {
        chart_type: ChartType::Area,
        ..Default::default()
    };
    let hover = render_svg(&series, &spec).unwrap().hover.unwrap();
    assert_eq!(hover.series[0].y.as_deref(), Some(&[1.0; 10][..]));
    assert_eq!(
        hover.series[1].y.as_deref(),
        Some(&[3.0; 10][..]),
        "2 on top of 1"
    );
    assert_eq!(
        hover.series[1].v, [2.0; 10],
        "v stays the series' own value"
    );
    assert_eq!(hover.y_left.min, 0.0, "areas stand on zero");
    assert!(hover.y_left.max >= 3.0);
}

#[test]
fn a_million_points_draw_in_bounded_output() {
    let n = 1_000_000i64;
    let series = vec![Series {
        key: "m.v".into(),
        name: "v".into(),
        points: (0..n)
            .map(|i| (T0_NS + i * 1_000_000_000, ((i * 7919) % 1000) as f64))
            .collect(),
    }];
    for chart_type in [
        ChartType::Line,
        ChartType::Scatter,
        ChartType::Area,
        ChartType::Step,
    ] {
        let spec = ChartSpec {
            chart_type,
            ..Default::default()
        };
        let r = render_svg(&series, &spec).unwrap();
        let hover = r.hover.unwrap();
        let cols = hover.plot.width as usize;
        assert!(cols > 1000 && cols < 1200, "plot width {cols}");
        assert!(
            hover.series[0].t_ms.len() <= 4 * cols,
            "{chart_type:?}: {} hover points for {cols} columns",
            hover.series[0].t_ms.len()
        );
        assert!(r.summary.decimated && r.summary.series[0].points == n as usize);
        assert!(r.summary.drawn_points <= 4 * cols);
        assert!(
            r.svg.len() < 400_000,
            "{chart_type:?}: the SVG does not grow with the points ({} bytes)",
            r.svg.len()
        );
        assert_eq!(hover.t0_ms, T0_NS as f64 / 1e6);
        assert_eq!(hover.series[0].t_ms[0], T0_NS as f64 / 1e6);
        assert_eq!(r.summary.series[0].min, 0.0);
        assert_eq!(r.summary.series[0].max, 999.0);
    }
}

#[test]
fn nothing_to_chart_and_bad_specs_are_invalid_input() {
    let series = two_hosts();
    let strings_only = Frame {
        name: "logs".into(),
        tags: BTreeMap::new(),
        columns: vec![Column {
            name: "msg".into(),
            kind: ColumnType::String,
            values: vec![json!("hello")].into(),
        }],
    };
    let cases: Vec<(Vec<Series>, ChartSpec, &str)> = vec![
        (Vec::new(), ChartSpec::default(), "nothing to chart"),
        (
            series_from_frames(&[strings_only]),
            ChartSpec::default(),
            "no numeric columns",
        ),
        (
            vec![Series {
                key: "k".into(),
                name: "k".into(),
                points: vec![(0, f64::NAN)],
            }],
            ChartSpec::default(),
            "nothing to chart",
        ),
        (
            series.clone(),
            ChartSpec {
                width: 50,
                ..Default::default()
            },
            "width 50 is out of range",
        ),
        (
            series.clone(),
            ChartSpec {
                height: 9000,
                ..Default::default()
            },
            "height 9000 is out of range",
        ),
        (
            series.clone(),
            ChartSpec {
                width: 8000,
                height: 8000,
                ..Default::default()
            },
            "too large",
        ),
        (
            series.clone(),
            ChartSpec {
                hidden_series: vec!["usage_user host=a".into(), "cpu.usage_user host=b".into()],
                ..Default::default()
            },
            "every series is hidden",
        ),
        (
            series.clone(),
            ChartSpec {
                y_min: Some(10.0),
                y_max: Some(10.0),
                ..Default::default()
            },
            "y_min (10) must be less than y_max (10)",
        ),
    ];
    for (series, spec, want) in cases {
        for e in [
            render_svg(&series, &spec).err(),
            render_png(&series, &spec).err(),
        ] {
            let e = e.unwrap_or_else(|| panic!("expected an error containing {want:?}"));
            assert_eq!(e.code(), ErrorCode::InvalidInput, "{e}");
            assert!(e.message().contains(want), "{want:?} in {:?}", e.message());
        }
    }
}

#[test]
fn spec_json_uses_defaults_and_snake_case_names() {
    let spec: ChartSpec =
        serde_json::from_value(json!({"chart_type": "single_stat", "unit": "ms"})).unwrap();
    assert_eq!(spec.chart_type, ChartType::SingleStat);
    assert_eq!(
        (spec.width, spec.height),
        (1200, 400),
        "absent fields take the defaults"
    );
    assert_eq!(spec.theme, Theme::Light);
    let names: Vec<Value> = [
        ChartType::Line,
        ChartType::Area,
        ChartType::Step,
        ChartType::Bar,
        ChartType::Scatter,
        ChartType::SingleStat,
        ChartType::Gauge,
        ChartType::Table,
    ]
    .iter()
    .map(|t| {
        assert_eq!(
            serde_json::to_value(t).unwrap(),
            t.as_str(),
            "as_str == serde name"
        );
        serde_json::to_value(t).unwrap()
    })
    .collect();
    assert_eq!(
        names,
        [
            "line",
            "area",
            "step",
            "bar",
            "scatter",
            "single_stat",
            "gauge",
            "table"
        ]
    );
    assert_eq!(serde_json::to_value(Theme::Dark).unwrap(), "dark");
    let schema = serde_json::to_value(schemars::schema_for!(ChartSpec)).unwrap();
    assert!(
        schema.to_string().contains("right_axis_series"),
        "the spec has a JSON schema for MCP"
    );
}

#[test]
fn rendered_serializes_for_the_window_and_summarizes_as_text() {
    let series = two_hosts();
    let spec = ChartSpec {
        unit: Some("%".into()),
        decimals: Some(1),
        ..Default::default()
    };
    let r = render_svg(&series, &spec).unwrap();
    let v = serde_json::to_value(&r).unwrap();
    let h = &v["hover"];
    assert!(h["plot"]["width"].as_i64().unwrap() > 1000);
    assert_eq!(h["t0_ms"], json!(T0_NS as f64 / 1e6));
    assert_eq!(h["series"][0]["t_ms"].as_array().unwrap().len(), 61);
    assert!(
        h["series"][0].get("y").is_none(),
        "y only for stacked areas"
    );
    assert_eq!(v["summary"]["series"][0]["axis"], "left");
    assert_eq!(v["summary"]["start"], "2024-05-01T10:00:00Z");
    assert_eq!(v["summary"]["end"], "2024-05-01T11:00:00Z");

    let text = r.summary.text(&spec);
    assert!(
        text.starts_with(
            "line chart of 2 series from 2024-05-01T10:00:00Z to 2024-05-01T11:00:00Z"
        ),
        "{text}"
    );
    assert!(
        text.contains("- cpu.usage_user host=a: 61 points, min 20.0%, max 80.0%"),
        "{text}"
    );
    assert!(
        text.contains("last 61.2% at 2024-05-01T11:00:00Z"),
        "{text}"
    );
}
