//! Chart rendering with and without decimation: 1M points (3 series of 333,334 points, one a
//! second, about 3.9 days) to a 1200x400 PNG and SVG.
//!
//! "decimated" is `influxdesk_core::chart` (min/max per pixel column, then plotters);
//! "every point" is plotters drawing each series as one LineSeries over all its points, with
//! the same size, font, colors, stroke width, grid and axis labels (no legend). Times are the
//! median of 3 runs; `CHART_BENCH_OUT=dir` keeps the four images.
//! Plain main (no criterion): `cargo bench -p influxdesk-core --bench chart`.

use influxdesk_core::chart::{ChartSpec, Series, decimate, render_png, render_svg};
use plotters::prelude::*;

const W: u32 = 1200;
const H: u32 = 400;
const SERIES: usize = 3;
const PER_SERIES: i64 = 333_334;
const T0: i64 = 1_714_557_600_000_000_000; // 2024-05-01T10:00:00Z
const STEP: i64 = 1_000_000_000;

/// Random walks (xorshift, fixed seed) with a spike every 50,000 points.
fn data() -> Vec<Series> {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    (0..SERIES)
        .map(|k| {
            let mut v = 0.0;
            let points = (0..PER_SERIES)
                .map(|i| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    v += ((seed % 2001) as f64 - 1000.0) / 1000.0;
                    let spike = if i % 50_000 == 0 { 40.0 } else { 0.0 };
                    (T0 + i * STEP, v + 10.0 * k as f64 + spike)
                })
                .collect();
            Series {
                key: format!("walk.v n={k}"),
                name: format!("walk {k}"),
                points,
            }
        })
        .collect()
}

/// Median wall time of 3 runs, in ms, and the last result.
fn median3<T>(f: impl FnMut() -> T) -> (f64, T) {
    influxdesk_testkit::bench::median_ms(3, f)
}

/// The undecimated baseline: the same chart, every point handed to plotters.
fn every_point<DB: DrawingBackend>(
    root: DrawingArea<DB, plotters::coord::Shift>,
    series: &[Series],
    colors: &[RGBColor],
) {
    let (lo, hi) = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    let pad = (hi - lo) * 0.05;
    let t1 = T0 + (PER_SERIES - 1) * STEP;
    let label = ("sans-serif", 13)
        .into_font()
        .color(&RGBColor(0x5F, 0x66, 0x73));
    root.fill(&WHITE).unwrap();
    let mut chart = ChartBuilder::on(&root.margin(10, 4, 6, 14))
        .x_label_area_size(46)
        .y_label_area_size(52)
        .build_cartesian_2d(T0..t1, (lo - pad)..(hi + pad))
        .unwrap();
    let x_fmt = |t: &i64| {
        chrono::DateTime::from_timestamp_nanos(*t)
            .format("%m-%d %H:%M")
            .to_string()
    };
    chart
        .configure_mesh()
        .x_labels(10)
        .y_labels(8)
        .x_label_formatter(&x_fmt)
        .x_desc("Time (UTC), 2024-05-01 to 2024-05-05")
        .label_style(label.clone())
        .axis_desc_style(label)
        .axis_style(RGBColor(0x8A, 0x90, 0x99))
        .bold_line_style(RGBColor(0xE6, 0xE8, 0xEB))
        .light_line_style(TRANSPARENT)
        .draw()
        .unwrap();
    for (s, color) in series.iter().zip(colors) {
        chart
            .draw_series(LineSeries::new(
                s.points.iter().copied(),
                color.stroke_width(2),
            ))
            .unwrap();
    }
    root.present().unwrap();
}

fn every_point_svg(series: &[Series], colors: &[RGBColor]) -> String {
    let mut svg = String::new();
    every_point(
        SVGBackend::with_string(&mut svg, (W, H)).into_drawing_area(),
        series,
        colors,
    );
    svg
}

fn every_point_png(series: &[Series], colors: &[RGBColor]) -> Vec<u8> {
    let mut rgb = vec![0u8; (W * H * 3) as usize];
    every_point(
        BitMapBackend::with_buffer(&mut rgb, (W, H)).into_drawing_area(),
        series,
        colors,
    );
    let mut png = Vec::new();
    let mut enc = png::Encoder::new(&mut png, W, H);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Fast);
    let mut w = enc.write_header().unwrap();
    w.write_image_data(&rgb).unwrap();
    w.finish().unwrap();
    png
}

fn main() {
    // plotters' text needs the font registered (the chart module does this itself).
    let font = include_bytes!("../src/chart/fonts/DejaVuSans.ttf");
    if plotters::style::register_font("sans-serif", FontStyle::Normal, font).is_err() {
        panic!("the embedded font does not load");
    }

    let series = data();
    let n: usize = series.iter().map(|s| s.points.len()).sum();
    let spec = ChartSpec {
        width: W,
        height: H,
        ..Default::default()
    };
    println!(
        "chart bench: {SERIES} series x {PER_SERIES} points = {n} points, {W}x{H}, median of 3 runs"
    );

    let t1 = T0 + (PER_SERIES - 1) * STEP;
    let (ms, kept) = median3(|| decimate(&series[0].points, T0, t1, 1100));
    println!(
        "decimate one series ({PER_SERIES} points -> 1100 columns): {ms:.2} ms, {} points kept",
        kept.len()
    );

    let (svg_ms, svg) = median3(|| render_svg(&series, &spec).expect("renders"));
    let (png_ms, png) = median3(|| render_png(&series, &spec).expect("renders"));
    // The baseline draws each series in the color the module gave it.
    let colors: Vec<RGBColor> = svg
        .summary
        .series
        .iter()
        .map(|s| {
            let c = u32::from_str_radix(&s.color[1..], 16).expect("#RRGGBB");
            RGBColor((c >> 16) as u8, (c >> 8) as u8, c as u8)
        })
        .collect();
    let (svg_all_ms, svg_all) = median3(|| every_point_svg(&series, &colors));
    let (png_all_ms, png_all) = median3(|| every_point_png(&series, &colors));

    let svg_len = svg.svg.len();
    let png_len = png.png.len();
    println!();
    println!(
        "| output | decimated ms | decimated bytes | every point ms | every point bytes | time ratio | size ratio |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (what, ms, len, all_ms, all_len) in [
        ("SVG", svg_ms, svg_len, svg_all_ms, svg_all.len()),
        ("PNG", png_ms, png_len, png_all_ms, png_all.len()),
    ] {
        println!(
            "| {what} | {ms:.1} | {len} | {all_ms:.1} | {all_len} | {:.1}x | {:.1}x |",
            all_ms / ms,
            all_len as f64 / len as f64
        );
    }
    println!();
    println!(
        "drawn points (decimated): {} of {n}",
        svg.summary.drawn_points
    );
    // CHART_BENCH_OUT=dir keeps the four images to compare them by eye.
    if let Some(dir) = std::env::var_os("CHART_BENCH_OUT") {
        let dir = std::path::Path::new(&dir);
        std::fs::create_dir_all(dir).expect("output dir");
        std::fs::write(dir.join("decimated.svg"), &svg.svg).expect("write");
        std::fs::write(dir.join("decimated.png"), &png.png).expect("write");
        std::fs::write(dir.join("every-point.svg"), &svg_all).expect("write");
        std::fs::write(dir.join("every-point.png"), &png_all).expect("write");
        println!("images written to {}", dir.display());
    }
}
